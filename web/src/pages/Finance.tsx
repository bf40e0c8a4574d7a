// Fiscal documents and the bank: CFDI upload and list, bank statement
// import, the reconciliation review and the fiscal documents the host
// issued — host features, whatever verticals the company runs (a
// vertical's own screens come from its bundle).
import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { atLeast, useApp } from "../app";
import { Alert, Card, useLoad } from "../ui";
import { BankImport, Reconciliation } from "./Bank";
import { FiscalDocuments } from "./Fiscal";

/** The invoices and banking screen. */
export function Finance() {
  const { fmt } = useApp();
  // Bumped by every import, match and undo: the reconciliation reads again.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  return (
    <div>
      <h1>{fmt.t("navFinance")}</h1>
      <div class="grid">
        <Invoices onChange={changed} />
        <BankImport onImported={changed} />
      </div>
      <Reconciliation version={version} onChange={changed} />
      <FiscalDocuments />
    </div>
  );
}

function Invoices({ onChange }: { onChange: () => void }) {
  const { fmt, me } = useApp();
  const list = useLoad(() => call<Page<{ id: string; uuid: string; tipo: string; total: string; moneda: string; status: string }>>("GET", "/invoices?limit=20"), []);
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
      onChange();
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
              <td class="num">{fmt.m(i.total, i.moneda || fmt.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
