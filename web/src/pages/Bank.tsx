// The bank on /finance: statement import into an account, and the
// reconciliation review (suggested matches to accept, manual matches,
// the matches on record with undo). Viewers see; managers and above act.
import { useState } from "preact/hooks";
import { call, qs, type Page } from "../api";
import { atLeast, useApp } from "../app";
import type { Fmt } from "../i18n";
import { Alert, Card, More, useLoad, useMore, useSubmit } from "../ui";

/** A CSV statement's layout as the API takes it (csv_mapping). */
interface CSVMapping {
  delimiter?: string;
  header?: boolean;
  skip_rows?: number;
  date: string;
  date_format?: string;
  amount?: string;
  debit?: string;
  credit?: string;
  description?: string;
  reference?: string;
  decimal_separator?: string;
}

interface Account {
  id: string;
  name: string;
  bank: string;
  currency: string;
  account_last4: string;
  csv_mapping: CSVMapping | null;
}

interface Rejection {
  row: number;
  field?: string;
  reason: string;
}

interface ImportResult {
  id: string;
  format: string;
  filename: string;
  imported: number;
  duplicates: number;
  rejected: number;
  rejections: Rejection[];
  warnings?: string[];
  created_at: string;
}

/** Whether a statement file is OFX (by its name); anything else is read as CSV. */
function isOFX(name: string): boolean {
  return /\.(ofx|qfx)$/i.test(name);
}

