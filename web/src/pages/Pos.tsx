// The point of sale: open a register's session, scan into the ticket,
// take split payments, print the receipt, return goods and close.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, call, idempotencyKey, type Page, qs } from "../api";
import { useApp } from "../app";
import { Dec, sum } from "../dec";
import { Alert, errorText, useLoad } from "../ui";
import { addItem, lineDiscount, lineGross, type Line, payment, type Scanned, saleBody, type Tender, type TicketDiscount, totals } from "./cart";

const API = "/verticals/cpg";

interface Session {
  id: string;
  register_id: string;
  status: string;
  opening_float: string;
  opened_at: string;
  counts: { method: string; expected: string; counted?: string; difference?: string }[];
  difference_total?: string;
  sales?: number;
  sales_total?: string;
}

interface SaleLine {
  id: string;
  variant_id: string;
  sku: string;
  description: string;
  quantity: string;
  unit_price: string;
  discount: string;
  total: string;
  returned_quantity: string;
}

interface Sale {
  id: string;
  status: string;
  currency: string;
  subtotal: string;
  discount: string;
  net: string;
  tax: string;
  total: string;
  paid: string;
  change: string;
  refunded: string;
  occurred_at: string;
  cashier_email: string;
  taxes: { code: string; rate: string; base: string; amount: string }[];
  lines: SaleLine[];
  payments: { method: string; amount: string; change: string; reference?: string }[];
  receipt?: { company: { name: string; tax_id: string }; location_name: string; register_name: string };
}

type Tab = "sale" | "return" | "close";

