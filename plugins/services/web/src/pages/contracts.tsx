// Contracts: the company's clients and monthly-fee contracts, a new client,
// a new (draft) contract, and the contract's life: activate, suspend,
// resume, terminate (managers; the API refuses anyone else).
import { useState } from "preact/hooks";
import { Alert, all, Card, Ok, type Page, today, useAction, useApp, useLoad } from "../app";
import { isKey } from "../i18n";

export interface Client {
  id: string;
  name: string;
  tax_id: string;
  email: string | null;
  warnings: string[];
}

interface Contract {
  id: string;
  client_id: string;
  description: string;
  monthly_fee: string;
  currency: string;
  tax_code: string;
  start_date: string;
  billing_day: number;
  status: string;
}

/** The events each status may take, in the order the page offers them. */
const next: Record<string, string[]> = {
  draft: ["activate", "terminate"],
  active: ["suspend", "terminate"],
  suspended: ["resume", "terminate"],
  terminated: [],
};

const statuses = ["draft", "active", "suspended", "terminated"];

/** The IVA rate codes the vertical takes, by the company's country. */
const rates: Record<string, [string, string][]> = {
  MX: [["iva16", "16 %"], ["iva8", "8 %"], ["iva0", "0 %"], ["exempt", ""]],
  AR: [["iva21", "21 %"], ["iva10_5", "10.5 %"], ["iva27", "27 %"], ["iva0", "0 %"], ["exempt", ""]],
};

/** Every client of the company. */
export function useClients() {
  const { api } = useApp();
  return useLoad(() => all<Client>((cursor) => api<Page<Client>>("GET", "/clients?limit=500" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""))), []);
}

/** The contracts page. */
export function Contracts() {
  const { t, can } = useApp();
  const clients = useClients();
  const [tick, setTick] = useState(0);
  return (
    <div class="services-contracts">
      <h1>{t("contracts")}</h1>
      {can("manager") && (
        <div class="grid">
          <NewClient onCreated={clients.reload} />
          <NewContract clients={clients.data ?? []} onCreated={() => setTick((x) => x + 1)} />
        </div>
      )}
      <ContractList clients={clients.data ?? []} tick={tick} />
      <Card title={t("clients")} id="services-clients">
        <Alert error={clients.error} />
        <table data-testid="clients">
          <thead>
            <tr>
              <th scope="col">{t("name")}</th>
              <th scope="col">{t("taxID")}</th>
              <th scope="col">{t("emailColumn")}</th>
            </tr>
          </thead>
          <tbody>
            {clients.data?.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.tax_id}</td>
                <td>{c.email ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {clients.data?.length === 0 && <p class="muted">{t("none")}</p>}
      </Card>
    </div>
  );
}

function ContractList({ clients, tick }: { clients: Client[]; tick: number }) {
  const { t, api, can, m, date } = useApp();
  const [status, setStatus] = useState("");
  const [cursors, setCursors] = useState<string[]>([""]);
  const list = useLoad(async () => {
    const rows: Contract[] = [];
    let nextCursor: string | null = null;
    for (const cursor of cursors) {
      const p: Page<Contract> = await api("GET", "/contracts?limit=100" + (status ? "&status=" + status : "") + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      rows.push(...p.data);
      nextCursor = p.next_cursor;
    }
    return { rows, next: nextCursor };
  }, [status, cursors, tick]);
  const action = useAction();
  const names = new Map(clients.map((c) => [c.id, c.name]));
  const move = (c: Contract, event: string) =>
    action.run(async () => {
      const r = await api<Contract>("POST", `/contracts/${c.id}/${event}`, {});
      list.reload();
      return t("contractMoved", { name: c.description, status: word("st_" + r.status) });
    });
  const word = (k: string) => (isKey(k) ? t(k) : k);
  return (
    <Card title={t("contracts")} id="services-contract-list">
      <label>
        {t("status")}
        <select
          value={status}
          onChange={(e) => {
            setStatus((e.target as HTMLSelectElement).value);
            setCursors([""]);
          }}
        >
          <option value="">{t("allStatuses")}</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {word("st_" + s)}
            </option>
          ))}
        </select>
      </label>
      <Alert error={list.error ?? action.error} />
      <Ok text={action.note} />
      <table data-testid="contracts">
        <thead>
          <tr>
            <th scope="col">{t("client")}</th>
            <th scope="col">{t("description")}</th>
            <th scope="col" class="num">
              {t("monthlyFee")}
            </th>
            <th scope="col">{t("startDate")}</th>
            <th scope="col" class="num">
              {t("billingDay")}
            </th>
            <th scope="col">{t("status")}</th>
            {can("manager") && <th scope="col">{t("actions")}</th>}
          </tr>
        </thead>
        <tbody>
          {list.data?.rows.map((c) => (
            <tr key={c.id}>
              <td>{names.get(c.client_id) ?? c.client_id}</td>
              <td>{c.description}</td>
              <td class="num">{m(c.monthly_fee, c.currency)}</td>
              <td>{date(c.start_date)}</td>
              <td class="num">{c.billing_day}</td>
              <td>{word("st_" + c.status)}</td>
              {can("manager") && (
                <td>
                  {next[c.status]?.map((ev) => (
                    <button key={ev} type="button" class="link" disabled={action.busy} aria-label={word("ev_" + ev) + " " + c.description} onClick={() => move(c, ev)}>
                      {word("ev_" + ev)}
                    </button>
                  ))}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.rows.length === 0 && <p class="muted">{t("none")}</p>}
      {list.data?.next && (
        <button type="button" class="secondary" onClick={() => setCursors([...cursors, list.data!.next!])}>
          {t("more")}
        </button>
      )}
    </Card>
  );
}

function NewClient({ onCreated }: { onCreated: () => void }) {
  const { t, api } = useApp();
  const [form, setForm] = useState({ name: "", tax_id: "", email: "" });
  const action = useAction();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const c = await api<Client>("POST", "/clients", { name: form.name, tax_id: form.tax_id, email: form.email || undefined });
      setForm({ name: "", tax_id: "", email: "" });
      onCreated();
      return t("clientCreated", { name: c.name }) + (c.warnings.length ? " " + t("warnings", { w: c.warnings.join("; ") }) : "");
    });
  };
  return (
    <Card title={t("newClient")} id="services-new-client">
      <form onSubmit={submit} data-testid="new-client">
        <label>
          {t("name")}
          <input required value={form.name} onInput={set("name")} />
        </label>
        <label>
          {t("taxID")}
          <input required value={form.tax_id} onInput={set("tax_id")} />
        </label>
        <label>
          {t("email")}
          <input type="email" value={form.email} onInput={set("email")} />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("create")}
        </button>
      </form>
      <Alert error={action.error} />
      <Ok text={action.note} />
    </Card>
  );
}

