// Consignment: goods sent to a consignee stay ours at its location until
// it reports them sold; returns bring unsold goods back; settlements pay
// what is owed; the aging report shows what is out and for how long.
import { useState } from "preact/hooks";
import { API, type Page, qs, useApp } from "../app";
import { Alert, Card, emptyLine, Field, LinesEditor, Ok, Select, useLoad, useResolve } from "../ui";
import { AgingBuckets, type Aging } from "./widgets";

interface Customer {
  id: string;
  name: string;
  tax_id: string | null;
  location_id: string | null;
}

interface Consignment {
  id: string;
  customer_id: string;
  status: string;
  value_at_price: string;
  sold_total: string;
  settled_total: string;
  owed?: string;
  sent_at?: string | null;
  lines?: { id: string; variant_id: string; sku?: string; quantity: string; unit_price: string; sold_quantity: string; returned_quantity: string; outstanding: string }[];
  settlements?: { id: string; amount: string; method: string; reference: string | null; occurred_at: string }[];
  sales_reports?: { id: string; total: string; occurred_at: string }[];
}

const statuses = ["", "draft", "sent", "partially_settled", "settled", "cancelled"];

/** The consignments page: the list and the aging, or a consignment at /v/cpg/consignments/{id}. */
export function Consignments() {
  const { api, t, can, ctx } = useApp();
  const customers = useLoad(() => api<Page<Customer>>("GET", `${API}/customers?limit=500`), []);
  const consignees = (customers.data?.data ?? []).filter((c) => c.location_id);
  const names = Object.fromEntries(consignees.map((c) => [c.id, c.name]));
  const selected = ctx.subpath;
  const open = (id: string) => ctx.navigate("/v/cpg/consignments/" + id);
  const [tick, setTick] = useState(0);
  return (
    <div>
      <h1>{t("consignments")}</h1>
      <Alert error={customers.error} />
      <div class="grid">
        {selected ? <Detail id={selected} names={names} onBack={() => ctx.navigate("/v/cpg/consignments")} onChanged={() => setTick(tick + 1)} /> : <List names={names} onOpen={open} />}
        {can("manager") && !selected && <NewConsignment consignees={consignees} onCreated={open} />}
        {can("manager") && !selected && <NewConsignee onCreated={customers.reload} />}
        {can("manager") && <AgingCard tick={tick} />}
      </div>
    </div>
  );
}

