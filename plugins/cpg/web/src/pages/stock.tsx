// Inventory: the locations, on-hand per location, adjustments, transfers
// between locations and the ledger of movements.
import { useState } from "preact/hooks";
import { API, type Page, qs, useApp } from "../app";
import { Alert, Card, emptyLine, Field, LinesEditor, Ok, Select, useLoad, useLocations, useResolve, useVariantLabels } from "../ui";

interface Movement {
  id: string;
  variant_id: string;
  location_id: string;
  kind: string;
  quantity: string;
  occurred_at: string;
}

/** The inventory page. */
export function Stock() {
  const { t, can, ctx } = useApp();
  const locs = useLocations();
  const [loc, setLoc] = useState(ctx.query.get("location_id") ?? "");
  const [tick, setTick] = useState(0);
  const locations = locs.data?.data ?? [];
  const current = loc || locations.find((l) => l.is_default)?.id || locations[0]?.id || "";
  const changed = () => setTick(tick + 1);
  return (
    <div>
      <h1>{t("stock")}</h1>
      <Alert error={locs.error} />
      <div class="grid">
        <Card title={t("stockAt")} id="stock" wide>
          <Select label={t("location")} value={current} onChange={setLoc} options={locations.map((l) => [l.id, l.name])} name="location" />
          {current && <OnHand location={current} tick={tick} />}
        </Card>
        {can("manager") && locations.length > 0 && <Adjustment locations={locations} current={current} onDone={changed} />}
        {can("manager") && locations.length > 1 && <Transfer locations={locations} current={current} onDone={changed} />}
        <Locations onCreated={locs.reload} />
        {current && <Movements location={current} tick={tick} />}
      </div>
    </div>
  );
}

/** On-hand of a variant at a location, as GET /stock names it. */
interface StockRow {
  variant_id: string;
  sku: string;
  size: string | null;
  color: string | null;
  on_hand: string;
}

function OnHand({ location, tick }: { location: string; tick: number }) {
  const { api, t, n } = useApp();
  const [pages, setPages] = useState<string[]>([""]);
  const r = useLoad(async () => {
    const rows: StockRow[] = [];
    let next: string | null = null;
    for (const cursor of pages) {
      const p: Page<StockRow> = await api("GET", `${API}/stock${qs({ location_id: location, limit: 50, cursor })}`);
      rows.push(...p.data);
      next = p.next_cursor;
    }
    return { rows, next };
  }, [location, pages, tick]);
  if (r.error) return <Alert error={r.error} />;
  if (!r.data) return <p>{t("loading")}</p>;
  if (r.data.rows.length === 0) return <p class="muted">{t("none")}</p>;
  return (
    <>
      <table data-testid="on-hand">
        <thead>
          <tr>
            <th scope="col">{t("sku")}</th>
            <th scope="col" class="num">{t("onHand")}</th>
          </tr>
        </thead>
        <tbody>
          {r.data.rows.map((x) => (
            <tr key={x.variant_id}>
              <td class="mono">{[x.sku, x.size, x.color].filter(Boolean).join(" · ")}</td>
              <td class="num">{n(x.on_hand)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.data.next && (
        <button type="button" class="secondary" onClick={() => setPages([...pages, r.data!.next!])}>
          {t("more")}
        </button>
      )}
    </>
  );
}

type Loc = { id: string; name: string; kind: string };

function Adjustment({ locations, current, onDone }: { locations: Loc[]; current: string; onDone: () => void }) {
  const { api, t } = useApp();
  const resolve = useResolve();
  const [loc, setLoc] = useState("");
  const [reason, setReason] = useState("");
  const [lines, setLines] = useState([emptyLine()]);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setOk(null);
    try {
      const rl = await resolve(lines);
      await api("POST", `${API}/stock/adjustments`, { location_id: loc || current, reason: reason.trim(), lines: rl.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity })) });
      setOk(t("done"));
      setLines([emptyLine()]);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("adjustment")} id="adjustment">
      <form onSubmit={submit} aria-label={t("adjustment")}>
        <Select label={t("location")} value={loc || current} onChange={setLoc} options={locations.map((l) => [l.id, l.name])} />
        <Field label={t("reason")} value={reason} onInput={setReason} required />
        <LinesEditor lines={lines} setLines={setLines} />
        <Alert error={error} />
        <Ok text={ok} testid="adjusted" />
        <button type="submit">{t("adjust")}</button>
      </form>
    </Card>
  );
}

