// Billing runs: bill every active contract for a month (once per contract
// and month, however often it runs), the runs made, and a month's charges
// with their balances and payments.
import { useState } from "preact/hooks";
import { Alert, Card, Ok, type Page, today, useAction, useApp, useLoad } from "../app";
import { isKey } from "../i18n";
import { useClients } from "./contracts";

interface Run {
  id: string;
  period: string;
  charges_created: number;
  already_billed: number;
  created_at?: string;
}

interface Charge {
  id: string;
  client_id: string;
  contract_id: string;
  period: string;
  due_date: string;
  currency: string;
  subtotal: string;
  tax: string;
  total: string;
  paid: string;
  credited: string;
  balance: string;
  status: string;
  fiscal_status: string | null;
  fiscal_number: number | null;
  fiscal_authorization_code: string | null;
  fiscal_error_code: string | null;
  fiscal_error_field: string | null;
}

interface Credit {
  id: string;
  fiscal_status: string | null;
  charge: Charge;
}

const methods = ["transfer", "card", "cash", "check", "other"];

/** The billing runs page; ?period=YYYY-MM shows that month's charges. */
export function BillingRuns() {
  const { t, api, can, ctx, dateTime } = useApp();
  const period = ctx.query.get("period") ?? "";
  const runs = useLoad(() => api<Page<Run>>("GET", "/billing-runs?limit=50"), []);
  const [form, setForm] = useState(today(ctx.company.timezone).slice(0, 7));
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await api<Run>("POST", "/billing-runs", { period: form }, { idempotencyKey: crypto.randomUUID() });
      runs.reload();
      ctx.navigate("/v/services/billing-runs?period=" + r.period);
      return t("runDone", { period: r.period, created: r.charges_created, already: r.already_billed });
    });
  };
  return (
    <div class="services-billing">
      <h1>{t("billingRuns")}</h1>
      <div class="grid">
        {can("manager") && (
          <Card title={t("newRun")} id="services-new-run">
            <form onSubmit={submit} class="row" data-testid="new-run">
              <label>
                {t("period")}
                <input required pattern="\d{4}-\d{2}" value={form} onInput={(e) => setForm((e.target as HTMLInputElement).value)} />
              </label>
              <button type="submit" disabled={action.busy}>
                {t("run")}
              </button>
            </form>
            <Alert error={action.error} />
            <Ok text={action.note} />
          </Card>
        )}
        <Card title={t("billingRuns")} id="services-runs">
          <Alert error={runs.error} />
          <table data-testid="runs">
            <thead>
              <tr>
                <th scope="col">{t("period")}</th>
                <th scope="col" class="num">
                  {t("chargesCreated")}
                </th>
                <th scope="col" class="num">
                  {t("alreadyBilled")}
                </th>
                <th scope="col">{t("createdAt")}</th>
                <th scope="col">
                  <span class="sr">{t("showCharges")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.data?.data.map((r) => (
                <tr key={r.id}>
                  <td>{r.period}</td>
                  <td class="num">{r.charges_created}</td>
                  <td class="num">{r.already_billed}</td>
                  <td>{dateTime(r.created_at)}</td>
                  <td>
                    <a
                      href={"/v/services/billing-runs?period=" + r.period}
                      aria-label={t("showCharges") + " " + r.period}
                      onClick={(e) => {
                        e.preventDefault();
                        ctx.navigate("/v/services/billing-runs?period=" + r.period);
                      }}
                    >
                      {t("showCharges")}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {runs.data?.data.length === 0 && <p class="muted">{t("none")}</p>}
        </Card>
      </div>
      {/^\d{4}-\d{2}$/.test(period) && <Charges period={period} />}
    </div>
  );
}

function Charges({ period }: { period: string }) {
  const { t, api, can, m, date } = useApp();
  const clients = useClients();
  const list = useLoad(() => api<Page<Charge>>("GET", "/charges?limit=500&period=" + period), [period]);
  const [paying, setPaying] = useState<Charge | null>(null);
  const [crediting, setCrediting] = useState<Charge | null>(null);
  const names = new Map((clients.data ?? []).map((c) => [c.id, c.name]));
  const word = (k: string) => (isKey(k) ? t(k) : k);
  const owed = (c: Charge) => !c.balance.startsWith("-") && !/^0(\.0+)?$/.test(c.balance);
  return (
    <Card title={t("charges", { period })} id="services-charges">
      <Alert error={list.error} />
      <table data-testid="charges">
        <thead>
          <tr>
            <th scope="col">{t("client")}</th>
            <th scope="col">{t("dueDate")}</th>
            <th scope="col" class="num">
              {t("subtotal")}
            </th>
            <th scope="col" class="num">
              {t("tax")}
            </th>
            <th scope="col" class="num">
              {t("total")}
            </th>
            <th scope="col" class="num">
              {t("balance")}
            </th>
            <th scope="col">{t("status")}</th>
            <th scope="col">{t("invoice")}</th>
            {can("cashier") && (
              <th scope="col">
                <span class="sr">{t("actions")}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((c) => (
            <tr key={c.id}>
              <td>{names.get(c.client_id) ?? c.client_id}</td>
              <td class="nowrap">{date(c.due_date)}</td>
              <td class="num nowrap">{m(c.subtotal, c.currency)}</td>
              <td class="num nowrap">{m(c.tax, c.currency)}</td>
              <td class="num nowrap">{m(c.total, c.currency)}</td>
              <td class="num nowrap">{m(c.balance, c.currency)}</td>
              <td>{word("st_" + c.status)}</td>
              <td>
                <Invoice charge={c} />
              </td>
              {can("cashier") && (
                <td class="actions">
                  {owed(c) && (
                    <button type="button" class="link" aria-label={t("recordPayment") + " " + (names.get(c.client_id) ?? "")} onClick={() => setPaying(c)}>
                      {t("recordPayment")}
                    </button>
                  )}
                  {can("manager") && c.status !== "credited" && (
                    <button type="button" class="link" aria-label={t("creditCharge") + " " + (names.get(c.client_id) ?? "")} onClick={() => setCrediting(c)}>
                      {t("credit")}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.data.length === 0 && <p class="muted">{t("none")}</p>}
      {paying && <Payment charge={paying} client={names.get(paying.client_id) ?? ""} onDone={list.reload} key={paying.id} />}
      {crediting && <CreditForm charge={crediting} client={names.get(crediting.client_id) ?? ""} onDone={list.reload} key={"c" + crediting.id} />}
    </Card>
  );
}

/** Where a charge's invoice is: its status, number and CAE or UUID, or why it is pending or needs data (the field refused). */
function Invoice({ charge }: { charge: Charge }) {
  const { t } = useApp();
  const s = charge.fiscal_status;
  if (!s) return <span class="muted">{t("notInvoiced")}</span>;
  const word = isKey("fi_" + s) ? t(("fi_" + s) as "fi_pending") : s;
  const detail = s === "authorized"
    ? [charge.fiscal_number, charge.fiscal_authorization_code].filter((x) => x !== null).join(" · ")
    : [charge.fiscal_error_code, charge.fiscal_error_field].filter((x) => x).join(" · ");
  return (
    <span data-fiscal-status={s}>
      {word}
      {detail && <span class="muted"> {detail}</span>}
    </span>
  );
}

/** A manager's credit of part or all of a charge, IVA included. */
function CreditForm({ charge, client, onDone }: { charge: Charge; client: string; onDone: () => void }) {
  const { t, api, m } = useApp();
  const [form, setForm] = useState({ amount: "", reason: "" });
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await api<Credit>("POST", `/charges/${charge.id}/credits`, form, { idempotencyKey: crypto.randomUUID() });
      onDone();
      const done = t("creditDone", { balance: m(r.charge.balance, r.charge.currency) });
      return r.fiscal_status ? done + " " + t("creditNote", { status: isKey("fi_" + r.fiscal_status) ? t(("fi_" + r.fiscal_status) as "fi_pending") : r.fiscal_status }) : done;
    });
  };
  return (
    <form onSubmit={submit} class="row" data-testid="credit" aria-label={t("creditCharge") + " " + client}>
      <label>
        {t("amount")} ({charge.currency})
        <input required inputMode="decimal" value={form.amount} onInput={(e) => setForm({ ...form, amount: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        {t("reason")}
        <input required maxLength={200} value={form.reason} onInput={(e) => setForm({ ...form, reason: (e.target as HTMLInputElement).value })} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("credit")}
      </button>
      <Alert error={action.error} />
      <Ok text={action.note} />
    </form>
  );
}

function Payment({ charge, client, onDone }: { charge: Charge; client: string; onDone: () => void }) {
  const { t, api, m } = useApp();
  const [form, setForm] = useState({ amount: charge.balance, method: "transfer", reference: "" });
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const r = await api<{ charge: Charge }>("POST", `/charges/${charge.id}/payments`, { amount: form.amount, method: form.method, reference: form.reference || undefined }, { idempotencyKey: crypto.randomUUID() });
      onDone();
      return t("paymentDone", { balance: m(r.charge.balance, r.charge.currency) });
    });
  };
  return (
    <form onSubmit={submit} class="row" data-testid="payment" aria-label={t("recordPayment") + " " + client}>
      <label>
        {t("amount")} ({charge.currency})
        <input required inputMode="decimal" value={form.amount} onInput={(e) => setForm({ ...form, amount: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        {t("method")}
        <select value={form.method} onChange={(e) => setForm({ ...form, method: (e.target as HTMLSelectElement).value })}>
          {methods.map((x) => (
            <option key={x} value={x}>
              {isKey("m_" + x) ? t(("m_" + x) as "m_cash") : x}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("reference")}
        <input value={form.reference} onInput={(e) => setForm({ ...form, reference: (e.target as HTMLInputElement).value })} />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("pay")}
      </button>
      <Alert error={action.error} />
      <Ok text={action.note} />
    </form>
  );
}
