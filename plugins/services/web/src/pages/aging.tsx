// Receivables aging: what clients owed at the end of a day in the
// company's time zone, by days past due, per currency and per client; and
// the dashboard card with the company's totals.
import { useState } from "preact/hooks";
import { Alert, Card, today, useApp, useLoad } from "../app";

interface Buckets {
  "0-30": string;
  "31-60": string;
  "61-90": string;
  "90+": string;
}

interface Line {
  client_id?: string;
  client_name?: string;
  currency: string;
  buckets: Buckets;
  total: string;
  charges: number;
}

interface Report {
  as_of: string;
  timezone: string;
  summary: Line[];
  data: Line[];
  next_cursor: string | null;
}

const bucketKeys = [
  ["0-30", "b0"],
  ["31-60", "b31"],
  ["61-90", "b61"],
  ["90+", "b90"],
] as const;

function Lines({ lines, byClient, testid }: { lines: Line[]; byClient: boolean; testid: string }) {
  const { t, m } = useApp();
  return (
    <table data-testid={testid}>
      <thead>
        <tr>
          {byClient && <th scope="col">{t("client")}</th>}
          <th scope="col">{t("currency")}</th>
          {bucketKeys.map(([, k]) => (
            <th key={k} scope="col" class="num">
              {t(k)}
            </th>
          ))}
          <th scope="col" class="num">
            {t("total")}
          </th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr key={(l.client_id ?? "") + l.currency}>
            {byClient && <td>{l.client_name}</td>}
            <td>{l.currency}</td>
            {bucketKeys.map(([b]) => (
              <td key={b} class="num">
                {m(l.buckets[b], l.currency)}
              </td>
            ))}
            <td class="num">
              <strong>{m(l.total, l.currency)}</strong>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The aging page; ?as_of=YYYY-MM-DD picks the day (default today). */
export function Aging() {
  const { t, api, ctx, date } = useApp();
  const asOf = ctx.query.get("as_of") ?? "";
  const [day, setDay] = useState(asOf || today(ctx.company.timezone));
  const report = useLoad(() => api<Report>("GET", "/reports/aging?limit=500" + (asOf ? "&as_of=" + asOf : "")), [asOf]);
  return (
    <div class="services-aging">
      <h1>{t("aging")}</h1>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          ctx.navigate("/v/services/aging?as_of=" + day);
        }}
      >
        <label>
          {t("asOf")}
          <input type="date" required value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t("show")}</button>
      </form>
      <Alert error={report.error} />
      {report.data && (
        <>
          <Card title={t("summary") + " · " + date(report.data.as_of)} id="services-aging-summary">
            {report.data.summary.length ? <Lines lines={report.data.summary} byClient={false} testid="aging-summary" /> : <p class="muted">{t("nothingOwed")}</p>}
          </Card>
          <Card title={t("byClient")} id="services-aging-clients">
            {report.data.data.length ? <Lines lines={report.data.data} byClient testid="aging-clients" /> : <p class="muted">{t("nothingOwed")}</p>}
          </Card>
        </>
      )}
    </div>
  );
}

/** The dashboard card: what clients owe today, per currency. */
export function Receivables() {
  const { t, api, m, ctx } = useApp();
  const report = useLoad(() => api<Report>("GET", "/reports/aging?limit=1"), []);
  if (report.error) return <Alert error={report.error} />;
  if (!report.data) return <p>{t("loading")}</p>;
  if (!report.data.summary.length) return <p class="muted">{t("nothingOwed")}</p>;
  return (
    <dl class="services-receivables" data-testid="services-receivables">
      {report.data.summary.map((l) => (
        <div key={l.currency}>
          <dt>{t("receivables")}</dt>
          <dd>
            <a
              href="/v/services/aging"
              onClick={(e) => {
                e.preventDefault();
                ctx.navigate("/v/services/aging");
              }}
            >
              {m(l.total, l.currency)}
            </a>{" "}
            ({t("b90")}: {m(l.buckets["90+"], l.currency)})
          </dd>
        </div>
      ))}
    </dl>
  );
}