function NewContract({ clients, onCreated }: { clients: Client[]; onCreated: () => void }) {
  const { t, api, ctx } = useApp();
  const blank = { client_id: "", description: "", monthly_fee: "", tax_rate: "", start_date: today(ctx.company.timezone), billing_day: "1" };
  const [form, setForm] = useState(blank);
  const action = useAction();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const submit = (e: Event) => {
    e.preventDefault();
    action.run(async () => {
      const c = await api<Contract>("POST", "/contracts", {
        client_id: form.client_id,
        description: form.description,
        monthly_fee: form.monthly_fee,
        tax_rate: form.tax_rate || undefined,
        start_date: form.start_date,
        billing_day: Number(form.billing_day),
      });
      setForm({ ...blank, client_id: form.client_id });
      onCreated();
      return t("contractCreated", { name: c.description });
    });
  };
  return (
    <Card title={t("newContract")} id="services-new-contract">
      <form onSubmit={submit} data-testid="new-contract">
        <label>
          {t("client")}
          <select required value={form.client_id} onChange={set("client_id")}>
            <option value="">{t("chooseClient")}</option>
            {clients.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("description")}
          <input required value={form.description} onInput={set("description")} />
        </label>
        <label>
          {t("monthlyFee")} ({ctx.company.currency})
          <input required inputMode="decimal" value={form.monthly_fee} onInput={set("monthly_fee")} />
        </label>
        <label>
          {t("taxRate")}
          <select value={form.tax_rate} onChange={set("tax_rate")}>
            <option value="">{t("defaultRate")}</option>
            {(rates[ctx.company.country] ?? []).map(([code, pct]) => (
              <option key={code} value={code}>
                {code === "exempt" ? t("exempt") : t("taxRate") + " " + pct}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("startDate")}
          <input type="date" required value={form.start_date} onInput={set("start_date")} />
        </label>
        <label>
          {t("billingDay")}
          <input type="number" min={1} max={31} required value={form.billing_day} onInput={set("billing_day")} />
        </label>
        <button type="submit" disabled={action.busy}>
          {t("create")}
        </button>
      </form>
      <Alert error={action.error} />
      <Ok text={action.note} />
    </Card>
  );
}
