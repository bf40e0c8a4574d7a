// The dashboard cards the vertical contributes: low stock, consignment
// aging and open cash sessions. The shell titles each card (the
// manifest's widget title); these render its body and refresh themselves.
import { API, type Page, useApp } from "../app";
import { Alert, useEvery, useLoad } from "../ui";

interface LowStockRow {
  variant_id: string;
  sku: string;
  product_name: string;
  location_name: string;
  on_hand: string;
  reorder_point: string;
}

/** Variants at or below their reorder point. */
export function LowStock() {
  const { api, t, n } = useApp();
  const r = useLoad(() => api<Page<LowStockRow>>("GET", `${API}/reports/low-stock?limit=10`), []);
  useEvery(30_000, r.reload);
  if (r.error) return <Alert error={r.error} />;
  if (!r.data) return <p class="muted">{t("loading")}</p>;
  if (r.data.data.length === 0) return <p class="muted">{t("none")}</p>;
  return (
    <table data-testid="low-stock">
      <thead>
        <tr>
          <th scope="col">{t("product")}</th>
          <th scope="col">{t("location")}</th>
          <th scope="col" class="num">{t("onHand")}</th>
          <th scope="col" class="num">{t("reorderPoint")}</th>
        </tr>
      </thead>
      <tbody>
        {r.data.data.map((x) => (
          <tr key={x.variant_id + x.location_name}>
            <td>
              {x.product_name} <span class="muted">{x.sku}</span>
            </td>
            <td>{x.location_name}</td>
            <td class="num">{n(x.on_hand)}</td>
            <td class="num">{n(x.reorder_point)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The consignment aging report: buckets and its total. */
export interface Aging {
  data: { consignment_id: string; customer_name: string; sku: string; days_out: number; bucket: string; outstanding: string; value_at_cost: string; value_at_price: string; line_no: number }[];
  next_cursor: string | null;
  buckets: { bucket: string; value_at_cost: string; value_at_price: string }[];
  value_at_cost: string;
  value_at_price: string;
}

/** Goods at consignees by age, at cost and at price. */
export function ConsignmentAging() {
  const { api, t } = useApp();
  const r = useLoad(() => api<Aging>("GET", `${API}/reports/consignment-aging?limit=10`), []);
  useEvery(30_000, r.reload);
  if (r.error) return <Alert error={r.error} />;
  if (!r.data) return <p class="muted">{t("loading")}</p>;
  return <AgingBuckets aging={r.data} />;
}

/** The aging report's buckets as a table. */
export function AgingBuckets({ aging }: { aging: Aging }) {
  const { t, m } = useApp();
  return (
    <table data-testid="consignment-aging">
      <thead>
        <tr>
          <th scope="col">{t("age")}</th>
          <th scope="col" class="num">{t("atCost")}</th>
          <th scope="col" class="num">{t("atPrice")}</th>
        </tr>
      </thead>
      <tbody>
        {aging.buckets.map((b) => (
          <tr key={b.bucket}>
            <td>{b.bucket}</td>
            <td class="num">{m(b.value_at_cost)}</td>
            <td class="num">{m(b.value_at_price)}</td>
          </tr>
        ))}
        <tr class="subtotal">
          <th scope="row">{t("total")}</th>
          <td class="num">{m(aging.value_at_cost)}</td>
          <td class="num">{m(aging.value_at_price)}</td>
        </tr>
      </tbody>
    </table>
  );
}

interface SessionRow {
  id: string;
  register_id: string;
  opening_float: string;
  opened_at: string;
}

/** The cash sessions open now, with their register and float. */
export function OpenSessions() {
  const { api, t, m, dateTime } = useApp();
  const r = useLoad(async () => {
    const [sessions, regs] = await Promise.all([
      api<Page<SessionRow>>("GET", `${API}/cash-sessions?status=open&limit=20`),
      api<Page<{ id: string; name: string }>>("GET", `${API}/registers?limit=500`),
    ]);
    return { sessions: sessions.data, names: Object.fromEntries(regs.data.map((x) => [x.id, x.name])) };
  }, []);
  useEvery(5_000, r.reload);
  if (r.error) return <Alert error={r.error} />;
  if (!r.data) return <p class="muted">{t("loading")}</p>;
  if (r.data.sessions.length === 0) return <p class="muted">{t("none")}</p>;
  const names = r.data.names;
  return (
    <table data-testid="open-sessions">
      <thead>
        <tr>
          <th scope="col">{t("register")}</th>
          <th scope="col">{t("openedAt")}</th>
          <th scope="col" class="num">{t("floatAmount")}</th>
        </tr>
      </thead>
      <tbody>
        {r.data.sessions.map((s) => (
          <tr key={s.id}>
            <td>{names[s.register_id] ?? s.register_id.slice(0, 8)}</td>
            <td>{dateTime(s.opened_at)}</td>
            <td class="num">{m(s.opening_float)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
