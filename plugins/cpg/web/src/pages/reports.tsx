// The vertical's reports: sales grouped by day, location, product,
// payment method or cashier; top products; margin; stock valuation; low
// stock; cash sessions — over a range of the company's calendar.
import { useState } from "preact/hooks";
import { API, type Page, qs, today, useApp } from "../app";
import { Alert, Card, Field, Select, useLoad } from "../ui";
import type { Key } from "../i18n";

type Row = Record<string, unknown>;
type Col = { key: string; label: Key; kind?: "money" | "num" | "dateTime" | "text" };

function Table({ rows, cols, testid }: { rows: Row[]; cols: Col[]; testid: string }) {
  const { t, m, n, dateTime } = useApp();
  if (rows.length === 0) return <p class="muted">{t("none")}</p>;
  const cell = (c: Col, v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    switch (c.kind) {
      case "money":
        return m(s);
      case "num":
        return n(s);
      case "dateTime":
        return dateTime(s);
      default:
        return s;
    }
  };
  return (
    <table data-testid={testid}>
      <thead>
        <tr>
          {cols.map((c) => (
            <th scope="col" key={c.key} class={c.kind === "money" || c.kind === "num" ? "num" : undefined}>
              {t(c.label)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {cols.map((c) => (
              <td key={c.key} class={c.kind === "money" || c.kind === "num" ? "num" : undefined}>
                {cell(c, r[c.key])}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A report's page of rows, loaded again when path changes. */
function useReport(path: string) {
  const { api } = useApp();
  return useLoad(() => api<Page<Row> & Row>("GET", path), [path]);
}

const groups = ["day", "location", "product", "payment_method", "cashier"];

/** The reports page. */
export function Reports() {
  const { t, can, ctx } = useApp();
  const [range, setRange] = useState({ from: today(ctx.company.timezone, -29), to: today(ctx.company.timezone) });
  const [draft, setDraft] = useState(range);
  return (
    <div>
      <h1>{t("reports")}</h1>
      <form
        class="row filters"
        aria-label={t("reports")}
        onSubmit={(e) => {
          e.preventDefault();
          setRange(draft);
        }}
      >
        <Field label={t("from")} type="date" value={draft.from} onInput={(from) => setDraft({ ...draft, from })} required />
        <Field label={t("to")} type="date" value={draft.to} onInput={(to) => setDraft({ ...draft, to })} required />
        <button type="submit">{t("show")}</button>
      </form>
      <div class="grid">
        <SalesReport range={range} />
        <TopProducts range={range} />
        {can("manager") && <Margin range={range} />}
        {can("manager") && <Valuation />}
        <LowStockReport />
        <CashSessions range={range} />
      </div>
    </div>
  );
}

type Range = { from: string; to: string };

function SalesReport({ range }: { range: Range }) {
  const { t, date } = useApp();
  const [group, setGroup] = useState("day");
  const r = useReport(`${API}/reports/sales${qs({ group_by: group, ...range, limit: 31 })}`);
  return (
    <Card title={t("salesReport")} id="report-sales" wide>
      <Select label={t("groupBy")} value={group} onChange={setGroup} options={groups.map((g) => [g, t(("g_" + g) as Key)])} />
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="sales-report"
          rows={r.data.data.map((x) => ({ ...x, key: group === "day" ? date(String(x.key)) : x.label || x.key }))}
          cols={[
            { key: "key", label: ("g_" + group) as Key },
            { key: "sales", label: "sales", kind: "num" },
            { key: "total", label: "total", kind: "money" },
            { key: "refunded", label: "refunded", kind: "money" },
          ]}
        />
      )}
    </Card>
  );
}

function TopProducts({ range }: { range: Range }) {
  const { t } = useApp();
  const r = useReport(`${API}/reports/top-products${qs({ ...range, limit: 10 })}`);
  return (
    <Card title={t("topProducts")} id="report-top" wide>
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="top-products"
          rows={r.data.data}
          cols={[
            { key: "description", label: "product" },
            { key: "sku", label: "sku" },
            { key: "quantity", label: "units", kind: "num" },
            { key: "total", label: "total", kind: "money" },
          ]}
        />
      )}
    </Card>
  );
}

function Margin({ range }: { range: Range }) {
  const { t } = useApp();
  const r = useReport(`${API}/reports/margin${qs({ ...range, limit: 20 })}`);
  return (
    <Card title={t("margin")} id="report-margin" wide>
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="margin"
          rows={r.data.data}
          cols={[
            { key: "name", label: "product" },
            { key: "quantity", label: "units", kind: "num" },
            { key: "revenue", label: "revenue", kind: "money" },
            { key: "cost", label: "cost", kind: "money" },
            { key: "margin", label: "margin", kind: "money" },
            { key: "margin_percent", label: "marginPercent", kind: "num" },
          ]}
        />
      )}
    </Card>
  );
}

function Valuation() {
  const { t } = useApp();
  const r = useReport(`${API}/reports/stock-valuation?limit=50`);
  return (
    <Card title={t("stockValuation")} id="report-valuation">
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="stock-valuation"
          rows={r.data.data}
          cols={[
            { key: "name", label: "location" },
            { key: "units", label: "units", kind: "num" },
            { key: "value_at_cost", label: "atCost", kind: "money" },
            { key: "value_at_price", label: "atPrice", kind: "money" },
          ]}
        />
      )}
    </Card>
  );
}

function LowStockReport() {
  const { t } = useApp();
  const r = useReport(`${API}/reports/low-stock?limit=20`);
  return (
    <Card title={t("lowStock")} id="report-low-stock" wide>
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="low-stock-report"
          rows={r.data.data}
          cols={[
            { key: "product_name", label: "product" },
            { key: "sku", label: "sku" },
            { key: "location_name", label: "location" },
            { key: "on_hand", label: "onHand", kind: "num" },
            { key: "reorder_point", label: "reorderPoint", kind: "num" },
          ]}
        />
      )}
    </Card>
  );
}

function CashSessions({ range }: { range: Range }) {
  const { t, word } = useApp();
  const r = useReport(`${API}/reports/cash-sessions${qs({ ...range, limit: 20 })}`);
  return (
    <Card title={t("cashSessions")} id="report-sessions" wide>
      <Alert error={r.error} />
      {r.data && (
        <Table
          testid="cash-sessions"
          rows={r.data.data.map((x) => ({ ...x, status: word("st_", String(x.status)) }))}
          cols={[
            { key: "register_name", label: "register" },
            { key: "status", label: "status" },
            { key: "opened_at", label: "openedAt", kind: "dateTime" },
            { key: "sales", label: "sales", kind: "num" },
            { key: "sales_total", label: "total", kind: "money" },
            { key: "difference_total", label: "difference", kind: "money" },
          ]}
        />
      )}
    </Card>
  );
}
