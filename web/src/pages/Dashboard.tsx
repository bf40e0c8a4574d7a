// The owner's dashboard: revenue of every vertical today, this week and
// this month, how fresh it is, sales by day, and the cards the company's
// verticals contribute (what needs attention: low stock, open registers...).
import { useEffect, useState } from "preact/hooks";
import { ApiError, call } from "../api";
import { atLeast, useApp } from "../app";
import { Dec, sum } from "../dec";
import { weekStart } from "../i18n";
import { Alert, Card, useLoad } from "../ui";
import { VerticalWidgets } from "../verticals";

interface RevenueRow {
  key: string;
  currency: string;
  amount: string;
  count: number;
}
interface Revenue {
  source: string;
  as_of: string;
  mv_as_of: string | null;
  data: RevenueRow[];
  totals: { currency: string; amount: string; count: number }[];
}
interface Health {
  status: string;
  age_seconds: number;
  sla_seconds: number;
  refreshing: boolean;
}

const POLL_MS = 1000;

/** The dashboard screen. */
export function Dashboard() {
  const { fmt, me, verticals } = useApp();
  const today = fmt.today();
  const ranges = { today: [today, today], week: [weekStart(today), today], month: [today.slice(0, 8) + "01", today] } as const;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    // The rollup answers a sale within a second of its commit: poll so the
    // owner sees it come in.
    const id = setInterval(() => document.visibilityState === "visible" && setTick((t) => t + 1), POLL_MS);
    return () => clearInterval(id);
  }, []);
  const revenue = useLoad(async () => {
    const get = (r: readonly [string, string]) => call<Revenue>("GET", `/reports/revenue?from=${r[0]}&to=${r[1]}&group_by=transaction_type`);
    const [t, w, m] = await Promise.all([get(ranges.today), get(ranges.week), get(ranges.month)]);
    return { today: t, week: w, month: m };
  }, [tick, today]);
  const health = useLoad(() => call<Health>("GET", "/mv/health"), [tick]);
  const byDay = useLoad(
    () => call<Revenue>("GET", `/reports/revenue?from=${fmt.today(-29)}&to=${today}&group_by=day`),
    [Math.floor(tick / 5), today],
  );

  return (
    <div class="dashboard">
      <div class="title-row">
        <h1>{fmt.t("navDashboard")}</h1>
        <Freshness revenue={revenue.data?.today} health={health.data} canRefresh={atLeast(me.role, "admin") || me.platform_admin} onRefreshed={() => setTick((t) => t + 1)} />
      </div>
      <Alert error={revenue.error} />
      {revenue.data && <RevenueTable r={revenue.data} />}
      <div class="grid">
        <Card title={fmt.t("salesByDay")}>{byDay.data ? <DayChart rows={byDay.data.data} from={fmt.today(-29)} /> : <p>{fmt.t("loading")}</p>}</Card>
        <VerticalWidgets verticals={verticals} />
      </div>
    </div>
  );
}