function List({ names, onOpen }: { names: Record<string, string>; onOpen: (id: string) => void }) {
  const { api, t, m, word } = useApp();
  const [status, setStatus] = useState("");
  const list = useLoad(() => api<Page<Consignment>>("GET", `${API}/consignments${qs({ status, limit: 50 })}`), [status]);
  return (
    <Card title={t("consignments")} id="consignment-list" wide>
      <Select label={t("status")} value={status} onChange={setStatus} options={statuses.map((s) => [s, s ? word("st_", s) : t("allStatuses")])} />
      <Alert error={list.error} />
      {list.data && list.data.data.length === 0 && <p class="muted">{t("none")}</p>}
      {list.data && list.data.data.length > 0 && (
        <table data-testid="consignments">
          <thead>
            <tr>
              <th scope="col">{t("customer")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col" class="num">{t("atPrice")}</th>
              <th scope="col" class="num">{t("sold")}</th>
              <th scope="col">
                <span class="sr">{t("actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((c) => (
              <tr key={c.id}>
                <td>{names[c.customer_id] ?? c.customer_id.slice(0, 8)}</td>
                <td>{word("st_", c.status)}</td>
                <td class="num">{m(c.value_at_price)}</td>
                <td class="num">{m(c.sold_total)}</td>
                <td>
                  <button type="button" class="secondary" aria-label={t("open") + " " + c.id.slice(0, 8)} onClick={() => onOpen(c.id)}>
                    {t("open")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function NewConsignment({ consignees, onCreated }: { consignees: Customer[]; onCreated: (id: string) => void }) {
  const { api, t } = useApp();
  const resolve = useResolve();
  const [customer, setCustomer] = useState("");
  const [note, setNote] = useState("");
  const [lines, setLines] = useState([emptyLine()]);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const rl = await resolve(lines);
      const c = await api<{ id: string }>("POST", `${API}/consignments`, {
        customer_id: customer || consignees[0]?.id,
        ...(note.trim() ? { note: note.trim() } : {}),
        lines: rl.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, ...(l.amount ? { unit_price: l.amount } : {}) })),
      });
      setLines([emptyLine()]);
      onCreated(c.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("newConsignment")} id="new-consignment" wide>
      <form onSubmit={submit} aria-label={t("newConsignment")}>
        <Select label={t("customer")} value={customer || consignees[0]?.id || ""} onChange={setCustomer} options={consignees.map((c) => [c.id, c.name])} required />
        <Field label={t("note")} value={note} onInput={setNote} />
        <LinesEditor lines={lines} setLines={setLines} amountLabel="priceN" />
        <Alert error={error} />
        <button type="submit">{t("create")}</button>
      </form>
    </Card>
  );
}

function NewConsignee({ onCreated }: { onCreated: () => void }) {
  const { api, t } = useApp();
  const [f, setF] = useState({ name: "", tax_id: "" });
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setOk(null);
    try {
      await api("POST", `${API}/customers`, { name: f.name.trim(), ...(f.tax_id.trim() ? { tax_id: f.tax_id.trim() } : {}), consignee: true });
      setF({ name: "", tax_id: "" });
      setOk(t("created"));
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("newConsignee")} id="new-consignee">
      <form onSubmit={submit} aria-label={t("newConsignee")}>
        <Field label={t("name")} value={f.name} onInput={(name) => setF({ ...f, name })} required />
        <Field label={t("taxID")} value={f.tax_id} onInput={(tax_id) => setF({ ...f, tax_id })} />
        <Alert error={error} />
        <Ok text={ok} />
        <button type="submit">{t("create")}</button>
      </form>
    </Card>
  );
}

type Qty = Record<string, string>;

function Detail({ id, names, onBack, onChanged }: { id: string; names: Record<string, string>; onBack: () => void; onChanged: () => void }) {
  const { api, t, m, n, word, dateTime, can } = useApp();
  const c = useLoad(() => api<Consignment>("GET", `${API}/consignments/${id}`), [id]);
  const [sold, setSold] = useState<Qty>({});
  const [back, setBack] = useState<Qty>({});
  const [pay, setPay] = useState({ amount: "", method: "transfer", reference: "" });
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const act = async (path: string, body?: unknown) => {
    setError(null);
    setOk(null);
    try {
      await api("POST", `${API}/consignments/${id}/${path}`, body);
      setOk(t("done"));
      setSold({});
      setBack({});
      c.reload();
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  if (c.error) return <Alert error={c.error} />;
  if (!c.data) return <p>{t("loading")}</p>;
  const x = c.data;
  const lines = x.lines ?? [];
  const open = can("manager") && (x.status === "sent" || x.status === "partially_settled");
  const linesOf = (q: Qty) => lines.filter((l) => (q[l.id] ?? "").trim() !== "").map((l) => ({ variant_id: l.variant_id, quantity: q[l.id].trim() }));
  const qtyInput = (q: Qty, set: (q: Qty) => void, label: string, l: (typeof lines)[number]) => (
    <input class="qty" inputMode="decimal" aria-label={label + " " + (l.sku ?? l.variant_id.slice(0, 8))} value={q[l.id] ?? ""} onInput={(e) => set({ ...q, [l.id]: (e.target as HTMLInputElement).value })} />
  );
  return (
    <Card title={t("consignments") + " · " + (names[x.customer_id] ?? "")} id="consignment" wide>
      <button type="button" class="secondary" onClick={onBack}>
        {t("back")}
      </button>
      <p>
        {t("status")}: <strong data-testid="consignment-status">{word("st_", x.status)}</strong> · {t("atPrice")}: {m(x.value_at_price)} · {t("sold")}: {m(x.sold_total)} · {t("owed")}:{" "}
        <strong data-testid="consignment-owed">{m(x.owed)}</strong>
      </p>
      <Alert error={error} />
      <Ok text={ok} testid="consignment-done" />
      <table data-testid="consignment-lines">
        <thead>
          <tr>
            <th scope="col">{t("sku")}</th>
            <th scope="col" class="num">{t("qty")}</th>
            <th scope="col" class="num">{t("unitPrice")}</th>
            <th scope="col" class="num">{t("sold")}</th>
            <th scope="col" class="num">{t("returned")}</th>
            <th scope="col" class="num">{t("outstanding")}</th>
            {open && <th scope="col" class="num">{t("reportSold")}</th>}
            {open && <th scope="col" class="num">{t("returnGoods")}</th>}
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.id}>
              <td class="mono">{l.sku ?? l.variant_id.slice(0, 8)}</td>
              <td class="num">{n(l.quantity)}</td>
              <td class="num">{m(l.unit_price)}</td>
              <td class="num">{n(l.sold_quantity)}</td>
              <td class="num">{n(l.returned_quantity)}</td>
              <td class="num">{n(l.outstanding)}</td>
              {open && <td class="num">{qtyInput(sold, setSold, t("reportSold"), l)}</td>}
              {open && <td class="num">{qtyInput(back, setBack, t("returnGoods"), l)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {can("manager") && (
        <div class="row">
          {x.status === "draft" && (
            <button type="button" onClick={() => act("send")}>
              {t("send")}
            </button>
          )}
          {open && (
            <button type="button" onClick={() => act("sales", { lines: linesOf(sold) })} disabled={linesOf(sold).length === 0}>
              {t("reportSold")}
            </button>
          )}
          {open && (
            <button type="button" class="secondary" onClick={() => act("returns", { lines: linesOf(back) })} disabled={linesOf(back).length === 0}>
              {t("returnGoods")}
            </button>
          )}
          {(x.status === "draft" || x.status === "sent") && (
            <button type="button" class="secondary" onClick={() => act("cancel")}>
              {t("cancel")}
            </button>
          )}
        </div>
      )}
      {open && (
        <form
          aria-label={t("settle")}
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            act("settlements", { amount: pay.amount.trim(), method: pay.method, ...(pay.reference.trim() ? { reference: pay.reference.trim() } : {}) });
          }}
        >
          <Field label={t("amount")} value={pay.amount} inputMode="decimal" onInput={(amount) => setPay({ ...pay, amount })} required />
          <Select label={t("method")} value={pay.method} onChange={(method) => setPay({ ...pay, method })} options={(["transfer", "cash", "card"] as const).map((k) => [k, t(k)])} />
          <Field label={t("reference")} value={pay.reference} onInput={(reference) => setPay({ ...pay, reference })} />
          <button type="submit">{t("settle")}</button>
        </form>
      )}
      {(x.settlements ?? []).length > 0 && (
        <>
          <h3>{t("settlements")}</h3>
          <ul class="plain">
            {x.settlements!.map((s) => (
              <li key={s.id}>
                {dateTime(s.occurred_at)} · {t(s.method as "cash")} {s.reference ?? ""} · {m(s.amount)}
              </li>
            ))}
          </ul>
        </>
      )}
      {(x.sales_reports ?? []).length > 0 && (
        <>
          <h3>{t("salesReports")}</h3>
          <ul class="plain">
            {x.sales_reports!.map((r) => (
              <li key={r.id}>
                {dateTime(r.occurred_at)} · {m(r.total)}
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

function AgingCard({ tick }: { tick: number }) {
  const { api, t, n, m } = useApp();
  const r = useLoad(() => api<Aging>("GET", `${API}/reports/consignment-aging?limit=50`), [tick]);
  return (
    <Card title={t("consignmentAging")} id="aging" wide>
      <Alert error={r.error} />
      {r.data && <AgingBuckets aging={r.data} />}
      {r.data && r.data.data.length > 0 && (
        <table data-testid="aging-lines">
          <thead>
            <tr>
              <th scope="col">{t("customer")}</th>
              <th scope="col">{t("sku")}</th>
              <th scope="col" class="num">{t("daysOut")}</th>
              <th scope="col" class="num">{t("outstanding")}</th>
              <th scope="col" class="num">{t("atPrice")}</th>
            </tr>
          </thead>
          <tbody>
            {r.data.data.map((x) => (
              <tr key={x.consignment_id + x.line_no}>
                <td>{x.customer_name}</td>
                <td class="mono">{x.sku}</td>
                <td class="num">{x.days_out}</td>
                <td class="num">{n(x.outstanding)}</td>
                <td class="num">{m(x.value_at_price)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
