// Platform administration: every company of the platform, a new company,
// activation and deactivation (POST /companies, /companies/{id}/activate,
// /deactivate; platform admins only, the API refuses anyone else).
import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useApp } from "../app";
import { Alert, Card, useLoad, useSubmit } from "../ui";

interface CompanyRow {
  id: string;
  name: string;
  country: string;
  currency: string;
  tax_id: string;
  timezone: string;
  active: boolean;
  created_at: string;
}

const countries: Record<string, { currency: string; timezone: string }> = {
  MX: { currency: "MXN", timezone: "America/Mexico_City" },
  AR: { currency: "ARS", timezone: "America/Argentina/Buenos_Aires" },
};

/** The companies screen. */
export function Companies() {
  const { fmt } = useApp();
  const [pages, setPages] = useState<string[]>([""]);
  const [tick, setTick] = useState(0);
  const list = useLoad(async () => {
    const rows: CompanyRow[] = [];
    let next: string | null = null;
    for (const cursor of pages) {
      const p: Page<CompanyRow> = await call("GET", "/companies?limit=100" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
      rows.push(...p.data);
      next = p.next_cursor;
    }
    return { rows, next };
  }, [pages, tick]);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      setTick((t) => t + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="companies">
      <h1>{fmt.t("companies")}</h1>
      <NewCompany onCreated={() => setTick((t) => t + 1)} />
      <Card title={fmt.t("companies")} id="company-list">
        <Alert error={error ?? list.error} />
        <table data-testid="companies">
          <thead>
            <tr>
              <th scope="col">{fmt.t("companyName")}</th>
              <th scope="col">{fmt.t("country")}</th>
              <th scope="col">{fmt.t("taxID")}</th>
              <th scope="col">{fmt.t("timezone")}</th>
              <th scope="col">{fmt.t("status")}</th>
              <th scope="col">
                <span class="sr">{fmt.t("activate")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data?.rows.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>
                  {c.country} · {c.currency}
                </td>
                <td>{c.tax_id}</td>
                <td>{c.timezone}</td>
                <td>{c.active ? fmt.t("active") : fmt.t("inactive")}</td>
                <td>
                  <button
                    type="button"
                    class="link"
                    aria-label={(c.active ? fmt.t("deactivate") : fmt.t("activate")) + " " + c.name}
                    onClick={() => act(() => call("POST", `/companies/${c.id}/${c.active ? "deactivate" : "activate"}`))}
                  >
                    {c.active ? fmt.t("deactivate") : fmt.t("activate")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {list.data?.next && (
          <button type="button" class="secondary" onClick={() => setPages([...pages, list.data!.next!])}>
            {fmt.t("more")}
          </button>
        )}
      </Card>
    </div>
  );
}

function NewCompany({ onCreated }: { onCreated: () => void }) {
  const { fmt } = useApp();
  const [form, setForm] = useState({ name: "", country: "MX", currency: "MXN", tax_id: "", timezone: countries.MX.timezone });
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => {
    const v = (e.target as HTMLInputElement).value;
    setForm((f) => (k === "country" && countries[v] ? { ...f, country: v, ...countries[v] } : { ...f, [k]: v }));
  };
  const { submit, error } = useSubmit(async () => {
    setDone(null);
    const c = await call<CompanyRow>("POST", "/companies", form);
    setDone(fmt.t("companyCreated", { name: c.name }));
    setForm({ name: "", country: form.country, currency: form.currency, tax_id: "", timezone: form.timezone });
    onCreated();
  });
  return (
    <Card title={fmt.t("newCompany")} id="new-company">
      <form onSubmit={submit} class="row" data-testid="new-company">
        <label>
          {fmt.t("companyName")}
          <input required value={form.name} onInput={set("name")} />
        </label>
        <label>
          {fmt.t("country")}
          <select value={form.country} onChange={set("country")}>
            <option value="MX">México</option>
            <option value="AR">Argentina</option>
          </select>
        </label>
        <label>
          {fmt.t("currency")}
          <input required value={form.currency} onInput={set("currency")} size={4} />
        </label>
        <label>
          {fmt.t("taxID")}
          <input required value={form.tax_id} onInput={set("tax_id")} />
        </label>
        <label>
          {fmt.t("timezone")}
          <input required value={form.timezone} onInput={set("timezone")} />
        </label>
        <button type="submit">{fmt.t("create")}</button>
      </form>
      <Alert error={error} />
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
    </Card>
  );
}