function Transfer({ locations, current, onDone }: { locations: Loc[]; current: string; onDone: () => void }) {
  const { api, t } = useApp();
  const resolve = useResolve();
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [note, setNote] = useState("");
  const [lines, setLines] = useState([emptyLine()]);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const source = from || current;
  const target = to || locations.find((l) => l.id !== source)?.id || "";
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setOk(null);
    try {
      const rl = await resolve(lines);
      await api("POST", `${API}/stock/transfers`, {
        from_location_id: source,
        to_location_id: target,
        ...(note.trim() ? { note: note.trim() } : {}),
        lines: rl.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity })),
      });
      setOk(t("done"));
      setLines([emptyLine()]);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  const opts = locations.map((l) => [l.id, l.name] as [string, string]);
  return (
    <Card title={t("transferTitle")} id="transfer">
      <form onSubmit={submit} aria-label={t("transferTitle")}>
        <div class="row">
          <Select label={t("from")} value={source} onChange={setFrom} options={opts} />
          <Select label={t("to")} value={target} onChange={setTo} options={opts} />
        </div>
        <Field label={t("note")} value={note} onInput={setNote} />
        <LinesEditor lines={lines} setLines={setLines} />
        <Alert error={error} />
        <Ok text={ok} testid="transferred" />
        <button type="submit">{t("doTransfer")}</button>
      </form>
    </Card>
  );
}

function Locations({ onCreated }: { onCreated: () => void }) {
  const { api, t, word, can } = useApp();
  const locs = useLocations();
  const [name, setName] = useState("");
  const [kind, setKind] = useState("warehouse");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api("POST", `${API}/locations`, { name: name.trim(), kind });
      setName("");
      locs.reload();
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("locations")} id="locations">
      <Alert error={locs.error} />
      <ul class="plain">
        {locs.data?.data.map((l) => (
          <li key={l.id}>
            {l.name} <span class="muted">· {word("k_", l.kind)}</span>
          </li>
        ))}
      </ul>
      {can("manager") && (
        <form onSubmit={submit} aria-label={t("newLocation")}>
          <h3>{t("newLocation")}</h3>
          <Field label={t("name")} value={name} onInput={setName} required />
          <Select label={t("kind")} value={kind} onChange={setKind} options={[["store", t("k_store")], ["warehouse", t("k_warehouse")]]} />
          <Alert error={error} />
          <button type="submit">{t("create")}</button>
        </form>
      )}
    </Card>
  );
}

function Movements({ location, tick }: { location: string; tick: number }) {
  const { api, t, n, dateTime } = useApp();
  const r = useLoad(() => api<Page<Movement>>("GET", `${API}/stock/movements${qs({ location_id: location, limit: 20 })}`), [location, tick]);
  const label = useVariantLabels(r.data?.data.map((x) => x.variant_id) ?? []);
  return (
    <Card title={t("movements")} id="movements" wide>
      <Alert error={r.error} />
      {r.data && r.data.data.length === 0 && <p class="muted">{t("none")}</p>}
      {r.data && r.data.data.length > 0 && (
        <table data-testid="movements">
          <thead>
            <tr>
              <th scope="col">{t("when")}</th>
              <th scope="col">{t("kind")}</th>
              <th scope="col">{t("sku")}</th>
              <th scope="col" class="num">{t("qty")}</th>
            </tr>
          </thead>
          <tbody>
            {r.data.data.map((x) => (
              <tr key={x.id}>
                <td>{dateTime(x.occurred_at)}</td>
                <td>{x.kind}</td>
                <td class="mono">{label(x.variant_id)}</td>
                <td class="num">{n(x.quantity)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
