package reporting

import (
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// seedTwoCompanies fills the fake vertical and the invoices for both
// companies.
func (e *env) seedTwoCompanies() {
	s1 := e.sale(e.a, local(mexico, 2025, 3, 1, 10, 0), "100.00", "MXN", "completed")
	e.sale(e.a, local(mexico, 2025, 3, 1, 23, 30), "50.25", "MXN", "completed")
	e.sale(e.a, local(mexico, 2025, 3, 2, 12, 0), "200.00", "MXN", "voided")
	e.sale(e.a, local(mexico, 2025, 4, 5, 9, 0), "10.00", "MXN", "completed")
	e.saleReturn(e.a, s1, local(mexico, 2025, 3, 2, 13, 0), "20.00")
	e.consignment(e.a, local(mexico, 2025, 3, 3, 8, 0), "300.00", "MXN", "sent")
	e.consignment(e.a, local(mexico, 2025, 3, 3, 9, 0), "999.00", "MXN", "draft")
	e.invoice(e.a, local(mexico, 2025, 3, 4, 10, 0), "I", "issued", "1160.00", "MXN", "valid")
	e.invoice(e.a, local(mexico, 2025, 3, 5, 10, 0), "E", "issued", "116.00", "MXN", "valid")
	e.invoice(e.a, local(mexico, 2025, 3, 5, 11, 0), "I", "received", "500.00", "MXN", "valid")
	e.invoice(e.a, local(mexico, 2025, 3, 6, 11, 0), "I", "issued", "700.00", "MXN", "cancelled")

	e.sale(e.b, local(baires, 2025, 3, 1, 9, 0), "7000.00", "ARS", "completed")
	e.sale(e.b, local(baires, 2025, 3, 2, 9, 0), "3000.00", "ARS", "completed")
	e.consignment(e.b, local(baires, 2025, 3, 3, 9, 0), "12000.00", "ARS", "settled")
}

func TestViewEqualsSumOfSources(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()

	// Every source row is in the view once, per company and type.
	rows, err := e.pool.Query(t.Context(), `
WITH src AS (
  SELECT company_id, 'cpg_pos' AS t, count(*) AS n, sum(total) AS amount FROM tv.sales GROUP BY 1
  UNION ALL
  SELECT r.company_id, 'cpg_pos', count(*), sum(-r.total) FROM tv.returns r GROUP BY 1
  UNION ALL
  SELECT company_id, 'tv_consignment', count(*), sum(value) FROM tv.consignments GROUP BY 1
  UNION ALL
  SELECT company_id, 'cfdi_' || direction, count(*),
         sum(CASE tipo WHEN 'I' THEN total WHEN 'E' THEN -total ELSE 0 END) FROM sat_invoices GROUP BY 1, 2),
want AS (SELECT company_id, t, sum(n) AS n, sum(amount) AS amount FROM src GROUP BY 1, 2),
got AS (SELECT company_id, transaction_type AS t, count(*) AS n, sum(amount) AS amount
        FROM universal_transactions_mv GROUP BY 1, 2)
SELECT count(*) FILTER (WHERE want.n IS DISTINCT FROM got.n OR want.amount IS DISTINCT FROM got.amount), count(*)
FROM want FULL JOIN got USING (company_id, t)`)
	require.NoError(t, err)
	var mismatches, groups int
	require.True(t, rows.Next())
	require.NoError(t, rows.Scan(&mismatches, &groups))
	rows.Close()
	require.Zero(t, mismatches)
	require.Equal(t, 6, groups, "A: pos, consignment, cfdi_issued, cfdi_received; B: pos, consignment")

	var total int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM universal_transactions_mv`).Scan(&total))
	require.Equal(t, 14, total)

	// The daily view holds revenue only, per local day: A's 23:30 sale of
	// the 1st (the 2nd in UTC) counts on the 1st; voided, draft, cancelled
	// and received rows do not count.
	var amount string
	var count int64
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT amount::text, count FROM revenue_daily_mv
WHERE company_id = $1 AND day = '2025-03-01' AND transaction_type = 'cpg_pos'`, e.a).Scan(&amount, &count))
	require.Equal(t, "150.25", amount)
	require.EqualValues(t, 2, count)
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT sum(amount)::text, sum(count) FROM revenue_daily_mv WHERE company_id = $1`, e.a).
		Scan(&amount, &count))
	require.Equal(t, "1484.25", amount)
	require.EqualValues(t, 7, count)

	// The views are built with the watermark of the fake clock and logged.
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, StatusFresh, h.Status)
	require.Equal(t, []string{"cfdi", "cpg_pos", "tv_consignment"}, h.Sources)
	require.EqualValues(t, 14, h.Rows)
	require.True(t, h.LastRefreshAt.Equal(t0))
	require.Equal(t, 1, e.logCount(TriggerRebuild, true))
}

func TestRebuildWhenSourcesChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	ctx := t.Context()
	types := func() []string {
		var out []string
		rows, err := e.pool.Query(ctx, `SELECT DISTINCT transaction_type FROM universal_transactions_mv ORDER BY 1`)
		require.NoError(t, err)
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			out = append(out, s)
		}
		require.NoError(t, rows.Err())
		return out
	}

	require.NoError(t, e.svc.SetSources(ctx, []Source{posSource}))
	require.Equal(t, []string{"cfdi_issued", "cfdi_received", "cpg_pos"}, types())
	require.Equal(t, 1, e.logCount(TriggerRebuild, true))

	// The same set again (in another order, or on another replica) builds
	// nothing.
	require.NoError(t, e.svc.SetSources(ctx, []Source{posSource}))
	require.NoError(t, e.newService(e.pool, nil).SetSources(ctx, []Source{posSource}))
	require.Equal(t, 1, e.logCount(TriggerRebuild, true))

	// Adding a source rebuilds with it.
	require.NoError(t, e.svc.SetSources(ctx, []Source{consignmentSource, posSource}))
	require.Equal(t, []string{"cfdi_issued", "cfdi_received", "cpg_pos", "tv_consignment"}, types())
	require.Equal(t, 2, e.logCount(TriggerRebuild, true))

	// Removing one rebuilds without it; a changed SQL counts as a change.
	require.NoError(t, e.svc.SetSources(ctx, []Source{consignmentSource}))
	require.Equal(t, []string{"cfdi_issued", "cfdi_received", "tv_consignment"}, types())
	changed := Source{Name: consignmentSource.Name, SQL: consignmentSource.SQL[:len(consignmentSource.SQL)-1] + " WHERE status <> 'draft'"}
	require.NoError(t, e.svc.SetSources(ctx, []Source{changed}))
	require.Equal(t, 4, e.logCount(TriggerRebuild, true))
	var n int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM universal_transactions_mv WHERE transaction_type = 'tv_consignment'`).Scan(&n))
	require.Equal(t, 2, n)

	// Views dropped behind the package's back are rebuilt.
	e.exec(`DROP MATERIALIZED VIEW revenue_daily_mv; DROP MATERIALIZED VIEW universal_transactions_mv`)
	require.NoError(t, e.svc.SetSources(ctx, []Source{changed}))
	require.Equal(t, 5, e.logCount(TriggerRebuild, true))
	require.Equal(t, []string{"cfdi_issued", "cfdi_received", "tv_consignment"}, types())
}

func TestInvalidSourcesAreLeftOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	bad := []Source{
		{Name: "missing_column", SQL: `SELECT company_id, 'x'::text AS transaction_type, id AS source_id, occurred_at, total AS amount, currency FROM tv.sales`},
		{Name: "wrong_type", SQL: `SELECT company_id, 'x'::text AS transaction_type, id AS source_id, occurred_at, total::float8 AS amount, currency, status FROM tv.sales`},
		{Name: "extra_column", SQL: `SELECT company_id, 'x'::text AS transaction_type, id AS source_id, occurred_at, total AS amount, currency, status, 1 AS n FROM tv.sales`},
		{Name: "two_statements", SQL: `SELECT company_id, 'x'::text AS transaction_type, id AS source_id, occurred_at, total AS amount, currency, status FROM tv.sales) AS s; DROP TABLE tv.sales; SELECT * FROM (SELECT 1`},
		{Name: "no_table", SQL: `SELECT * FROM tv.nothing`},
		{Name: "Bad-Name", SQL: posSource.SQL},
		{Name: "cpg_pos", SQL: posSource.SQL},
	}
	err := e.svc.SetSources(t.Context(), append([]Source{posSource}, bad...))
	var invalid *InvalidSourcesError
	require.ErrorAs(t, err, &invalid)
	reasons := map[string]string{}
	for _, s := range invalid.Sources {
		reasons[s.Source] = s.Reason
	}
	require.Len(t, reasons, len(bad))
	require.Contains(t, reasons["missing_column"], `column "status" is missing`)
	require.Contains(t, reasons["wrong_type"], `column "amount" must be numeric`)
	require.Contains(t, reasons["extra_column"], `unexpected column "n"`)
	require.Contains(t, reasons["two_statements"], "multiple commands")
	require.Contains(t, reasons["no_table"], "does not exist")
	require.Contains(t, reasons["Bad-Name"], "lower-case")
	require.Contains(t, reasons["cpg_pos"], "more than once")

	// The valid sources were built, and nothing was dropped.
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM tv.sales`).Scan(&n))
	require.Equal(t, 6, n)
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"cfdi", "cpg_pos"}, h.Sources)
}

func TestDuplicateKeysAcrossSourcesFailTheBuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	twin := Source{Name: "twin", SQL: posSource.SQL}
	err := e.svc.SetSources(t.Context(), []Source{posSource, twin})
	require.ErrorContains(t, err, "must be unique across sources")
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr))
	require.Equal(t, 1, e.logCount(TriggerRebuild, false))
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, StatusNeverRefreshed, h.Status)
	require.NotNil(t, h.LastError)
	require.Equal(t, TriggerRebuild, h.LastError.Trigger)
	require.True(t, h.LastError.At.Equal(t0))
}

func TestDropViews(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()

	// The view depends on the sources' tables...
	_, err := e.pool.Exec(t.Context(), `ALTER TABLE tv.consignments DROP COLUMN value`)
	require.ErrorContains(t, err, "depend")

	// ...until it is dropped.
	require.NoError(t, e.svc.DropViews(t.Context()))
	e.exec(`ALTER TABLE tv.consignments DROP COLUMN value`)
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.Equal(t, StatusNeverRefreshed, h.Status)
	_, err = e.svc.Revenue(t.Context(), e.a, RevenueQuery{From: date(2025, 3, 1), To: date(2025, 3, 1)})
	require.ErrorIs(t, err, ErrNotBuilt)
	require.NoError(t, e.svc.DropViews(t.Context()), "dropping twice is harmless")

	// The next SetSources builds them again from what is valid now.
	var invalid *InvalidSourcesError
	require.ErrorAs(t, e.svc.SetSources(t.Context(), []Source{posSource, consignmentSource}), &invalid)
	require.Equal(t, consignmentSource.Name, invalid.Sources[0].Source)
	require.Equal(t, 11, e.mvCount())
}
