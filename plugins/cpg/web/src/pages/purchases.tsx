// Purchasing: suppliers, purchase orders (draft, place, cancel) and
// receiving them, in part or whole, into stock at moving-average cost.
import { useState } from "preact/hooks";
import { API, type Page, qs, useApp } from "../app";
import { Alert, Card, emptyLine, Field, LinesEditor, Ok, Select, useLoad, useLocations, useResolve, useVariantLabels } from "../ui";

interface Supplier {
  id: string;
  name: string;
  tax_id: string | null;
  email: string | null;
}

interface PO {
  id: string;
  supplier_id: string;
  location_id: string;
  status: string;
  currency: string;
  note: string | null;
  total_cost: string;
  created_at?: string;
  lines?: { id: string; variant_id: string; quantity: string; unit_cost: string; received_quantity: string; pending_quantity: string }[];
}

const statuses = ["", "draft", "ordered", "partially_received", "received", "cancelled"];

/** The purchasing page: orders and suppliers, or an order at /v/cpg/purchases/{id}. */
export function Purchases() {
  const { api, t, can, ctx } = useApp();
  const suppliers = useLoad(() => api<Page<Supplier>>("GET", `${API}/suppliers?limit=500`), []);
  const selected = ctx.subpath;
  const open = (id: string) => ctx.navigate("/v/cpg/purchases/" + id);
  const names = Object.fromEntries((suppliers.data?.data ?? []).map((s) => [s.id, s.name]));
  return (
    <div>
      <h1>{t("purchases")}</h1>
      <div class="grid">
        {selected ? <PODetail id={selected} supplier={names} onBack={() => ctx.navigate("/v/cpg/purchases")} /> : <POList supplier={names} onOpen={open} />}
        {can("manager") && !selected && <NewPO suppliers={suppliers.data?.data ?? []} onCreated={open} />}
        {!selected && <Suppliers list={suppliers.data?.data ?? []} error={suppliers.error} onCreated={suppliers.reload} />}
      </div>
    </div>
  );
}