function Freshness({ revenue, health, canRefresh, onRefreshed }: { revenue?: Revenue; health?: Health; canRefresh: boolean; onRefreshed: () => void }) {
  const { fmt } = useApp();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  if (!health) return null;
  const status = health.status === "fresh" ? "fresh" : health.status === "stale" ? "stale" : "neverRefreshed";
  const rollupAge = revenue ? Math.max(0, (Date.now() - Date.parse(revenue.as_of)) / 1000) : null;
  const refreshNow = async () => {
    setBusy(true);
    setNote(null);
    try {
      await call("POST", "/mv/refresh?force=true");
      setNote(fmt.t("refreshDone"));
      onRefreshed();
    } catch (e) {
      const wait = e instanceof ApiError && e.status === 429 ? String((e.details?.retry_after_seconds as number) ?? 60) : null;
      setNote(wait ? fmt.t("rateLimited", { s: wait }) : String((e as Error).message));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="freshness" aria-live="polite">
      <span class={"badge " + status} data-testid="freshness" data-status={health.status}>
        {fmt.t(status)}
      </span>
      {rollupAge !== null && revenue?.source !== "mv" && <span class="muted">{fmt.t("rollupAge", { s: fmt.duration(rollupAge) })}</span>}
      <span class="muted">{fmt.t("mvAge", { s: fmt.duration(health.age_seconds) })}</span>
      {canRefresh && (
        <button type="button" class="secondary" onClick={refreshNow} disabled={busy || health.refreshing}>
          {busy ? fmt.t("refreshing") : fmt.t("refreshNow")}
        </button>
      )}
      {note && <span role="status">{note}</span>}
    </div>
  );
}

/** The vertical a transaction type belongs to: its name's first part. */
function verticalOf(type: string): string {
  const i = type.indexOf("_");
  return i > 0 ? type.slice(0, i) : type;
}

function RevenueTable({ r }: { r: { today: Revenue; week: Revenue; month: Revenue } }) {
  const { fmt } = useApp();
  const types = Array.from(new Set([...r.month.data, ...r.week.data, ...r.today.data].map((x) => x.key))).sort();
  const amount = (rep: Revenue, pick: (k: string) => boolean) => sum(rep.data.filter((x) => pick(x.key)).map((x) => x.amount)).toFixed(2);
  const verticals = Array.from(new Set(types.map(verticalOf)));
  const total = (rep: Revenue) => rep.totals.find((x) => x.currency === fmt.currency)?.amount ?? "0";
  return (
    <section class="card" aria-labelledby="rev-h">
      <h2 id="rev-h">{fmt.t("revenue")}</h2>
      <div class="kpis">
        {(["today", "week", "month"] as const).map((k) => (
          <div class="kpi" key={k} data-testid={"revenue-" + k}>
            <span class="muted">{fmt.t(k)}</span>
            <strong>{fmt.m(total(r[k]))}</strong>
          </div>
        ))}
      </div>
      {types.length === 0 ? (
        <p class="muted">{fmt.t("none")}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{fmt.t("vertical")}</th>
              <th scope="col">{fmt.t("txType")}</th>
              <th scope="col" class="num">{fmt.t("today")}</th>
              <th scope="col" class="num">{fmt.t("week")}</th>
              <th scope="col" class="num">{fmt.t("month")}</th>
            </tr>
          </thead>
          <tbody>
            {verticals.map((v) => [
              ...types
                .filter((ty) => verticalOf(ty) === v)
                .map((ty) => (
                  <tr key={ty}>
                    <td>{v}</td>
                    <td>{ty}</td>
                    <td class="num">{fmt.m(amount(r.today, (k) => k === ty))}</td>
                    <td class="num">{fmt.m(amount(r.week, (k) => k === ty))}</td>
                    <td class="num">{fmt.m(amount(r.month, (k) => k === ty))}</td>
                  </tr>
                )),
              <tr key={v + "-total"} class="subtotal">
                <th scope="row" colSpan={2}>
                  {v}
                </th>
                <td class="num">{fmt.m(amount(r.today, (k) => verticalOf(k) === v))}</td>
                <td class="num">{fmt.m(amount(r.week, (k) => verticalOf(k) === v))}</td>
                <td class="num">{fmt.m(amount(r.month, (k) => verticalOf(k) === v))}</td>
              </tr>,
            ])}
          </tbody>
        </table>
      )}
    </section>
  );
}

function DayChart({ rows, from }: { rows: RevenueRow[]; from: string }) {
  const { fmt } = useApp();
  const days: string[] = [];
  for (let i = 0; i < 30; i++) {
    const d = new Date(from + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + i);
    days.push(d.toISOString().slice(0, 10));
  }
  const amounts = days.map((d) => sum(rows.filter((r) => r.key === d).map((r) => r.amount)));
  const max = amounts.reduce((m, a) => m.max(a), Dec.of("0.01"));
  const W = 600;
  const H = 160;
  const bw = W / days.length;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={fmt.t("salesByDay")}>
        {amounts.map((a, i) => {
          // Bar heights are geometry, not money: a float ratio is fine here.
          const h = Math.round((Number(a.toFixed(2)) / Number(max.toFixed(2))) * H);
          return (
            <rect key={days[i]} x={i * bw + 2} y={H - h} width={bw - 4} height={Math.max(h, a.isZero() ? 0 : 1)} class="bar">
              <title>
                {fmt.dayLabel(days[i])}: {fmt.m(a.toFixed(2))}
              </title>
            </rect>
          );
        })}
        {[0, 10, 20, 29].map((i) => (
          <text key={i} x={i === 0 ? 0 : i === 29 ? W : i * bw + bw / 2} y={H + 15} text-anchor={i === 0 ? "start" : i === 29 ? "end" : "middle"} class="axis">
            {fmt.dayLabel(days[i])}
          </text>
        ))}
      </svg>
    </figure>
  );
}