/** The POS screen. */
export function Pos() {
  const { company } = useApp();
  const key = "nexus.pos.session." + company.id;
  const [sessionID, setSessionID] = useState<string | null>(localStorage.getItem(key));
  const [tab, setTab] = useState<Tab>("sale");
  const session = useLoad(async () => {
    if (!sessionID) return null;
    try {
      const s = await call<Session>("GET", `${API}/cash-sessions/${sessionID}`);
      return s.status === "open" ? s : null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }, [sessionID]);
  const use = (id: string | null) => {
    if (id) localStorage.setItem(key, id);
    else localStorage.removeItem(key);
    setSessionID(id);
  };
  if (session.loading && !session.data) return <p>…</p>;
  if (session.error) return <Alert error={session.error} />;
  if (!session.data) return <OpenSession onOpen={use} />;
  const s = session.data;
  return (
    <div class="pos">
      <div class="tabs" role="tablist" aria-label="POS">
        {(["sale", "return", "close"] as Tab[]).map((t) => (
          <TabButton key={t} tab={t} current={tab} onSelect={setTab} />
        ))}
      </div>
      <div role="tabpanel" id={"panel-" + tab} aria-labelledby={"tab-" + tab}>
        {tab === "sale" && <SaleView session={s} />}
        {tab === "return" && <ReturnView session={s} />}
        {tab === "close" && <CloseView session={s} onClosed={() => use(null)} />}
      </div>
    </div>
  );
}

function TabButton({ tab, current, onSelect }: { tab: Tab; current: Tab; onSelect: (t: Tab) => void }) {
  const { fmt } = useApp();
  const label = { sale: fmt.t("navPOS"), return: fmt.t("returns"), close: fmt.t("closeSession") }[tab];
  return (
    <button type="button" role="tab" id={"tab-" + tab} aria-selected={tab === current} aria-controls={"panel-" + tab} class={tab === current ? "tab on" : "tab"} onClick={() => onSelect(tab)}>
      {label}
    </button>
  );
}

function OpenSession({ onOpen }: { onOpen: (id: string) => void }) {
  const { fmt } = useApp();
  const regs = useLoad(() => call<Page<{ id: string; name: string; location_id: string }>>("GET", `${API}/registers?limit=500`), []);
  const [register, setRegister] = useState("");
  const [float, setFloat] = useState("0.00");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const reg = register || regs.data?.data[0]?.id;
      const open = await call<Page<Session>>("GET", `${API}/cash-sessions${qs({ register_id: reg, status: "open" })}`);
      const s = open.data[0] ?? (await call<Session>("POST", `${API}/cash-sessions`, { register_id: reg, opening_float: Dec.of(float).toFixed(2) }));
      onOpen(s.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (regs.loading) return <p>{fmt.t("loading")}</p>;
  if (regs.data && regs.data.data.length === 0) return <p class="alert">{fmt.t("noRegisters")}</p>;
  return (
    <form class="card narrow" onSubmit={submit} aria-labelledby="open-h">
      <h1 id="open-h">{fmt.t("openSession")}</h1>
      <Alert error={regs.error ?? error} />
      <label>
        {fmt.t("register")}
        <select value={register} onChange={(e) => setRegister((e.target as HTMLSelectElement).value)}>
          {regs.data?.data.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {fmt.t("openingFloat")}
        <input inputMode="decimal" name="opening_float" value={float} onInput={(e) => setFloat((e.target as HTMLInputElement).value)} pattern="[0-9]+([.,][0-9]{1,2})?" required />
      </label>
      <button type="submit" disabled={busy}>
        {fmt.t("openSession")}
      </button>
    </form>
  );
}

const methods: Tender["method"][] = ["cash", "card", "transfer", "mercadopago"];

function SaleView({ session }: { session: Session }) {
  const { fmt } = useApp();
  const [lines, setLines] = useState<Line[]>([]);
  const [ticket, setTicket] = useState<TicketDiscount>({ kind: "percent", value: "" });
  const [tenders, setTenders] = useState<Tender[]>([{ method: "cash", amount: "", reference: "" }]);
  const [code, setCode] = useState("");
  const [results, setResults] = useState<Scanned[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sale, setSale] = useState<Sale | null>(null);
  const [scanMs, setScanMs] = useState<number | null>(null);
  const scanStart = useRef<number | null>(null);
  const idem = useRef<string | null>(null);
  const scanRef = useRef<HTMLInputElement>(null);
  const cache = useRef(new Map<string, Scanned>());

  const t = totals(lines, ticket);
  const p = payment(t.total, tenders);

  useEffect(() => {
    if (scanStart.current !== null) {
      setScanMs(Math.round((performance.now() - scanStart.current) * 10) / 10);
      scanStart.current = null;
    }
  }, [lines]);

  const add = (item: Scanned) => {
    setLines((ls) => addItem(ls, item));
    setResults(null);
    idem.current = null;
  };

  const scan = async (e: Event) => {
    e.preventDefault();
    const q = code.trim();
    if (!q) return;
    setError(null);
    scanStart.current = performance.now();
    setCode("");
    const hit = cache.current.get(q);
    if (hit) return add(hit);
    try {
      const item = await call<Scanned>("GET", `${API}/products/scan/${encodeURIComponent(q)}`);
      cache.current.set(q, item);
      add(item);
    } catch (err) {
      scanStart.current = null;
      if (!(err instanceof ApiError && (err.status === 404 || err.status === 400))) return setError(err);
      const found = await call<Page<{ id: string; name: string; tax_rate: string; variants: { id: string; sku: string; barcode: string | null; size: string | null; color: string | null; price: string }[] }>>(
        "GET",
        `${API}/products${qs({ q, limit: 10 })}`,
      );
      const items = found.data.flatMap((pr) =>
        pr.variants.map((v) => ({ variant_id: v.id, product_name: pr.name, sku: v.sku, barcode: v.barcode, size: v.size, color: v.color, price: v.price, tax_rate: pr.tax_rate, on_hand: "" })),
      );
      if (items.length === 0) setError(new Error(fmt.t("notFoundCode", { q })));
      setResults(items);
    }
  };

  const charge = async () => {
    if (lines.length === 0 || busy) return;
    setBusy(true);
    setError(null);
    try {
      // One key per cart and tenders: a retry after a lost answer returns
      // the original sale instead of charging twice.
      idem.current ??= idempotencyKey();
      const s = await call<Sale>("POST", `${API}/sales`, saleBody(session.id, lines, ticket, tenders), { headers: { "Idempotency-Key": idem.current } });
      const full = await call<Sale>("GET", `${API}/sales/${s.id}/receipt`);
      setSale(full);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setSale(null);
    setLines([]);
    setTicket({ kind: "percent", value: "" });
    setTenders([{ method: "cash", amount: "", reference: "" }]);
    idem.current = null;
    setTimeout(() => scanRef.current?.focus(), 0);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "F9") {
        e.preventDefault();
        charge();
      } else if (e.key === "F2") {
        e.preventDefault();
        if (sale) reset();
        else scanRef.current?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  if (sale) return <Receipt sale={sale} onNew={reset} />;

  const setTender = (i: number, patch: Partial<Tender>) => {
    setTenders((ts) => ts.map((x, j) => (j === i ? { ...x, ...patch } : x)));
    idem.current = null;
  };
  const setLine = (i: number, patch: Partial<Line>) => {
    setLines((ls) => ls.map((x, j) => (j === i ? { ...x, ...patch } : x)));
    idem.current = null;
  };

  return (
    <div class="pos-grid">
      <section class="card" aria-labelledby="cart-h">
        <form onSubmit={scan} class="scan" role="search">
          <label for="scan">{fmt.t("scanLabel")}</label>
          <input id="scan" ref={scanRef} name="scan" autoFocus autocomplete="off" value={code} placeholder={fmt.t("scanHint")} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </form>
        <Alert error={error} />
        {results && results.length > 0 && (
          <ul class="results" aria-label={fmt.t("search")}>
            {results.map((r) => (
              <li key={r.variant_id}>
                <button type="button" class="secondary" onClick={() => add(r)}>
                  {r.product_name} {r.size ?? ""} {r.color ?? ""} · {r.sku} · {fmt.m(r.price)}
                </button>
              </li>
            ))}
          </ul>
        )}
        <h2 id="cart-h">{fmt.t("cart")}</h2>
        {lines.length === 0 ? (
          <p class="muted">{fmt.t("emptyCart")}</p>
        ) : (
          <table class="cart" data-testid="cart" data-scan-ms={scanMs ?? undefined}>
            <thead>
              <tr>
                <th scope="col">{fmt.t("product")}</th>
                <th scope="col" class="num">{fmt.t("qty")}</th>
                <th scope="col" class="num">{fmt.t("price")}</th>
                <th scope="col" class="num">{fmt.t("lineDiscount")}</th>
                <th scope="col" class="num">{fmt.t("total")}</th>
                <th scope="col">
                  <span class="sr">{fmt.t("remove")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l, i) => (
                <tr key={l.item.variant_id}>
                  <td>
                    {l.item.product_name} {l.item.size ?? ""} <span class="muted">{l.item.sku}</span>
                  </td>
                  <td class="num">
                    <input class="qty" aria-label={fmt.t("qty") + " " + l.item.sku} inputMode="decimal" value={l.quantity} onInput={(e) => setLine(i, { quantity: (e.target as HTMLInputElement).value })} />
                  </td>
                  <td class="num">{fmt.m(l.item.price)}</td>
                  <td class="num">
                    <input class="qty" aria-label={fmt.t("lineDiscount") + " " + l.item.sku} inputMode="decimal" value={l.discountPercent} onInput={(e) => setLine(i, { discountPercent: (e.target as HTMLInputElement).value })} />
                  </td>
                  <td class="num">{fmt.m(lineGross(l).sub(lineDiscount(l)).toFixed(2))}</td>
                  <td>
                    <button type="button" class="link" aria-label={fmt.t("remove") + " " + l.item.sku} onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}>
                      ✕
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" aria-labelledby="pay-h">
        <h2 id="pay-h">{fmt.t("payments")}</h2>
        <fieldset class="row">
          <legend>{fmt.t("ticketDiscount")}</legend>
          <select aria-label={fmt.t("ticketDiscount")} value={ticket.kind} onChange={(e) => setTicket({ ...ticket, kind: (e.target as HTMLSelectElement).value as TicketDiscount["kind"] })}>
            <option value="percent">{fmt.t("percent")}</option>
            <option value="amount">{fmt.t("amount")}</option>
          </select>
          <input aria-label={fmt.t("ticketDiscount") + " " + fmt.t("amount")} name="ticket_discount" inputMode="decimal" value={ticket.value} onInput={(e) => setTicket({ ...ticket, value: (e.target as HTMLInputElement).value })} />
        </fieldset>
        <dl class="totals">
          <dt>{fmt.t("subtotal")}</dt>
          <dd>{fmt.m(t.subtotal.toFixed(2))}</dd>
          <dt>{fmt.t("discount")}</dt>
          <dd>{fmt.m(t.discount.neg().toFixed(2))}</dd>
          <dt class="big">{fmt.t("toPay")}</dt>
          <dd class="big" data-testid="total">
            {fmt.m(t.total.toFixed(2))}
          </dd>
        </dl>
        {tenders.map((tn, i) => (
          <fieldset class="row tender" key={i}>
            <legend class="sr">
              {fmt.t("payments")} {i + 1}
            </legend>
            <select aria-label={fmt.t("method") + " " + (i + 1)} value={tn.method} onChange={(e) => setTender(i, { method: (e.target as HTMLSelectElement).value as Tender["method"] })}>
              {methods.map((m) => (
                <option key={m} value={m}>
                  {fmt.t(m)}
                </option>
              ))}
            </select>
            <input aria-label={fmt.t("amount") + " " + (i + 1)} name={"tender-" + i} inputMode="decimal" value={tn.amount} placeholder={p.remaining.toFixed(2)} onInput={(e) => setTender(i, { amount: (e.target as HTMLInputElement).value })} />
            {tn.method !== "cash" && <input aria-label={fmt.t("reference") + " " + (i + 1)} placeholder={fmt.t("reference")} value={tn.reference} onInput={(e) => setTender(i, { reference: (e.target as HTMLInputElement).value })} />}
            {tenders.length > 1 && (
              <button type="button" class="link" aria-label={fmt.t("remove") + " " + (i + 1)} onClick={() => setTenders((ts) => ts.filter((_, j) => j !== i))}>
                ✕
              </button>
            )}
          </fieldset>
        ))}
        <button type="button" class="secondary" onClick={() => setTenders((ts) => [...ts, { method: "card", amount: p.remaining.toFixed(2), reference: "" }])}>
          {fmt.t("addPayment")}
        </button>
        <dl class="totals">
          <dt>{fmt.t("paid")}</dt>
          <dd>{fmt.m(p.paid.toFixed(2))}</dd>
          <dt>{fmt.t("remaining")}</dt>
          <dd data-testid="remaining">{fmt.m(p.remaining.toFixed(2))}</dd>
          <dt class="big">{fmt.t("change")}</dt>
          <dd class="big" data-testid="change">
            {fmt.m(p.change.toFixed(2))}
          </dd>
        </dl>
        <button type="button" class="primary big" onClick={charge} disabled={busy || lines.length === 0 || !p.remaining.isZero()}>
          {busy ? fmt.t("charging") : fmt.t("charge")}
        </button>
      </section>
    </div>
  );
}

function Receipt({ sale, onNew }: { sale: Sale; onNew: () => void }) {
  const { fmt } = useApp();
  const newRef = useRef<HTMLButtonElement>(null);
  useEffect(() => newRef.current?.focus(), []);
  return (
    <div class="receipt-wrap">
      <div class="no-print actions">
        <button type="button" onClick={() => print()}>
          {fmt.t("print")}
        </button>
        <button type="button" class="secondary" ref={newRef} onClick={onNew}>
          {fmt.t("newSale")}
        </button>
      </div>
      <article class="receipt" aria-label={fmt.t("receipt")} data-testid="receipt" data-sale-id={sale.id}>
        <header>
          <strong>{sale.receipt?.company.name}</strong>
          <div>{sale.receipt?.company.tax_id}</div>
          <div>
            {sale.receipt?.location_name} · {sale.receipt?.register_name}
          </div>
          <div>{fmt.dateTime(sale.occurred_at)}</div>
          <div class="mono">
            {fmt.t("saleID")} {sale.id.slice(0, 8)}
          </div>
        </header>
        <table>
          <tbody>
            {sale.lines.map((l) => (
              <tr key={l.id}>
                <td>
                  {fmt.n(l.quantity)} × {l.description}
                  <div class="muted">
                    {fmt.m(l.unit_price)}
                    {!Dec.of(l.discount).isZero() && " − " + fmt.m(l.discount)}
                  </div>
                </td>
                <td class="num">{fmt.m(l.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl class="totals">
          <dt>{fmt.t("subtotal")}</dt>
          <dd>{fmt.m(sale.subtotal)}</dd>
          <dt>{fmt.t("discount")}</dt>
          <dd>{fmt.m(Dec.of(sale.discount).neg().toFixed(2))}</dd>
          {sale.taxes.map((x) => [
            <dt key={x.code + "t"}>
              {fmt.t("tax")} {x.rate}%
            </dt>,
            <dd key={x.code + "d"}>{fmt.m(x.amount)}</dd>,
          ])}
          <dt class="big">{fmt.t("total")}</dt>
          <dd class="big" data-testid="receipt-total">
            {fmt.m(sale.total)}
          </dd>
          {sale.payments.map((x, i) => [
            <dt key={i + "t"}>
              {fmt.t(x.method as "cash")}
              {x.reference ? " " + x.reference : ""}
            </dt>,
            <dd key={i + "d"}>{fmt.m(x.amount)}</dd>,
          ])}
          <dt class="big">{fmt.t("change")}</dt>
          <dd class="big" data-testid="receipt-change">
            {fmt.m(sale.change)}
          </dd>
        </dl>
      </article>
    </div>
  );
}

interface Preview {
  lines: { sku: string; description: string; quantity: string; total: string }[];
  refunds: { method: string; amount: string; reference?: string }[];
  total: string;
  session_required: boolean;
}

function ReturnView({ session }: { session: Session }) {
  const { fmt } = useApp();
  const sales = useLoad(() => call<Page<{ id: string; total: string; occurred_at: string; status: string }>>("GET", `${API}/sales${qs({ session_id: session.id, limit: 20 })}`), []);
  const [saleID, setSaleID] = useState("");
  const [sale, setSale] = useState<Sale | null>(null);
  const [qty, setQty] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pick = async (id: string) => {
    setSaleID(id);
    setPreview(null);
    setDone(null);
    setError(null);
    try {
      setSale(id ? await call<Sale>("GET", `${API}/sales/${id}`) : null);
      setQty({});
    } catch (e) {
      setError(e);
    }
  };
  const body = () => ({
    session_id: session.id,
    lines: (sale?.lines ?? [])
      .filter((l) => Dec.parse(qty[l.id] ?? "") && !Dec.of(qty[l.id]).isZero())
      .map((l) => ({ variant_id: l.variant_id, quantity: Dec.of(qty[l.id]).toString() })),
  });
  const doPreview = async () => {
    setError(null);
    try {
      setPreview(await call<Preview>("POST", `${API}/sales/${saleID}/returns/preview`, body()));
    } catch (e) {
      setError(e);
    }
  };
  const confirm = async () => {
    setError(null);
    try {
      const r = await call<{ return?: { total?: string; amount?: string } }>("POST", `${API}/sales/${saleID}/returns`, body(), { headers: { "Idempotency-Key": idempotencyKey() } });
      setDone(fmt.t("returnDone", { a: fmt.m(preview?.total ?? r.return?.total ?? r.return?.amount ?? "0") }));
      setPreview(null);
      setSale(await call<Sale>("GET", `${API}/sales/${saleID}`));
      sales.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card" aria-labelledby="ret-h">
      <h2 id="ret-h">{fmt.t("returns")}</h2>
      <label>
        {fmt.t("recentSales")}
        <select value={saleID} onChange={(e) => pick((e.target as HTMLSelectElement).value)} name="sale">
          <option value="">—</option>
          {sales.data?.data.map((s) => (
            <option key={s.id} value={s.id}>
              {fmt.dateTime(s.occurred_at)} · {fmt.m(s.total)} · {s.id.slice(0, 8)} · {s.status}
            </option>
          ))}
        </select>
      </label>
      <Alert error={error ?? sales.error} />
      {sale && (
        <table>
          <thead>
            <tr>
              <th scope="col">{fmt.t("product")}</th>
              <th scope="col" class="num">{fmt.t("qty")}</th>
              <th scope="col" class="num">{fmt.t("total")}</th>
              <th scope="col" class="num">{fmt.t("returnQty")}</th>
            </tr>
          </thead>
          <tbody>
            {sale.lines.map((l) => (
              <tr key={l.id}>
                <td>{l.description}</td>
                <td class="num">
                  {fmt.n(l.quantity)}
                  {!Dec.of(l.returned_quantity).isZero() && <span class="muted"> (−{fmt.n(l.returned_quantity)})</span>}
                </td>
                <td class="num">{fmt.m(l.total)}</td>
                <td class="num">
                  <input class="qty" inputMode="decimal" aria-label={fmt.t("returnQty") + " " + l.sku} value={qty[l.id] ?? ""} onInput={(e) => setQty({ ...qty, [l.id]: (e.target as HTMLInputElement).value })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sale && (
        <button type="button" class="secondary" onClick={doPreview} disabled={body().lines.length === 0}>
          {fmt.t("previewRefund")}
        </button>
      )}
      {preview && (
        <div class="preview" data-testid="refund-preview">
          <dl class="totals">
            {preview.refunds.map((r, i) => [
              <dt key={i + "t"}>
                {fmt.t(r.method as "cash")} {r.reference ?? ""}
              </dt>,
              <dd key={i + "d"}>{fmt.m(r.amount)}</dd>,
            ])}
            <dt class="big">{fmt.t("refund")}</dt>
            <dd class="big" data-testid="refund-total">
              {fmt.m(preview.total)}
            </dd>
          </dl>
          <button type="button" class="primary" onClick={confirm}>
            {fmt.t("confirmReturn")}
          </button>
        </div>
      )}
      {done && (
        <p role="status" class="ok" data-testid="return-done">
          {done}
        </p>
      )}
    </section>
  );
}

function CloseView({ session, onClosed }: { session: Session; onClosed: () => void }) {
  const { fmt } = useApp();
  const live = useLoad(() => call<Session>("GET", `${API}/cash-sessions/${session.id}`), []);
  const [counted, setCounted] = useState<Record<string, string>>({});
  const [closed, setClosed] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>(null);
  const counts = (closed ?? live.data)?.counts ?? [];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await call<Session>("POST", `${API}/cash-sessions/${session.id}/close`, {
        counted: counts.map((c) => ({ method: c.method, amount: Dec.of(counted[c.method] ?? "0").toFixed(2) })),
      });
      setClosed(res);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="close-h">
      <h2 id="close-h">{fmt.t("closeSession")}</h2>
      <Alert error={error ?? live.error} />
      <table data-testid="close-table">
        <thead>
          <tr>
            <th scope="col">{fmt.t("method")}</th>
            <th scope="col" class="num">{fmt.t("expected")}</th>
            <th scope="col" class="num">{fmt.t("counted")}</th>
            <th scope="col" class="num">{fmt.t("difference")}</th>
          </tr>
        </thead>
        <tbody>
          {counts.map((c) => {
            const entered = closed || Dec.parse(counted[c.method] ?? "") !== null;
            const diff = closed ? Dec.of(c.difference) : Dec.of(counted[c.method] ?? "0").sub(Dec.of(c.expected));
            return (
              <tr key={c.method}>
                <td>{fmt.t(c.method as "cash")}</td>
                <td class="num">{fmt.m(c.expected)}</td>
                <td class="num">
                  {closed ? (
                    fmt.m(c.counted)
                  ) : (
                    <input class="qty" inputMode="decimal" aria-label={fmt.t("counted") + " " + fmt.t(c.method as "cash")} name={"counted-" + c.method} value={counted[c.method] ?? ""} onInput={(e) => setCounted({ ...counted, [c.method]: (e.target as HTMLInputElement).value })} />
                  )}
                </td>
                <td class={"num " + (entered && diff.isNeg() ? "neg" : "")} data-testid={"diff-" + c.method}>
                  {entered ? fmt.m(diff.toFixed(2)) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {fmt.t("difference")}
            </th>
            <td class="num" data-testid="diff-total">
              {fmt.m(closed?.difference_total ?? sum(counts.map((c) => Dec.of(counted[c.method] ?? "0").sub(Dec.of(c.expected)))).toFixed(2))}
            </td>
          </tr>
        </tfoot>
      </table>
      {closed ? (
        <>
          <p role="status" class="ok" data-testid="session-closed">
            {fmt.t("sessionClosed")}
          </p>
          <button type="button" onClick={onClosed}>
            {fmt.t("openSession")}
          </button>
        </>
      ) : (
        <button type="submit" class="primary" disabled={!live.data}>
          {fmt.t("closeSession")}
        </button>
      )}
      {error instanceof ApiError && error.code === "manager_required" && <p class="muted">{errorText(error)}</p>}
    </form>
  );
}
