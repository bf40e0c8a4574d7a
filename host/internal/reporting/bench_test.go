package reporting

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// benchRowsEnv sets an extra size for BenchmarkFullRefresh, e.g.
// NEXUS_BENCH_MV_ROWS=2000000.
const benchRowsEnv = "NEXUS_BENCH_MV_ROWS"

// benchCompanies is how many companies share the benchmark's rows.
const benchCompanies = 100

// benchRevenueRequests is how many revenue API calls the latency figures
// are taken over.
const benchRevenueRequests = 400

// BenchmarkFullRefresh measures a full refresh of the views over n source
// rows (100k and 1M; add a size with NEXUS_BENCH_MV_ROWS) by the default
// strategy (build and swap), against REFRESH MATERIALIZED VIEW CONCURRENTLY
// on the same data in the same run as the baseline, then the revenue API's
// latency at that size (a year by day, month or type for a random company)
// and the time to apply one sale event to the rollup, after which the API
// shows it.
//
//	go test ./host/internal/reporting -run '^$' -bench BenchmarkFullRefresh -benchtime 3x -timeout 60m
func BenchmarkFullRefresh(b *testing.B) {
	sizes := []int{100_000, 1_000_000}
	if v := os.Getenv(benchRowsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number of rows", benchRowsEnv, v)
		}
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			e := newEnv(b, func(c *Config) { c.Now = time.Now })
			e.fillBench(n)
			e.setSources()
			ctx := b.Context()

			var swap []time.Duration
			for b.Loop() {
				res, err := e.svc.Refresh(ctx, true)
				require.NoError(b, err)
				require.EqualValues(b, n, res.Rows)
				swap = append(swap, time.Duration(res.DurationMS)*time.Millisecond)
			}
			concurrent := e.newService(e.pool, func(c *Config) { c.Concurrent = true; c.Now = time.Now })
			res, err := concurrent.Refresh(ctx, true)
			require.NoError(b, err)
			baseline := time.Duration(res.DurationMS) * time.Millisecond
			median := percentile(swap, 0.5)
			b.ReportMetric(median.Seconds(), "s/refresh")
			b.ReportMetric(baseline.Seconds(), "s/concurrent-baseline")
			b.ReportMetric(baseline.Seconds()/median.Seconds(), "x-faster-than-baseline")

			p50, p95 := e.revenueLatency()
			b.ReportMetric(float64(p50.Microseconds())/1000, "revenue-p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "revenue-p95-ms")
			b.ReportMetric(float64(e.rollupApply().Microseconds())/1000, "rollup-apply-ms")
		})
	}
}

// fillBench creates benchCompanies companies in Mexico City and n sales
// spread over two years, about 2% of them voided, with one INSERT … SELECT.
func (e *env) fillBench(n int) {
	e.t.Helper()
	e.exec(`INSERT INTO companies (name, country, currency, tax_id, timezone)
SELECT 'Bench ' || g, 'MX', 'MXN', 'BEN' || lpad(g::text, 9, '0'), 'America/Mexico_City'
FROM generate_series(1, $1) g`, benchCompanies)
	e.exec(`INSERT INTO tv.sales (company_id, id, occurred_at, total, currency, status)
SELECT ids[1 + g % cardinality(ids)], gen_random_uuid(),
       timestamptz '2024-01-01 06:00+00' + (g::bigint * 63072000 / $1) * interval '1 second',
       ((g % 5000) + 1) / 10.0, 'MXN', CASE WHEN g % 47 = 0 THEN 'voided' ELSE 'completed' END
FROM (SELECT array_agg(id) AS ids FROM companies WHERE name LIKE 'Bench %') c, generate_series(1, $1) g`, n)
	e.exec(`ANALYZE tv.sales`)
}

// revenueLatency times benchRevenueRequests revenue API calls through the
// HTTP handler and returns their p50 and p95.
func (e *env) revenueLatency() (p50, p95 time.Duration) {
	e.t.Helper()
	rows, err := e.pool.Query(e.t.Context(), `SELECT id FROM companies WHERE name LIKE 'Bench %'`)
	require.NoError(e.t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	require.NoError(e.t, err)
	groups := []string{GroupByDay, GroupByMonth, GroupByType}
	rng := rand.New(rand.NewPCG(1, 2))
	took := make([]time.Duration, 0, benchRevenueRequests)
	for i := range benchRevenueRequests {
		from := date(2024, time.Month(1+rng.IntN(12)), 1)
		target := fmt.Sprintf("/reports/revenue?from=%s&to=%s&group_by=%s",
			from.Format(time.DateOnly), from.AddDate(1, 0, -1).Format(time.DateOnly), groups[i%len(groups)])
		start := time.Now()
		code, body := e.call(viewerOf(ids[rng.IntN(len(ids))]), http.MethodGet, target)
		took = append(took, time.Since(start))
		require.Equal(e.t, http.StatusOK, code, body)
		require.NotEmpty(e.t, body["data"], "%s %v", target, body)
	}
	return percentile(took, 0.5), percentile(took, 0.95)
}

// rollupApply times applying sale events to the rollup, each in its own
// tenant transaction as the consumer runs them, checks the revenue API
// shows the last one right away and returns the median.
func (e *env) rollupApply() time.Duration {
	e.t.Helper()
	today := time.Now()
	var took []time.Duration
	for range 50 {
		id := e.sale(e.a, today, "12.34", "MXN", "completed")
		start := time.Now()
		require.NoError(e.t, e.applySale(e.a, topicSaleCreated, map[string]string{"sale_id": id.String()}))
		took = append(took, time.Since(start))
	}
	day := civil(today.In(mustZone(mexico)))
	rep, err := e.svc.Revenue(e.t.Context(), e.a, RevenueQuery{From: day, To: day})
	require.NoError(e.t, err)
	require.Equal(e.t, SourceRollup, rep.Source)
	require.Equal(e.t, []RevenueRow{{Key: posType, Currency: "MXN", Amount: "617.00", Count: 50}}, rep.Data)
	return percentile(took, 0.5)
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}
