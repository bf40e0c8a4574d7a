// Fiscal documents and the bank: CFDI upload and list, and the bank
// reconciliation's open items — host features, whatever verticals the
// company runs (a vertical's own screens come from its bundle).
import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { atLeast, useApp } from "../app";
import { Alert, Card, useLoad } from "../ui";

/** The invoices and banking screen. */
export function Finance() {
  const { fmt } = useApp();
  return (
    <div>
      <h1>{fmt.t("navFinance")}</h1>
      <div class="grid">
        <Invoices />
        <Reconciliation />
      </div>
    </div>
  );
}

function Invoices() {
  const { fmt, me } = useApp();
  const list = useLoad(() => call<Page<{ id: string; uuid: string; tipo: string; total: string; currency: string; issued_at?: string; fecha?: string; status: string }>>("GET", "/invoices?limit=20"), []);
  const [error, setError] = useState<unknown>(null);
  const [ok, setOk] = useState(false);
  const upload = async (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    setOk(false);
    try {
      await call("POST", "/invoices", undefined, { raw: await file.text(), contentType: "application/xml" });
      setOk(true);
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      input.value = "";
    }
  };
  return (
    <Card title={fmt.t("invoices")} id="invoices">
      {atLeast(me.role, "manager") && (
        <label>
          {fmt.t("uploadCFDI")}
          <input type="file" accept=".xml,application/xml,text/xml" onChange={upload} />
        </label>
      )}
      <Alert error={error ?? list.error} />
      {ok && (
        <p role="status" class="ok">
          {fmt.t("uploaded")}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">UUID</th>
            <th scope="col">{fmt.t("txType")}</th>
            <th scope="col">{fmt.t("status")}</th>
            <th scope="col" class="num">{fmt.t("total")}</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.data.map((i) => (
            <tr key={i.id}>
              <td class="mono">{i.uuid.slice(0, 8)}</td>
              <td>{i.tipo}</td>
              <td>{i.status}</td>
              <td class="num">{fmt.m(i.total, i.currency || fmt.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

interface Unreconciled {
  movements: Page<{ id: string; posted_on: string; amount: string; currency: string; description: string }>;
}

interface ReconcileResult {
  dry_run: boolean;
  examined: number;
  matched: unknown[];
  unresolved: unknown[];
  without_candidates: number;
}

function Reconciliation() {
  const { fmt, me } = useApp();
  const report = useLoad(() => call<Unreconciled>("GET", "/bank/reports/unreconciled?limit=20"), []);
  const [result, setResult] = useState<ReconcileResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async (dryRun: boolean) => {
    setError(null);
    try {
      setResult(await call<ReconcileResult>("POST", "/bank/reconcile", { dry_run: dryRun }));
      if (!dryRun) report.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Card title={fmt.t("reconciliation")} id="reconciliation">
      <Alert error={error ?? report.error} />
      {atLeast(me.role, "manager") && (
        <div class="row">
          <button type="button" class="secondary" onClick={() => run(true)}>
            {fmt.t("runReconcile")}
          </button>
          {result?.dry_run && result.matched.length > 0 && (
            <button type="button" onClick={() => run(false)}>
              {fmt.t("applyMatches")}
            </button>
          )}
        </div>
      )}
      {result && (
        <p role="status" class="muted">
          {fmt.t("reconcileSummary", { e: result.examined, m: result.matched.length, u: result.unresolved.length, n: result.without_candidates })}
        </p>
      )}
      <h3>{fmt.t("unreconciled")}</h3>
      {report.data && report.data.movements.data.length === 0 && <p class="muted">{fmt.t("none")}</p>}
      {report.data && report.data.movements.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">{fmt.t("when")}</th>
              <th scope="col">{fmt.t("reference")}</th>
              <th scope="col" class="num">{fmt.t("amount")}</th>
            </tr>
          </thead>
          <tbody>
            {report.data.movements.data.map((m) => (
              <tr key={m.id}>
                <td>{fmt.dayLabel(m.posted_on)}</td>
                <td>{m.description}</td>
                <td class="num">{fmt.m(m.amount, m.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