function POList({ supplier, onOpen }: { supplier: Record<string, string>; onOpen: (id: string) => void }) {
  const { api, t, m, word, dateTime } = useApp();
  const [status, setStatus] = useState("");
  const list = useLoad(() => api<Page<PO>>("GET", `${API}/purchase-orders${qs({ status, limit: 50 })}`), [status]);
  return (
    <Card title={t("purchaseOrders")} id="purchase-orders" wide>
      <Select label={t("status")} value={status} onChange={setStatus} options={statuses.map((s) => [s, s ? word("st_", s) : t("allStatuses")])} />
      <Alert error={list.error} />
      {list.data && list.data.data.length === 0 && <p class="muted">{t("none")}</p>}
      {list.data && list.data.data.length > 0 && (
        <table data-testid="purchase-orders">
          <thead>
            <tr>
              <th scope="col">{t("when")}</th>
              <th scope="col">{t("supplier")}</th>
              <th scope="col">{t("status")}</th>
              <th scope="col" class="num">{t("total")}</th>
              <th scope="col">
                <span class="sr">{t("actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((po) => (
              <tr key={po.id}>
                <td>{dateTime(po.created_at)}</td>
                <td>{supplier[po.supplier_id] ?? po.supplier_id.slice(0, 8)}</td>
                <td>{word("st_", po.status)}</td>
                <td class="num">{m(po.total_cost)}</td>
                <td>
                  <button type="button" class="secondary" aria-label={t("open") + " " + po.id.slice(0, 8)} onClick={() => onOpen(po.id)}>
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

function NewPO({ suppliers, onCreated }: { suppliers: Supplier[]; onCreated: (id: string) => void }) {
  const { api, t } = useApp();
  const resolve = useResolve();
  const locs = useLocations();
  const [supplier, setSupplier] = useState("");
  const [loc, setLoc] = useState("");
  const [note, setNote] = useState("");
  const [lines, setLines] = useState([emptyLine()]);
  const [error, setError] = useState<unknown>(null);
  const stores = (locs.data?.data ?? []).filter((l) => l.kind !== "consignee");
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const rl = await resolve(lines);
      const po = await api<{ id: string }>("POST", `${API}/purchase-orders`, {
        supplier_id: supplier || suppliers[0]?.id,
        ...(loc ? { location_id: loc } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        lines: rl.map((l) => ({ variant_id: l.variant_id, quantity: l.quantity, unit_cost: l.amount })),
      });
      setLines([emptyLine()]);
      setNote("");
      onCreated(po.id);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("newPO")} id="new-po" wide>
      <form onSubmit={submit} aria-label={t("newPO")}>
        <div class="row">
          <Select label={t("supplier")} value={supplier || suppliers[0]?.id || ""} onChange={setSupplier} options={suppliers.map((s) => [s.id, s.name])} required />
          <Select label={t("location")} value={loc || stores.find((l) => l.is_default)?.id || ""} onChange={setLoc} options={stores.map((l) => [l.id, l.name])} />
        </div>
        <Field label={t("note")} value={note} onInput={setNote} />
        <LinesEditor lines={lines} setLines={setLines} amountLabel="costN" />
        <Alert error={error} />
        <button type="submit">{t("create")}</button>
      </form>
    </Card>
  );
}

function PODetail({ id, supplier, onBack }: { id: string; supplier: Record<string, string>; onBack: () => void }) {
  const { api, t, m, n, word, can } = useApp();
  const po = useLoad(() => api<PO>("GET", `${API}/purchase-orders/${id}`), [id]);
  const label = useVariantLabels(po.data?.lines?.map((l) => l.variant_id) ?? []);
  const [recv, setRecv] = useState<Record<string, { quantity: string; unit_cost: string }>>({});
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState<string | null>(null);
  const act = async (path: string, body?: unknown) => {
    setError(null);
    setOk(null);
    try {
      await api("POST", `${API}/purchase-orders/${id}/${path}`, body);
      setOk(t("done"));
      setRecv({});
      po.reload();
    } catch (err) {
      setError(err);
    }
  };
  if (po.error) return <Alert error={po.error} />;
  if (!po.data) return <p>{t("loading")}</p>;
  const p = po.data;
  const lines = p.lines ?? [];
  const receivable = can("manager") && (p.status === "ordered" || p.status === "partially_received");
  const receipt = lines
    .filter((l) => (recv[l.id]?.quantity ?? "").trim() !== "")
    .map((l) => ({ variant_id: l.variant_id, quantity: recv[l.id].quantity.trim(), ...(recv[l.id].unit_cost.trim() ? { unit_cost: recv[l.id].unit_cost.trim() } : {}) }));
  return (
    <Card title={t("purchaseOrders") + " · " + (supplier[p.supplier_id] ?? "")} id="po" wide>
      <button type="button" class="secondary" onClick={onBack}>
        {t("back")}
      </button>
      <p>
        {t("status")}: <strong data-testid="po-status">{word("st_", p.status)}</strong> · {t("total")}: {m(p.total_cost)}
      </p>
      <Alert error={error} />
      <Ok text={ok} testid="po-done" />
      <table data-testid="po-lines">
        <thead>
          <tr>
            <th scope="col">{t("sku")}</th>
            <th scope="col" class="num">{t("ordered")}</th>
            <th scope="col" class="num">{t("received")}</th>
            <th scope="col" class="num">{t("unitCost")}</th>
            {receivable && <th scope="col" class="num">{t("receive")}</th>}
            {receivable && <th scope="col" class="num">{t("unitCost")}</th>}
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => {
            const sku = label(l.variant_id);
            const r = recv[l.id] ?? { quantity: "", unit_cost: "" };
            return (
              <tr key={l.id}>
                <td class="mono">{sku}</td>
                <td class="num">{n(l.quantity)}</td>
                <td class="num">{n(l.received_quantity)}</td>
                <td class="num">{m(l.unit_cost)}</td>
                {receivable && (
                  <td class="num">
                    <input class="qty" inputMode="decimal" aria-label={t("receive") + " " + sku} placeholder={l.pending_quantity} value={r.quantity} onInput={(e) => setRecv({ ...recv, [l.id]: { ...r, quantity: (e.target as HTMLInputElement).value } })} />
                  </td>
                )}
                {receivable && (
                  <td class="num">
                    <input class="qty" inputMode="decimal" aria-label={t("unitCost") + " " + sku} placeholder={l.unit_cost} value={r.unit_cost} onInput={(e) => setRecv({ ...recv, [l.id]: { ...r, unit_cost: (e.target as HTMLInputElement).value } })} />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {can("manager") && (
        <div class="row">
          {p.status === "draft" && (
            <button type="button" onClick={() => act("order")}>
              {t("placeOrder")}
            </button>
          )}
          {receivable && (
            <button type="button" onClick={() => act("receipts", { lines: receipt })} disabled={receipt.length === 0}>
              {t("receive")}
            </button>
          )}
          {(p.status === "draft" || p.status === "ordered") && (
            <button type="button" class="secondary" onClick={() => act("cancel")}>
              {t("cancel")}
            </button>
          )}
        </div>
      )}
    </Card>
  );
}

function Suppliers({ list, error: loadError, onCreated }: { list: Supplier[]; error: unknown; onCreated: () => void }) {
  const { api, t, can } = useApp();
  const [f, setF] = useState({ name: "", tax_id: "", email: "" });
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api("POST", `${API}/suppliers`, { name: f.name.trim(), ...(f.tax_id.trim() ? { tax_id: f.tax_id.trim() } : {}), ...(f.email.trim() ? { email: f.email.trim() } : {}) });
      setF({ name: "", tax_id: "", email: "" });
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={t("suppliers")} id="suppliers">
      <Alert error={loadError} />
      <ul class="plain">
        {list.map((s) => (
          <li key={s.id}>
            {s.name} <span class="muted mono">{s.tax_id ?? ""}</span>
          </li>
        ))}
      </ul>
      {can("manager") && (
        <form onSubmit={submit} aria-label={t("newSupplier")}>
          <h3>{t("newSupplier")}</h3>
          <Field label={t("name")} value={f.name} onInput={(name) => setF({ ...f, name })} required />
          <Field label={t("taxID")} value={f.tax_id} onInput={(tax_id) => setF({ ...f, tax_id })} />
          <Field label={t("email")} value={f.email} type="email" onInput={(email) => setF({ ...f, email })} />
          <Alert error={error} />
          <button type="submit">{t("create")}</button>
        </form>
      )}
    </Card>
  );
}
