// The point of sale: open a register's session, scan into the ticket,
// take split payments, print the receipt, return goods and close.
import { useEffect, useRef, useState } from "preact/hooks";
import { encode } from "uqr";
import { API, idempotencyKey, type Page, qs, useApp } from "../app";
import { Dec, sum } from "../dec";
import { Alert, errorText, useLoad } from "../ui";
import { isApiError } from "../vertical";
import { addItem, lineDiscount, lineGross, type Line, payment, type Scanned, saleBody, type Tender, type TicketDiscount, totals } from "./cart";

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
  const { api, ctx } = useApp();
  const company = ctx.company;
  const key = "nexus.pos.session." + company.id;
  const [sessionID, setSessionID] = useState<string | null>(localStorage.getItem(key));
  const [tab, setTab] = useState<Tab>("sale");
  const session = useLoad(async () => {
    if (!sessionID) return null;
    try {
      const s = await api<Session>("GET", `${API}/cash-sessions/${sessionID}`);
      return s.status === "open" ? s : null;
    } catch (e) {
      if (isApiError(e) && e.status === 404) return null;
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
  const { t } = useApp();
  const label = { sale: t("pos"), return: t("returns"), close: t("closeSession") }[tab];
  return (
    <button type="button" role="tab" id={"tab-" + tab} aria-selected={tab === current} aria-controls={"panel-" + tab} class={tab === current ? "tab on" : "tab"} onClick={() => onSelect(tab)}>
      {label}
    </button>
  );
}

function OpenSession({ onOpen }: { onOpen: (id: string) => void }) {
  const { t, api } = useApp();
  const regs = useLoad(() => api<Page<{ id: string; name: string; location_id: string }>>("GET", `${API}/registers?limit=500`), []);
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
      const open = await api<Page<Session>>("GET", `${API}/cash-sessions${qs({ register_id: reg, status: "open" })}`);
      const s = open.data[0] ?? (await api<Session>("POST", `${API}/cash-sessions`, { register_id: reg, opening_float: Dec.of(float).toFixed(2) }));
      onOpen(s.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (regs.loading) return <p>{t("loading")}</p>;
  if (regs.data && regs.data.data.length === 0) return <p class="alert">{t("noRegisters")}</p>;
  return (
    <form class="card narrow" onSubmit={submit} aria-labelledby="open-h">
      <h1 id="open-h">{t("openSession")}</h1>
      <Alert error={regs.error ?? error} />
      <label>
        {t("register")}
        <select value={register || regs.data?.data[0]?.id} onChange={(e) => setRegister((e.target as HTMLSelectElement).value)}>
          {regs.data?.data.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("openingFloat")}
        <input inputMode="decimal" name="opening_float" value={float} onInput={(e) => setFloat((e.target as HTMLInputElement).value)} pattern="[0-9]+([.,][0-9]{1,2})?" required />
      </label>
      <button type="submit" disabled={busy}>
        {t("openSession")}
      </button>
    </form>
  );
}

const methods: Tender["method"][] = ["cash", "card", "transfer", "mercadopago", "mercadopago_qr"];

function SaleView({ session }: { session: Session }) {
  const { t, m, api } = useApp();
  const [lines, setLines] = useState<Line[]>([]);
  const [ticket, setTicket] = useState<TicketDiscount>({ kind: "percent", value: "" });
  const [tenders, setTenders] = useState<Tender[]>([{ method: "cash", amount: "", reference: "" }]);
  const [code, setCode] = useState("");
  const [results, setResults] = useState<Scanned[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sale, setSale] = useState<Sale | null>(null);
  const [charged, setCharged] = useState<Charged | null>(null);
  const [scanMs, setScanMs] = useState<number | null>(null);
  const scanStart = useRef<number | null>(null);
  const idem = useRef<string | null>(null);
  const scanRef = useRef<HTMLInputElement>(null);
  const cache = useRef(new Map<string, Scanned>());

  const tot = totals(lines, ticket);
  const p = payment(tot.total, tenders);

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
      const item = await api<Scanned>("GET", `${API}/products/scan/${encodeURIComponent(q)}`);
      cache.current.set(q, item);
      add(item);
    } catch (err) {
      scanStart.current = null;
      if (!(isApiError(err) && (err.status === 404 || err.status === 400))) return setError(err);
      const found = await api<Page<{ id: string; name: string; tax_rate: string; variants: { id: string; sku: string; barcode: string | null; size: string | null; color: string | null; price: string }[] }>>(
        "GET",
        `${API}/products${qs({ q, limit: 10 })}`,
      );
      const items = found.data.flatMap((pr) =>
        pr.variants.map((v) => ({ variant_id: v.id, product_name: pr.name, sku: v.sku, barcode: v.barcode, size: v.size, color: v.color, price: v.price, tax_rate: pr.tax_rate, on_hand: "" })),
      );
      if (items.length === 0) setError(new Error(t("notFoundCode", { q })));
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
      const res = await api<Sale | Charged>("POST", `${API}/sales`, saleBody(session.id, lines, ticket, tenders), { headers: { "Idempotency-Key": idem.current } });
      // A Mercado Pago tender answers the sale with its payment: pending
      // while the customer scans the QR, completed when approved at once.
      if ("payment" in res && res.sale.status === "pending_payment") return setCharged(res);
      const full = await api<Sale>("GET", `${API}/sales/${"payment" in res ? res.sale.id : res.id}/receipt`);
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

  // The shortcuts act on this render's cart and tenders: the listener,
  // added once, reads them through a ref set at every render, so a key
  // pressed right after typing (a scanner, a fast cashier) never reaches a
  // listener holding the previous render's state, as a listener re-added
  // by an effect after each paint could.
  const keys = useRef({ charge, reset, sale });
  keys.current = { charge, reset, sale };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "F9") {
        e.preventDefault();
        keys.current.charge();
      } else if (e.key === "F2") {
        e.preventDefault();
        if (keys.current.sale) keys.current.reset();
        else scanRef.current?.focus();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);

  if (sale) return <Receipt sale={sale} onNew={reset} />;
  if (charged)
    return (
      <AwaitPayment
        charged={charged}
        onPaid={(s) => {
          setCharged(null);
          setSale(s);
        }}
        onFailed={(e) => {
          setCharged(null);
          idem.current = null;
          setError(e);
        }}
      />
    );

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
          <label for="scan">{t("scanLabel")}</label>
          <input id="scan" ref={scanRef} name="scan" autoFocus autocomplete="off" value={code} placeholder={t("scanHint")} onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
        </form>
        <Alert error={error} />
        {results && results.length > 0 && (
          <ul class="results" aria-label={t("search")}>
            {results.map((r) => (
              <li key={r.variant_id}>
                <button type="button" class="secondary" onClick={() => add(r)}>
                  {r.product_name} {r.size ?? ""} {r.color ?? ""} · {r.sku} · {m(r.price)}
                </button>
              </li>
            ))}
          </ul>
        )}
        <h2 id="cart-h">{t("cart")}</h2>
        {lines.length === 0 ? (
          <p class="muted">{t("emptyCart")}</p>
        ) : (
          <table class="cart" data-testid="cart" data-scan-ms={scanMs ?? undefined}>
            <thead>
              <tr>
                <th scope="col">{t("product")}</th>
                <th scope="col" class="num">{t("qty")}</th>
                <th scope="col" class="num">{t("price")}</th>
                <th scope="col" class="num">{t("lineDiscount")}</th>
                <th scope="col" class="num">{t("total")}</th>
                <th scope="col">
                  <span class="sr">{t("remove")}</span>
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
                    <input class="qty" aria-label={t("qty") + " " + l.item.sku} inputMode="decimal" value={l.quantity} onInput={(e) => setLine(i, { quantity: (e.target as HTMLInputElement).value })} />
                  </td>
                  <td class="num">{m(l.item.price)}</td>
                  <td class="num">
                    <input class="qty" aria-label={t("lineDiscount") + " " + l.item.sku} inputMode="decimal" value={l.discountPercent} onInput={(e) => setLine(i, { discountPercent: (e.target as HTMLInputElement).value })} />
                  </td>
                  <td class="num">{m(lineGross(l).sub(lineDiscount(l)).toFixed(2))}</td>
                  <td>
                    <button type="button" class="link" aria-label={t("remove") + " " + l.item.sku} onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}>
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
        <h2 id="pay-h">{t("payments")}</h2>
        <fieldset class="row">
          <legend>{t("ticketDiscount")}</legend>
          <select aria-label={t("ticketDiscount")} value={ticket.kind} onChange={(e) => setTicket({ ...ticket, kind: (e.target as HTMLSelectElement).value as TicketDiscount["kind"] })}>
            <option value="percent">{t("percent")}</option>
            <option value="amount">{t("amount")}</option>
          </select>
          <input aria-label={t("ticketDiscount") + " " + t("amount")} name="ticket_discount" inputMode="decimal" value={ticket.value} onInput={(e) => setTicket({ ...ticket, value: (e.target as HTMLInputElement).value })} />
        </fieldset>
        <dl class="totals">
          <dt>{t("subtotal")}</dt>
          <dd>{m(tot.subtotal.toFixed(2))}</dd>
          <dt>{t("discount")}</dt>
          <dd>{m(tot.discount.neg().toFixed(2))}</dd>
          <dt class="big">{t("toPay")}</dt>
          <dd class="big" data-testid="total">
            {m(tot.total.toFixed(2))}
          </dd>
        </dl>
        {tenders.map((tn, i) => (
          <fieldset class="row tender" key={i}>
            <legend class="sr">
              {t("payments")} {i + 1}
            </legend>
            <select aria-label={t("method") + " " + (i + 1)} value={tn.method} onChange={(e) => setTender(i, { method: (e.target as HTMLSelectElement).value as Tender["method"] })}>
              {methods.map((m) => (
                <option key={m} value={m}>
                  {t(m)}
                </option>
              ))}
            </select>
            <input aria-label={t("amount") + " " + (i + 1)} name={"tender-" + i} inputMode="decimal" value={tn.amount} placeholder={p.remaining.toFixed(2)} onInput={(e) => setTender(i, { amount: (e.target as HTMLInputElement).value })} />
            {tn.method !== "cash" && tn.method !== "mercadopago_qr" && <input aria-label={t("reference") + " " + (i + 1)} placeholder={t("reference")} value={tn.reference} onInput={(e) => setTender(i, { reference: (e.target as HTMLInputElement).value })} />}
            {tenders.length > 1 && (
              <button type="button" class="link" aria-label={t("remove") + " " + (i + 1)} onClick={() => setTenders((ts) => ts.filter((_, j) => j !== i))}>
                ✕
              </button>
            )}
          </fieldset>
        ))}
        <button type="button" class="secondary" onClick={() => setTenders((ts) => [...ts, { method: "card", amount: p.remaining.toFixed(2), reference: "" }])}>
          {t("addPayment")}
        </button>
        <dl class="totals">
          <dt>{t("paid")}</dt>
          <dd>{m(p.paid.toFixed(2))}</dd>
          <dt>{t("remaining")}</dt>
          <dd data-testid="remaining">{m(p.remaining.toFixed(2))}</dd>
          <dt class="big">{t("change")}</dt>
          <dd class="big" data-testid="change">
            {m(p.change.toFixed(2))}
          </dd>
        </dl>
        <button type="button" class="primary big" onClick={charge} disabled={busy || lines.length === 0 || !p.remaining.isZero()}>
          {busy ? t("charging") : t("charge")}
        </button>
      </section>
    </div>
  );
}

/** A Mercado Pago payment as the checkout answers it. */
interface MPPayment {
  id: string;
  status: string;
  status_detail: string;
  amount: string;
  qr_data?: string;
  expires_at?: string;
}

/** The checkout's answer for a sale charged through Mercado Pago. */
interface Charged {
  sale: Sale;
  payment: MPPayment;
}

/** How often the POS asks whether a pending sale was paid. */
const PAYMENT_POLL_MS = 2000;

/**
 * The QR the customer scans with Mercado Pago's app, and the wait for the
 * payment: the sale completes (the receipt) or is voided (its stock comes
 * back) when the host hears from Mercado Pago.
 */
function AwaitPayment({ charged, onPaid, onFailed }: { charged: Charged; onPaid: (s: Sale) => void; onFailed: (e: Error) => void }) {
  const { t, m, dateTime, api } = useApp();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    const id = setInterval(async () => {
      try {
        const s = await api<Sale>("GET", `${API}/sales/${charged.sale.id}`);
        if (!live || s.status === "pending_payment") return;
        clearInterval(id);
        if (s.status === "voided") return onFailed(new Error(t("paymentRejected")));
        onPaid(await api<Sale>("GET", `${API}/sales/${s.id}/receipt`));
      } catch (e) {
        if (live) setError(e);
      }
    }, PAYMENT_POLL_MS);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [charged.sale.id]);
  return (
    <section class="card narrow" aria-labelledby="mp-h" data-testid="await-payment" data-payment-id={charged.payment.id}>
      <h2 id="mp-h">{t("mercadopago_qr")}</h2>
      <p role="status">{t("waitingPayment")}</p>
      {charged.payment.qr_data && <QR text={charged.payment.qr_data} label={t("qrLabel")} />}
      <p class="big">{m(charged.payment.amount)}</p>
      {charged.payment.expires_at && <p class="muted">{t("expiresAt", { t: dateTime(charged.payment.expires_at) })}</p>}
      <Alert error={error} />
    </section>
  );
}

/** A QR code of text, drawn as SVG (one path of dark modules). */
function QR({ text, label }: { text: string; label: string }) {
  const { data } = encode(text, { border: 2 });
  const n = data.length;
  let d = "";
  data.forEach((row, y) => row.forEach((on, x) => on && (d += `M${x} ${y}h1v1h-1z`)));
  return (
    <svg class="qr" viewBox={`0 0 ${n} ${n}`} width="256" height="256" role="img" aria-label={label} data-testid="mp-qr" data-qr={text}>
      <rect width={n} height={n} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

function Receipt({ sale, onNew }: { sale: Sale; onNew: () => void }) {
  const { t, m, n, dateTime } = useApp();
  const newRef = useRef<HTMLButtonElement>(null);
  useEffect(() => newRef.current?.focus(), []);
  return (
    <div class="receipt-wrap">
      <div class="no-print actions">
        <button type="button" onClick={() => print()}>
          {t("print")}
        </button>
        <button type="button" class="secondary" ref={newRef} onClick={onNew}>
          {t("newSale")}
        </button>
      </div>
      <article class="receipt" aria-label={t("receipt")} data-testid="receipt" data-sale-id={sale.id}>
        <header>
          <strong>{sale.receipt?.company.name}</strong>
          <div>{sale.receipt?.company.tax_id}</div>
          <div>
            {sale.receipt?.location_name} · {sale.receipt?.register_name}
          </div>
          <div>{dateTime(sale.occurred_at)}</div>
          <div class="mono">
            {t("saleID")} {sale.id.slice(0, 8)}
          </div>
        </header>
        <table>
          <tbody>
            {sale.lines.map((l) => (
              <tr key={l.id}>
                <td>
                  {n(l.quantity)} × {l.description}
                  <div class="muted">
                    {m(l.unit_price)}
                    {!Dec.of(l.discount).isZero() && " − " + m(l.discount)}
                  </div>
                </td>
                <td class="num">{m(l.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl class="totals">
          <dt>{t("subtotal")}</dt>
          <dd>{m(sale.subtotal)}</dd>
          <dt>{t("discount")}</dt>
          <dd>{m(Dec.of(sale.discount).neg().toFixed(2))}</dd>
          {sale.taxes.map((x) => [
            <dt key={x.code + "t"}>
              {t("tax")} {x.rate}%
            </dt>,
            <dd key={x.code + "d"}>{m(x.amount)}</dd>,
          ])}
          <dt class="big">{t("total")}</dt>
          <dd class="big" data-testid="receipt-total">
            {m(sale.total)}
          </dd>
          {sale.payments.map((x, i) => [
            <dt key={i + "t"}>
              {t(x.method as "cash")}
              {x.reference ? " " + x.reference : ""}
            </dt>,
            <dd key={i + "d"}>{m(x.amount)}</dd>,
          ])}
          <dt class="big">{t("change")}</dt>
          <dd class="big" data-testid="receipt-change">
            {m(sale.change)}
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
  const { t, m, n, dateTime, api } = useApp();
  const sales = useLoad(() => api<Page<{ id: string; total: string; occurred_at: string; status: string }>>("GET", `${API}/sales${qs({ session_id: session.id, limit: 20 })}`), []);
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
      setSale(id ? await api<Sale>("GET", `${API}/sales/${id}`) : null);
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
      setPreview(await api<Preview>("POST", `${API}/sales/${saleID}/returns/preview`, body()));
    } catch (e) {
      setError(e);
    }
  };
  const confirm = async () => {
    setError(null);
    try {
      const r = await api<{ return?: { total?: string; amount?: string } }>("POST", `${API}/sales/${saleID}/returns`, body(), { headers: { "Idempotency-Key": idempotencyKey() } });
      setDone(t("returnDone", { a: m(preview?.total ?? r.return?.total ?? r.return?.amount ?? "0") }));
      setPreview(null);
      setSale(await api<Sale>("GET", `${API}/sales/${saleID}`));
      sales.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section class="card" aria-labelledby="ret-h">
      <h2 id="ret-h">{t("returns")}</h2>
      <label>
        {t("recentSales")}
        <select value={saleID} onChange={(e) => pick((e.target as HTMLSelectElement).value)} name="sale">
          <option value="">—</option>
          {sales.data?.data.map((s) => (
            <option key={s.id} value={s.id}>
              {dateTime(s.occurred_at)} · {m(s.total)} · {s.id.slice(0, 8)} · {s.status}
            </option>
          ))}
        </select>
      </label>
      <Alert error={error ?? sales.error} />
      {sale && (
        <table>
          <thead>
            <tr>
              <th scope="col">{t("product")}</th>
              <th scope="col" class="num">{t("qty")}</th>
              <th scope="col" class="num">{t("total")}</th>
              <th scope="col" class="num">{t("returnQty")}</th>
            </tr>
          </thead>
          <tbody>
            {sale.lines.map((l) => (
              <tr key={l.id}>
                <td>{l.description}</td>
                <td class="num">
                  {n(l.quantity)}
                  {!Dec.of(l.returned_quantity).isZero() && <span class="muted"> (−{n(l.returned_quantity)})</span>}
                </td>
                <td class="num">{m(l.total)}</td>
                <td class="num">
                  <input class="qty" inputMode="decimal" aria-label={t("returnQty") + " " + l.sku} value={qty[l.id] ?? ""} onInput={(e) => setQty({ ...qty, [l.id]: (e.target as HTMLInputElement).value })} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sale && (
        <button type="button" class="secondary" onClick={doPreview} disabled={body().lines.length === 0}>
          {t("previewRefund")}
        </button>
      )}
      {preview && (
        <div class="preview" data-testid="refund-preview">
          <dl class="totals">
            {preview.refunds.map((r, i) => [
              <dt key={i + "t"}>
                {t(r.method as "cash")} {r.reference ?? ""}
              </dt>,
              <dd key={i + "d"}>{m(r.amount)}</dd>,
            ])}
            <dt class="big">{t("refund")}</dt>
            <dd class="big" data-testid="refund-total">
              {m(preview.total)}
            </dd>
          </dl>
          <button type="button" class="primary" onClick={confirm}>
            {t("confirmReturn")}
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
  const { t, m, api } = useApp();
  const live = useLoad(() => api<Session>("GET", `${API}/cash-sessions/${session.id}`), []);
  const [counted, setCounted] = useState<Record<string, string>>({});
  const [closed, setClosed] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>(null);
  const counts = (closed ?? live.data)?.counts ?? [];
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const res = await api<Session>("POST", `${API}/cash-sessions/${session.id}/close`, {
        counted: counts.map((c) => ({ method: c.method, amount: Dec.of(counted[c.method] ?? "0").toFixed(2) })),
      });
      setClosed(res);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="close-h">
      <h2 id="close-h">{t("closeSession")}</h2>
      <Alert error={error ?? live.error} />
      <table data-testid="close-table">
        <thead>
          <tr>
            <th scope="col">{t("method")}</th>
            <th scope="col" class="num">{t("expected")}</th>
            <th scope="col" class="num">{t("counted")}</th>
            <th scope="col" class="num">{t("difference")}</th>
          </tr>
        </thead>
        <tbody>
          {counts.map((c) => {
            const entered = closed || Dec.parse(counted[c.method] ?? "") !== null;
            const diff = closed ? Dec.of(c.difference) : Dec.of(counted[c.method] ?? "0").sub(Dec.of(c.expected));
            return (
              <tr key={c.method}>
                <td>{t(c.method as "cash")}</td>
                <td class="num">{m(c.expected)}</td>
                <td class="num">
                  {closed ? (
                    m(c.counted)
                  ) : (
                    <input class="qty" inputMode="decimal" aria-label={t("counted") + " " + t(c.method as "cash")} name={"counted-" + c.method} value={counted[c.method] ?? ""} onInput={(e) => setCounted({ ...counted, [c.method]: (e.target as HTMLInputElement).value })} />
                  )}
                </td>
                <td class={"num " + (entered && diff.isNeg() ? "neg" : "")} data-testid={"diff-" + c.method}>
                  {entered ? m(diff.toFixed(2)) : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              {t("difference")}
            </th>
            <td class="num" data-testid="diff-total">
              {m(closed?.difference_total ?? sum(counts.map((c) => Dec.of(counted[c.method] ?? "0").sub(Dec.of(c.expected)))).toFixed(2))}
            </td>
          </tr>
        </tfoot>
      </table>
      {closed ? (
        <>
          <p role="status" class="ok" data-testid="session-closed">
            {t("sessionClosed")}
          </p>
          <button type="button" onClick={onClosed}>
            {t("openSession")}
          </button>
        </>
      ) : (
        <button type="submit" class="primary" disabled={!live.data}>
          {t("closeSession")}
        </button>
      )}
      {isApiError(error) && error.code === "manager_required" && <p class="muted">{errorText(error)}</p>}
    </form>
  );
}
