// Fiscal documents on /finance: what the host issued for the company's
// verticals (AFIP receipts with their CAE, CFDI with their UUID), with the
// API's filters, a keyset "load more", one document's detail and its
// printable receipt.
import { useEffect, useRef, useState } from "preact/hooks";
import { call, download, qs, type Page } from "../api";
import { useApp } from "../app";
import { Alert, Card } from "../ui";

interface Message {
  type: string;
  code: string;
  message: string;
}

interface FiscalDocument {
  id: string;
  vertical: string;
  source_id: string;
  kind: string;
  status: string;
  country: string;
  currency: string;
  total: string;
  customer_tax_id: string;
  related_id: string | null;
  series: string | null;
  number: number | null;
  authorization_code: string | null;
  authorization_expires: string | null;
  authorized_at: string | null;
  messages: Message[] | null;
  cancel_reason: string | null;
  cancelled_at: string | null;
  created_at: string;
}

const statuses = ["draft", "pending_global", "requested", "authorized", "rejected", "cancellation_requested", "cancelled"] as const;
const kinds = ["invoice", "credit_note", "payment_receipt"] as const;

interface Filter {
  status: string;
  kind: string;
  vertical: string;
  from: string;
  to: string;
}

/** The fiscal documents: list, filters, detail. */
export function FiscalDocuments() {
  const { fmt, verticals } = useApp();
  const [filter, setFilter] = useState<Filter>({ status: "", kind: "", vertical: "", from: "", to: "" });
  const [docs, setDocs] = useState<FiscalDocument[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);

  const load = async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await call<Page<FiscalDocument>>(
        "GET",
        "/fiscal/documents" +
          qs({
            limit: 25,
            cursor,
            status: filter.status,
            kind: filter.kind,
            vertical: filter.vertical,
            from: filter.from ? fmt.startOfDay(filter.from) : undefined,
            to: filter.to ? fmt.startOfDay(filter.to, 1) : undefined,
          }),
      );
      setDocs((d) => (cursor ? [...d, ...page.data] : page.data));
      setNext(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filter]);
  const set = (k: keyof Filter) => (e: Event) => setFilter((f) => ({ ...f, [k]: (e.target as HTMLSelectElement).value }));

  return (
    <Card title={fmt.t("fiscalDocuments")} id="fiscal-documents">
      <form class="row" aria-label={fmt.t("filters")} onSubmit={(e) => e.preventDefault()}>
        <label>
          {fmt.t("status")}
          <select value={filter.status} onChange={set("status")}>
            <option value="">{fmt.t("all")}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {fmt.t(("fs_" + s) as "fs_draft")}
              </option>
            ))}
          </select>
        </label>
        <label>
          {fmt.t("kind")}
          <select value={filter.kind} onChange={set("kind")}>
            <option value="">{fmt.t("all")}</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {fmt.t(("fk_" + k) as "fk_invoice")}
              </option>
            ))}
          </select>
        </label>
        <label>
          {fmt.t("vertical")}
          <select value={filter.vertical} onChange={set("vertical")}>
            <option value="">{fmt.t("all")}</option>
            {verticals.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {fmt.t("from")}
          <input type="date" value={filter.from} onChange={set("from")} />
        </label>
        <label>
          {fmt.t("to")}
          <input type="date" value={filter.to} onChange={set("to")} />
        </label>
      </form>
      <Alert error={error} />
      {!loading && docs.length === 0 && !error && <p class="muted">{fmt.t("noFiscalDocuments")}</p>}
      {docs.length > 0 && (
        <table data-testid="fiscal-list">
          <thead>
            <tr>
              <th scope="col">{fmt.t("when")}</th>
              <th scope="col">{fmt.t("kind")}</th>
              <th scope="col">{fmt.t("number")}</th>
              <th scope="col">{fmt.t("vertical")}</th>
              <th scope="col">{fmt.t("status")}</th>
              <th scope="col">{fmt.t("authorization")}</th>
              <th scope="col" class="num">{fmt.t("total")}</th>
              <th scope="col">
                <span class="sr">{fmt.t("detail")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {docs.map((d) => (
              <tr key={d.id}>
                <td>{fmt.dateTime(d.authorized_at ?? d.created_at)}</td>
                <td>{fmt.t(("fk_" + d.kind) as "fk_invoice")}</td>
                <td class="mono">{docNumber(d)}</td>
                <td>{d.vertical}</td>
                <td>{fmt.t(("fs_" + d.status) as "fs_draft")}</td>
                <td class="mono">{d.authorization_code ?? "—"}</td>
                <td class="num">{fmt.m(d.total, d.currency)}</td>
                <td>
                  <button type="button" class="link" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                    {fmt.t("detail")}
                    <span class="sr"> {docNumber(d)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="secondary" disabled={loading} onClick={() => load(next)}>
          {fmt.t("more")}
        </button>
      )}
      {open && <DocumentDetail id={open} onClose={() => setOpen(null)} />}
    </Card>
  );
}

function docNumber(d: FiscalDocument): string {
  if (d.series === null && d.number === null) return "—";
  return [d.series, d.number].filter((x) => x !== null).join(" · ");
}

function DocumentDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const { fmt } = useApp();
  const [doc, setDoc] = useState<FiscalDocument | null>(null);
  const [error, setError] = useState<unknown>(null);
  const panel = useRef<HTMLElement>(null);
  useEffect(() => {
    setDoc(null);
    // Focus moves to the opened document, once per document.
    panel.current?.focus();
    call<FiscalDocument>("GET", `/fiscal/documents/${id}`).then(setDoc, setError);
  }, [id]);
  const print = async () => {
    setError(null);
    // The receipt needs the bearer token: fetched, then shown from memory.
    const tab = window.open("", "_blank");
    try {
      const url = URL.createObjectURL(await download(`/fiscal/documents/${id}/printable`));
      if (tab) tab.location.href = url;
      else location.assign(url);
    } catch (e) {
      tab?.close();
      setError(e);
    }
  };
  return (
    <section aria-labelledby="doc-h" data-testid="fiscal-detail" tabIndex={-1} ref={panel}>
      <h3 id="doc-h">{doc ? fmt.t("documentTitle", { k: fmt.t(("fk_" + doc.kind) as "fk_invoice"), n: docNumber(doc) }) : fmt.t("loading")}</h3>
      <Alert error={error} />
      {doc && (
        <>
          <dl>
            <dt>{fmt.t("status")}</dt>
            <dd>{fmt.t(("fs_" + doc.status) as "fs_draft")}</dd>
            <dt>{doc.country === "AR" ? "CAE" : "UUID"}</dt>
            <dd class="mono">
              {doc.authorization_code ?? "—"}
              {doc.authorization_expires && " · " + fmt.t("caeDue", { d: fmt.date(doc.authorization_expires) })}
            </dd>
            {doc.authorized_at && (
              <>
                <dt>{fmt.t("authorizedAt")}</dt>
                <dd>{fmt.dateTime(doc.authorized_at)}</dd>
              </>
            )}
            <dt>{fmt.t("customerTaxID")}</dt>
            <dd class="mono">{doc.customer_tax_id || "—"}</dd>
            <dt>{fmt.t("source")}</dt>
            <dd class="mono">
              {doc.vertical} · {doc.source_id}
            </dd>
            <dt>{fmt.t("total")}</dt>
            <dd>{fmt.m(doc.total, doc.currency)}</dd>
            {doc.cancelled_at && (
              <>
                <dt>{fmt.t("fs_cancelled")}</dt>
                <dd>
                  {fmt.dateTime(doc.cancelled_at)} · {doc.cancel_reason}
                </dd>
              </>
            )}
          </dl>
          {doc.messages && doc.messages.length > 0 && (
            <>
              <h4>{fmt.t("authorityMessages")}</h4>
              <ul>
                {doc.messages.map((m, i) => (
                  <li key={i}>
                    <span class="mono">{m.code}</span> {m.message}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div class="row">
            {(doc.status === "authorized" || doc.status === "cancelled") && (
              <button type="button" onClick={print}>
                {fmt.t("printable")}
              </button>
            )}
            <button type="button" class="secondary" onClick={onClose}>
              {fmt.t("close")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