/** Statement import: an account (or a new one), a CSV or OFX file, what became of its rows. */
export function BankImport({ onImported }: { onImported: () => void }) {
  const { fmt, me } = useApp();
  const accounts = useLoad(() => call<Page<Account>>("GET", "/bank/accounts?limit=100"), []);
  const [accountID, setAccountID] = useState("");
  const list = accounts.data?.data ?? [];
  const account = list.find((a) => a.id === accountID) ?? list[0];
  const batches = useLoad(
    () => (account ? call<Page<ImportResult>>("GET", `/bank/accounts/${account.id}/imports?limit=5`) : Promise.resolve(null)),
    [account?.id],
  );
  const canImport = atLeast(me.role, "manager");
  return (
    <Card title={fmt.t("bankImport")} id="bank-import">
      <Alert error={accounts.error} />
      {accounts.data && list.length === 0 && <p class="muted">{fmt.t("noAccounts")}</p>}
      {list.length > 0 && (
        <label>
          {fmt.t("bankAccount")}
          <select value={account?.id} onChange={(e) => setAccountID((e.target as HTMLSelectElement).value)}>
            {list.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} · {a.bank || "—"} · {a.currency}
                {a.account_last4 ? " · ****" + a.account_last4 : ""}
              </option>
            ))}
          </select>
        </label>
      )}
      {atLeast(me.role, "admin") && (
        <NewAccount
          onCreated={(a) => {
            setAccountID(a.id);
            accounts.reload();
          }}
        />
      )}
      {account && canImport && (
        <StatementUpload
          key={account.id}
          account={account}
          onImported={() => {
            batches.reload();
            accounts.reload();
            onImported();
          }}
        />
      )}
      {batches.data && batches.data.data.length > 0 && (
        <>
          <h3>{fmt.t("recentImports")}</h3>
          <table>
            <thead>
              <tr>
                <th scope="col">{fmt.t("when")}</th>
                <th scope="col">{fmt.t("file")}</th>
                <th scope="col" class="num">{fmt.t("imported")}</th>
                <th scope="col" class="num">{fmt.t("duplicates")}</th>
                <th scope="col" class="num">{fmt.t("rejected")}</th>
              </tr>
            </thead>
            <tbody>
              {batches.data.data.map((b) => (
                <tr key={b.id}>
                  <td>{fmt.dateTime(b.created_at)}</td>
                  <td>{b.filename || b.format.toUpperCase()}</td>
                  <td class="num">{b.imported}</td>
                  <td class="num">{b.duplicates}</td>
                  <td class="num">{b.rejected}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Card>
  );
}

function NewAccount({ onCreated }: { onCreated: (a: Account) => void }) {
  const { fmt } = useApp();
  const [open, setOpen] = useState(false);
  const { submit, error } = useSubmit(async (e) => {
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const a = await call<Account>("POST", "/bank/accounts", {
      name: String(data.get("name") ?? "").trim(),
      bank: String(data.get("bank") ?? "").trim(),
      currency: String(data.get("currency") ?? "").trim(),
      account_last4: String(data.get("last4") ?? "").trim(),
    });
    form.reset();
    setOpen(false);
    onCreated(a);
  });
  if (!open) {
    return (
      <p>
        <button type="button" class="secondary" onClick={() => setOpen(true)}>
          {fmt.t("newAccount")}
        </button>
      </p>
    );
  }
  return (
    <form onSubmit={submit} aria-label={fmt.t("newAccount")} data-testid="new-account">
      <fieldset>
        <legend>{fmt.t("newAccount")}</legend>
        <label>
          {fmt.t("name")}
          <input name="name" required autoFocus />
        </label>
        <div class="row">
          <label>
            {fmt.t("bank")}
            <input name="bank" />
          </label>
          <label>
            {fmt.t("currency")}
            <input name="currency" defaultValue={fmt.currency} size={4} />
          </label>
          <label>
            {fmt.t("last4")}
            <input name="last4" inputMode="numeric" pattern="[0-9]{4}" size={5} />
          </label>
        </div>
      </fieldset>
      <Alert error={error} />
      <div class="row">
        <button type="submit">{fmt.t("create")}</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          {fmt.t("cancel")}
        </button>
      </div>
    </form>
  );
}

const emptyMapping: CSVMapping = { delimiter: ",", header: true, skip_rows: 0, date: "", amount: "", decimal_separator: "." };

function StatementUpload({ account, onImported }: { account: Account; onImported: () => void }) {
  const { fmt } = useApp();
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<CSVMapping>(account.csv_mapping ?? emptyMapping);
  const [split, setSplit] = useState(!!account.csv_mapping?.debit);
  const [save, setSave] = useState(!account.csv_mapping);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const csv = !file || !isOFX(file.name);
  const set = (k: keyof CSVMapping) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    const v = el.type === "checkbox" ? el.checked : el.type === "number" ? Number(el.value) : el.value;
    setMapping((m) => ({ ...m, [k]: v }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    const body = new FormData();
    body.append("file", file, file.name);
    if (csv) {
      const m: CSVMapping = { ...mapping };
      if (split) delete m.amount;
      else {
        delete m.debit;
        delete m.credit;
      }
      for (const k of Object.keys(m) as (keyof CSVMapping)[]) if (m[k] === "") delete m[k];
      body.append("mapping", JSON.stringify(m));
      if (save) body.append("save_mapping", "true");
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await call<ImportResult>("POST", `/bank/accounts/${account.id}/imports`, undefined, { raw: body }));
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="statement-upload" aria-label={fmt.t("importStatement")}>
      <label>
        {fmt.t("statementFile")}
        <input
          type="file"
          required
          accept=".csv,.txt,.ofx,.qfx,text/csv,application/x-ofx"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </label>
      {csv && (
        <fieldset>
          <legend>{fmt.t("csvLayout")}</legend>
          <div class="row">
            <label>
              {fmt.t("delimiter")}
              <select value={mapping.delimiter} onChange={set("delimiter")}>
                <option value=",">,</option>
                <option value=";">;</option>
                <option value={"\t"}>{fmt.t("tab")}</option>
                <option value="|">|</option>
              </select>
            </label>
            <label>
              {fmt.t("decimalSeparator")}
              <select value={mapping.decimal_separator} onChange={set("decimal_separator")}>
                <option value=".">.</option>
                <option value=",">,</option>
              </select>
            </label>
            <label>
              {fmt.t("skipRows")}
              <input type="number" min={0} max={100} value={mapping.skip_rows ?? 0} onInput={set("skip_rows")} size={4} />
            </label>
            <label class="inline">
              <input type="checkbox" checked={mapping.header !== false} onChange={set("header")} />
              {fmt.t("hasHeader")}
            </label>
          </div>
          <p class="muted">{fmt.t("columnsHelp")}</p>
          <div class="row">
            <label>
              {fmt.t("colDate")}
              <input value={mapping.date} onInput={set("date")} required />
            </label>
            <label>
              {fmt.t("dateFormat")}
              <input value={mapping.date_format ?? ""} onInput={set("date_format")} placeholder="DD/MM/YYYY" />
            </label>
            <label>
              {fmt.t("colDescription")}
              <input value={mapping.description ?? ""} onInput={set("description")} />
            </label>
            <label>
              {fmt.t("colReference")}
              <input value={mapping.reference ?? ""} onInput={set("reference")} />
            </label>
          </div>
          <label class="inline">
            <input type="checkbox" checked={split} onChange={(e) => setSplit((e.target as HTMLInputElement).checked)} />
            {fmt.t("debitCredit")}
          </label>
          <div class="row">
            {split ? (
              <>
                <label>
                  {fmt.t("colDebit")}
                  <input value={mapping.debit ?? ""} onInput={set("debit")} required />
                </label>
                <label>
                  {fmt.t("colCredit")}
                  <input value={mapping.credit ?? ""} onInput={set("credit")} required />
                </label>
              </>
            ) : (
              <label>
                {fmt.t("colAmount")}
                <input value={mapping.amount ?? ""} onInput={set("amount")} required />
              </label>
            )}
          </div>
          <label class="inline">
            <input type="checkbox" checked={save} onChange={(e) => setSave((e.target as HTMLInputElement).checked)} />
            {fmt.t("saveLayout")}
          </label>
        </fieldset>
      )}
      <button type="submit" disabled={!file || busy}>
        {busy ? fmt.t("importing") : fmt.t("importStatement")}
      </button>
      <Alert error={error} />
      <Rejections list={(error as { details?: { rejections?: Rejection[] } } | null)?.details?.rejections} />
      {result && (
        <div role="status" data-testid="import-result">
          <p class="ok">{fmt.t("importSummary", { i: result.imported, d: result.duplicates, r: result.rejected })}</p>
          {result.warnings?.map((w) => (
            <p class="muted" key={w}>
              {w}
            </p>
          ))}
          <Rejections list={result.rejections} />
        </div>
      )}
    </form>
  );
}

function Rejections({ list }: { list?: Rejection[] }) {
  const { fmt } = useApp();
  if (!list || list.length === 0) return null;
  return (
    <table>
      <caption class="muted">{fmt.t("rejectedRows")}</caption>
      <thead>
        <tr>
          <th scope="col" class="num">
            {fmt.t("rowNumber")}
          </th>
          <th scope="col">{fmt.t("field")}</th>
          <th scope="col">{fmt.t("reason")}</th>
        </tr>
      </thead>
      <tbody>
        {list.map((r) => (
          <tr key={r.row + (r.field ?? "")}>
            <td class="num">{r.row}</td>
            <td>{r.field ?? "—"}</td>
            <td>{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface Movement {
  id: string;
  posted_on: string;
  amount: string;
  currency: string;
  description: string;
  reference: string;
}

interface OpenInvoice {
  id: string;
  uuid: string;
  serie: string;
  folio: string;
  fecha: string;
  tipo: string;
  direction: string;
  counterparty_rfc: string;
  total: string;
  moneda: string;
}

/** What names an invoice in a match. */
type InvoiceName = Pick<OpenInvoice, "id" | "uuid" | "serie" | "folio" | "total" | "moneda">;

interface PaymentRef {
  source: string;
  payment_id: string;
}

interface OpenPayment extends PaymentRef {
  occurred_at: string;
  amount: string;
  currency: string;
  method: string;
  reference: string;
}

interface UnreconciledReport {
  movements: Page<Movement>;
  invoices: Page<OpenInvoice>;
  payments: Page<OpenPayment>;
}

interface Candidate {
  target: "invoice" | "payment";
  invoice_ids: string[];
  payments: PaymentRef[];
  score: number;
}

interface ReconcileResult {
  dry_run: boolean;
  examined: number;
  matched: (Candidate & { movement_id: string })[];
  unresolved: { movement_id: string; reason: string; candidates: Candidate[] }[];
  without_candidates: number;
  more: boolean;
}

interface Match extends Candidate {
  id: string;
  movement_id: string;
  difference: string;
  method: string;
  note: string;
  created_at: string;
  undone_at: string | null;
}

const payKey = (p: PaymentRef) => p.source + "/" + p.payment_id;

/** A notice of what an action did, written in the language of the moment. */
type Notice = (f: Fmt) => string;

/** The reconciliation review: open items, suggestions, manual matches and the matches on record. */
export function Reconciliation({ version, onChange }: { version: number; onChange: () => void }) {
  const { fmt, me } = useApp();
  const report = useLoad(() => call<UnreconciledReport>("GET", "/bank/reports/unreconciled?limit=100"), [version]);
  const matches = useLoad(() => call<Page<Match>>("GET", "/bank/matches?limit=20"), [version]);
  const [suggested, setSuggested] = useState<ReconcileResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  // A closure, so that the notice follows a change of language.
  const [notice, setNotice] = useState<Notice | null>(null);
  const canAct = atLeast(me.role, "manager");
  const open = useMore(report.data?.movements, (cursor) =>
    call<UnreconciledReport>("GET", "/bank/reports/unreconciled" + qs({ limit: 100, movements_cursor: cursor })).then((r) => r.movements),
  );
  const matchList = useMore(matches.data, (cursor) => call<Page<Match>>("GET", "/bank/matches" + qs({ limit: 20, cursor })));
  // The matches name reconciled movements too, which the report leaves out.
  const reconciled = useLoad(() => call<Page<Movement>>("GET", "/bank/movements?status=reconciled&limit=100"), [version]);
  const known = new Map([...(reconciled.data?.data ?? []), ...open.items].map((m) => [m.id, m]));
  // Matched invoices are no longer open: their names come from the invoice list.
  const issued = useLoad(() => call<Page<InvoiceName>>("GET", "/invoices?limit=100"), [version]);
  const invoices = new Map<string, InvoiceName>([...(issued.data?.data ?? []), ...(report.data?.invoices.data ?? [])].map((i) => [i.id, i]));
  const payments = new Map((report.data?.payments.data ?? []).map((p) => [payKey(p), p]));

  const act = async (fn: () => Promise<Notice>) => {
    setError(null);
    setNotice(null);
    try {
      const n = await fn();
      setNotice(() => n);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  const suggest = () =>
    act(async () => {
      const r = await call<ReconcileResult>("POST", "/bank/reconcile", { dry_run: true });
      setSuggested(r);
      return (f) => {
        const summary = f.t("reconcileSummary", { e: r.examined, m: r.matched.length, u: r.unresolved.length, n: r.without_candidates });
        return r.more ? summary + " " + f.t("reconcileMore") : summary;
      };
    });
  const applyAll = () =>
    act(async () => {
      const r = await call<ReconcileResult>("POST", "/bank/reconcile", { dry_run: false });
      setSuggested(null);
      return (f) => f.t("appliedSummary", { m: r.matched.length });
    });
  const accept = (movementID: string, c: Candidate) =>
    act(async () => {
      await call("POST", "/bank/matches", {
        movement_id: movementID,
        invoice_ids: c.target === "invoice" ? c.invoice_ids : [],
        payments: c.target === "payment" ? c.payments : [],
        note: fmt.t("acceptedNote"),
      });
      setSuggested((s) => s && { ...s, matched: s.matched.filter((m) => m.movement_id !== movementID), unresolved: s.unresolved.filter((u) => u.movement_id !== movementID) });
      return (f) => f.t("matched");
    });
  const undo = (m: Match) =>
    act(async () => {
      await call("DELETE", `/bank/matches/${m.id}`);
      return (f) => f.t("undone");
    });

  const movementText = (id: string) => {
    const m = known.get(id);
    return m ? `${fmt.date(m.posted_on)} · ${m.description || m.reference} · ${fmt.m(m.amount, m.currency)}` : id.slice(0, 8);
  };
  const targetText = (c: Candidate) =>
    c.target === "invoice"
      ? c.invoice_ids
          .map((id) => {
            const i = invoices.get(id);
            return i ? `${fmt.t("invoice")} ${[i.serie, i.folio].filter(Boolean).join("-") || i.uuid.slice(0, 8)} (${fmt.m(i.total, i.moneda)})` : fmt.t("invoice") + " " + id.slice(0, 8);
          })
          .join(", ")
      : c.payments
          .map((p) => {
            const o = payments.get(payKey(p));
            return o ? `${o.source} ${o.method} ${o.reference} (${fmt.m(o.amount, o.currency)})` : p.source + " " + p.payment_id.slice(0, 8);
          })
          .join(", ");
  const suggestions = suggested
    ? [
        ...suggested.matched.map((m) => ({ movement: m.movement_id, candidate: m as Candidate, why: "" })),
        ...suggested.unresolved.flatMap((u) => u.candidates.map((c) => ({ movement: u.movement_id, candidate: c, why: fmt.t(("why_" + u.reason) as "why_ambiguous") }))),
      ]
    : [];

  return (
    <Card title={fmt.t("reconciliation")} id="reconciliation">
      <Alert error={error ?? report.error ?? matches.error} />
      {notice && (
        <p role="status" class="ok">
          {notice(fmt)}
        </p>
      )}
      {canAct && (
        <div class="row">
          <button type="button" class="secondary" onClick={suggest}>
            {fmt.t("runReconcile")}
          </button>
          {suggested && suggested.matched.length > 0 && (
            <button type="button" onClick={applyAll}>
              {fmt.t("applyMatches")}
            </button>
          )}
        </div>
      )}
      {suggested && (
        <section aria-labelledby="suggestions-h" data-testid="suggestions">
          <h3 id="suggestions-h">{fmt.t("suggestions")}</h3>
          {suggestions.length === 0 ? (
            <p class="muted">{fmt.t("noSuggestions")}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{fmt.t("movement")}</th>
                  <th scope="col">{fmt.t("pays")}</th>
                  <th scope="col" class="num">{fmt.t("score")}</th>
                  <th scope="col">
                    <span class="sr">{fmt.t("action")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {suggestions.map((s, i) => (
                  <tr key={s.movement + i}>
                    <td>{movementText(s.movement)}</td>
                    <td>
                      {targetText(s.candidate)}
                      {s.why && <span class="muted"> · {s.why}</span>}
                    </td>
                    <td class="num">{s.candidate.score}</td>
                    <td>
                      {canAct && (
                        <button type="button" class="link" onClick={() => accept(s.movement, s.candidate)}>
                          {fmt.t("accept")}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      {canAct && report.data && (
        <ManualMatch report={report.data} movements={open.items} onMatched={(diff) => act(async () => (f) => f.t("matchedDiff", { d: f.m(diff) }))} />
      )}
      {report.data && <OpenItems movements={open.items} />}
      <More list={open} label={fmt.t("more")} />
      <section aria-labelledby="matches-h" data-testid="matches">
        <h3 id="matches-h">{fmt.t("matches")}</h3>
        {matches.data && matchList.items.length === 0 && <p class="muted">{fmt.t("none")}</p>}
        {matchList.items.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{fmt.t("when")}</th>
                <th scope="col">{fmt.t("movement")}</th>
                <th scope="col">{fmt.t("pays")}</th>
                <th scope="col">{fmt.t("matchMethod")}</th>
                <th scope="col" class="num">{fmt.t("difference")}</th>
                <th scope="col">{fmt.t("status")}</th>
              </tr>
            </thead>
            <tbody>
              {matchList.items.map((m) => (
                <tr key={m.id}>
                  <td>{fmt.dateTime(m.created_at)}</td>
                  <td>{movementText(m.movement_id)}</td>
                  <td>
                    {targetText(m)}
                    {m.note && <span class="muted"> · {m.note}</span>}
                  </td>
                  <td class="nowrap">{m.method === "auto" ? fmt.t("auto") : fmt.t("manual")}</td>
                  <td class="num nowrap">{fmt.m(m.difference)}</td>
                  <td>
                    {m.undone_at ? (
                      fmt.t("undoneAt", { t: fmt.dateTime(m.undone_at) })
                    ) : canAct ? (
                      <button type="button" class="link" onClick={() => undo(m)} aria-label={fmt.t("undoMatch", { m: movementText(m.movement_id) })}>
                        {fmt.t("undo")}
                      </button>
                    ) : (
                      fmt.t("live")
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <More list={matchList} label={fmt.t("more")} />
      </section>
    </Card>
  );
}

function ManualMatch({ report, movements, onMatched }: { report: UnreconciledReport; movements: Movement[]; onMatched: (difference: string) => void }) {
  const { fmt } = useApp();
  const [movement, setMovement] = useState("");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const toggle = (k: string) => (e: Event) => {
    const on = (e.target as HTMLInputElement).checked;
    setPicked((p) => {
      const next = new Set(p);
      if (on) next.add(k);
      else next.delete(k);
      return next;
    });
  };
  const { submit, error } = useSubmit(async (e) => {
    const keys = [...picked];
    const m = await call<Match>("POST", "/bank/matches", {
      movement_id: movement,
      invoice_ids: keys.filter((k) => k.startsWith("i:")).map((k) => k.slice(2)),
      payments: keys
        .filter((k) => k.startsWith("p:"))
        .map((k) => {
          const [source, payment_id] = k.slice(2).split("/");
          return { source, payment_id };
        }),
      note: String(new FormData(e.target as HTMLFormElement).get("note") ?? ""),
    });
    setPicked(new Set());
    setMovement("");
    (e.target as HTMLFormElement).reset();
    onMatched(m.difference);
  });
  const { invoices, payments } = report;
  if (movements.length === 0) return null;
  return (
    <form onSubmit={submit} data-testid="manual-match" aria-labelledby="manual-h">
      <h3 id="manual-h">{fmt.t("manualMatch")}</h3>
      <label>
        {fmt.t("movement")}
        <select value={movement} required onChange={(e) => setMovement((e.target as HTMLSelectElement).value)}>
          <option value="">{fmt.t("choose")}</option>
          {movements.map((m) => (
            <option key={m.id} value={m.id}>
              {fmt.date(m.posted_on)} · {m.description || m.reference} · {fmt.m(m.amount, m.currency)}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>{fmt.t("matchWith")}</legend>
        {invoices.data.length === 0 && payments.data.length === 0 && <p class="muted">{fmt.t("nothingOpen")}</p>}
        {invoices.data.map((i) => (
          <label class="inline" key={i.id}>
            <input type="checkbox" checked={picked.has("i:" + i.id)} onChange={toggle("i:" + i.id)} />
            {fmt.t("invoice")} {[i.serie, i.folio].filter(Boolean).join("-") || i.uuid.slice(0, 8)} · {i.counterparty_rfc} · {fmt.date(i.fecha)} · {fmt.m(i.total, i.moneda)}
          </label>
        ))}
        {payments.data.map((p) => (
          <label class="inline" key={payKey(p)}>
            <input type="checkbox" checked={picked.has("p:" + payKey(p))} onChange={toggle("p:" + payKey(p))} />
            {fmt.t("payment")} {p.source} · {p.method} {p.reference} · {fmt.dateTime(p.occurred_at)} · {fmt.m(p.amount, p.currency)}
          </label>
        ))}
      </fieldset>
      <label>
        {fmt.t("note")}
        <input name="note" maxLength={500} />
      </label>
      <button type="submit" disabled={!movement || picked.size === 0}>
        {fmt.t("reconcile")}
      </button>
      <Alert error={error} />
    </form>
  );
}

function OpenItems({ movements }: { movements: Movement[] }) {
  const { fmt } = useApp();
  return (
    <section aria-labelledby="open-h" data-testid="unreconciled">
      <h3 id="open-h">{fmt.t("unreconciled")}</h3>
      {movements.length === 0 ? (
        <p class="muted">{fmt.t("none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{fmt.t("when")}</th>
              <th scope="col">{fmt.t("description")}</th>
              <th scope="col">{fmt.t("reference")}</th>
              <th scope="col" class="num">{fmt.t("amount")}</th>
            </tr>
          </thead>
          <tbody>
            {movements.map((m) => (
              <tr key={m.id}>
                <td>{fmt.date(m.posted_on)}</td>
                <td>{m.description}</td>
                <td>{m.reference}</td>
                <td class={"num" + (m.amount.startsWith("-") ? " neg" : "")}>{fmt.m(m.amount, m.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
