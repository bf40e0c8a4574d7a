package reporting

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/store"
)

// rows decodes the data of a revenue answer.
func rows(t *testing.T, body map[string]any) []RevenueRow {
	t.Helper()
	raw, err := json.Marshal(body["data"])
	require.NoError(t, err)
	var out []RevenueRow
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestRevenueByGroupInTheCompanyTimeZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()

	for _, c := range []struct {
		groupBy string
		want    []RevenueRow
	}{
		{GroupByDay, []RevenueRow{
			// The 23:30 sale of the 1st (05:30 UTC on the 2nd) counts on the 1st.
			{"2025-03-01", "MXN", "150.25", 2},
			{"2025-03-02", "MXN", "-20.00", 1},
			{"2025-03-03", "MXN", "300.00", 1},
			{"2025-03-04", "MXN", "1160.00", 1},
			{"2025-03-05", "MXN", "-116.00", 1},
			{"2025-04-05", "MXN", "10.00", 1},
		}},
		{GroupByMonth, []RevenueRow{{"2025-03", "MXN", "1474.25", 6}, {"2025-04", "MXN", "10.00", 1}}},
		{GroupByType, []RevenueRow{
			{"cfdi_issued", "MXN", "1044.00", 2},
			{"cpg_pos", "MXN", "140.25", 4},
			{"tv_consignment", "MXN", "300.00", 1},
		}},
		{"", []RevenueRow{
			{"cfdi_issued", "MXN", "1044.00", 2},
			{"cpg_pos", "MXN", "140.25", 4},
			{"tv_consignment", "MXN", "300.00", 1},
		}},
	} {
		t.Run("group_by="+c.groupBy, func(t *testing.T) {
			target := "/reports/revenue?from=2025-03-01&to=2025-04-30"
			if c.groupBy != "" {
				target += "&group_by=" + c.groupBy
			}
			code, body := e.call(viewerOf(e.a), http.MethodGet, target)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, c.want, rows(t, body))
			require.Equal(t, []any{map[string]any{"currency": "MXN", "amount": "1484.25", "count": float64(7)}}, body["totals"])
			require.Equal(t, mexico, body["timezone"])
			require.Equal(t, e.a.String(), body["company_id"])
			// Every day asked for is before the watermark's day: the views answer.
			require.Equal(t, SourceMV, body["source"])
			require.Equal(t, t0.Format(time.RFC3339), body["as_of"])
			require.Equal(t, t0.Format(time.RFC3339), body["mv_as_of"])
		})
	}

	// Day boundaries: the 2nd alone holds only the return.
	rep, err := e.svc.Revenue(t.Context(), e.a, RevenueQuery{From: date(2025, 3, 2), To: date(2025, 3, 2), GroupBy: GroupByDay})
	require.NoError(t, err)
	require.Equal(t, []RevenueRow{{"2025-03-02", "MXN", "-20.00", 1}}, rep.Data)
	rep, err = e.svc.Revenue(t.Context(), e.a, RevenueQuery{From: date(2024, 1, 1), To: date(2024, 12, 31)})
	require.NoError(t, err)
	require.Empty(t, rep.Data)
	require.Empty(t, rep.Totals)

	// Company B, in Buenos Aires, sees its own rows only.
	code, body := e.call(viewerOf(e.b), http.MethodGet, "/reports/revenue?from=2025-03-01&to=2025-04-30&group_by=day")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, []RevenueRow{
		{"2025-03-01", "ARS", "7000.00", 1},
		{"2025-03-02", "ARS", "3000.00", 1},
		{"2025-03-03", "ARS", "12000.00", 1},
	}, rows(t, body))
	require.Equal(t, baires, body["timezone"])
}

func TestTotalRevenueFunction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	march := local(mexico, 2025, 3, 1, 0, 0)
	april := local(mexico, 2025, 4, 1, 0, 0)
	got, err := e.svc.TotalRevenue(t.Context(), e.a, march, april)
	require.NoError(t, err)
	require.Equal(t, []CurrencyTotal{{Currency: "MXN", Amount: "1474.25", Count: 6}}, got)
	got, err = e.svc.TotalRevenue(t.Context(), e.b, march, april)
	require.NoError(t, err)
	require.Equal(t, []CurrencyTotal{{Currency: "ARS", Amount: "22000.00", Count: 3}}, got)
	got, err = e.svc.TotalRevenue(t.Context(), uuid.New(), march, april)
	require.NoError(t, err)
	require.Empty(t, got)
	// [from, to): the sale at exactly 2025-03-01 10:00 is in from there on.
	got, err = e.svc.TotalRevenue(t.Context(), e.a, local(mexico, 2025, 3, 1, 10, 0), local(mexico, 2025, 3, 1, 23, 30))
	require.NoError(t, err)
	require.Equal(t, []CurrencyTotal{{Currency: "MXN", Amount: "100.00", Count: 1}}, got)
}

func TestViewsAreHiddenFromTenants(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	e.setSources()
	for _, sql := range []string{
		`SELECT count(*) FROM universal_transactions_mv WHERE company_id = $1`,
		`SELECT count(*) FROM revenue_daily_mv WHERE company_id = $1`,
		`SELECT count(*) FROM get_company_total_revenue($1, '-infinity', 'infinity')`,
		`SELECT count(*) FROM get_company_revenue_daily($1, '2000-01-01', '2100-01-01', '{}')`,
		`SELECT count(*) FROM reporting_state WHERE $1::uuid IS NOT NULL`,
		`SELECT count(*) FROM mv_refresh_log WHERE $1::uuid IS NOT NULL`,
	} {
		err := store.TenantTx(t.Context(), e.pool, e.a, func(tx pgx.Tx) error {
			var n int
			return tx.QueryRow(t.Context(), sql, e.a).Scan(&n)
		})
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%s: %v", sql, err)
		require.Equal(t, "42501", pgErr.Code, "%s must be refused to nexus_tenant: %v", sql, err)
	}

	// The rollup is a tenant table: a tenant sees and writes its own rows only.
	require.NoError(t, store.TenantTx(t.Context(), e.pool, e.b, func(tx pgx.Tx) error {
		return ApplyDelta(t.Context(), tx, e.b, time.UTC, RollupDelta{At: t0, Type: posType, Currency: "ARS", Amount: decimal.NewFromInt(5), Count: 1})
	}))
	err := store.TenantTx(t.Context(), e.pool, e.a, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(t.Context(), `SELECT count(*) FROM revenue_rollup`).Scan(&n); err != nil {
			return err
		}
		require.Zero(t, n)
		return ApplyDelta(t.Context(), tx, e.b, time.UTC, RollupDelta{At: t0, Type: posType, Currency: "ARS", Amount: decimal.NewFromInt(5), Count: 1})
	})
	require.ErrorContains(t, err, "row-level security")
}

func TestRevenueBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.setSources()
	platformAdminInA := &auth.Principal{UserID: uuid.New(), PlatformAdmin: true, Role: auth.RolePlatformAdmin}
	for _, c := range []struct {
		name   string
		caller *auth.Principal
		query  string
		status int
		code   string
		field  string
	}{
		{"missing from", viewerOf(e.a), "to=2025-01-01", 400, "invalid_query", "from"},
		{"missing to", viewerOf(e.a), "from=2025-01-01", 400, "invalid_query", "to"},
		{"bad date", viewerOf(e.a), "from=2025-13-01&to=2025-12-31", 400, "invalid_query", "from"},
		{"instant", viewerOf(e.a), "from=2025-01-01T00:00:00Z&to=2025-12-31", 400, "invalid_query", "from"},
		{"to before from", viewerOf(e.a), "from=2025-02-01&to=2025-01-31", 400, "invalid_query", "to"},
		{"too long", viewerOf(e.a), "from=2000-01-01&to=2025-01-01", 400, "invalid_query", "to"},
		{"bad group", viewerOf(e.a), "from=2025-01-01&to=2025-01-31&group_by=week", 400, "invalid_query", "group_by"},
		{"unknown parameter", viewerOf(e.a), "from=2025-01-01&to=2025-01-31&company_id=" + e.b.String(), 400, "invalid_query", "company_id"},
		{"no company", platformAdminInA, "from=2025-01-01&to=2025-01-31", 403, "insufficient_role", ""},
		{"anonymous", nil, "from=2025-01-01&to=2025-01-31", 401, "unauthorized", ""},
		{"deleted company", viewerOf(uuid.New()), "from=2025-01-01&to=2025-01-31", 404, "company_not_found", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := e.call(c.caller, http.MethodGet, "/reports/revenue?"+c.query)
			require.Equal(t, c.status, code, body)
			require.Equal(t, c.code, errorCode(body))
			if c.field != "" {
				require.Equal(t, c.field, body["error"].(map[string]any)["details"].(map[string]any)["field"])
			}
		})
	}
	_, body := e.call(viewerOf(e.a), http.MethodGet, "/reports/revenue?from=2025-01-01&to=2025-01-31&gruop_by=day")
	require.Equal(t, `unknown query parameter "gruop_by" (known: from, to, group_by)`, body["error"].(map[string]any)["message"],
		"a misspelt parameter is named with the known ones, as on every list endpoint (httpx.KnownQuery)")
}

// applySale runs ApplyEvents for one event in a tenant transaction of company, as the
// event consumer does.
func (e *env) applySale(company uuid.UUID, topic string, payload map[string]string) error {
	raw, err := json.Marshal(payload)
	require.NoError(e.t, err)
	return store.TenantTx(e.t.Context(), e.pool, company, func(tx pgx.Tx) error {
		return e.svc.ApplyEvents(e.t.Context(), tx, company, []Event{{Topic: topic, Payload: raw}})
	})
}

// revenueOn answers the revenue API for company A over [from, to] by day.
func (e *env) revenueOn(from, to time.Time) RevenueReport {
	e.t.Helper()
	rep, err := e.svc.Revenue(e.t.Context(), e.a, RevenueQuery{From: from, To: to, GroupBy: GroupByDay})
	require.NoError(e.t, err)
	return rep
}

func TestRollupFreshnessAndDrift(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := t.Context()
	// Noon of 2025-03-10 in Mexico City.
	now := local(mexico, 2025, 3, 10, 12, 0)
	e.clock.Set(now)
	e.seedTwoCompanies()
	e.exec(`INSERT INTO company_verticals (company_id, vertical, enabled, config)
VALUES ($1, 'tv', true, '{"big_transaction_threshold": "500"}')`, e.a)
	e.setSources()
	today := date(2025, 3, 10)

	// A sale of today, not in the views yet, shows as soon as its event is
	// applied.
	s1 := e.sale(e.a, local(mexico, 2025, 3, 10, 11, 0), "80.00", "MXN", "completed")
	require.Empty(t, e.revenueOn(today, today).Data)
	require.NoError(t, e.applySale(e.a, topicSaleCreated, map[string]string{"sale_id": s1.String(), "total": "80.00"}))
	rep := e.revenueOn(today, today)
	require.Equal(t, SourceRollup, rep.Source)
	require.True(t, rep.MVAsOf.Equal(now))
	require.True(t, rep.AsOf.After(now), "the rollup is as fresh as the query")
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "80.00", 1}}, rep.Data)
	require.False(t, e.svc.pending(t.Context()), "80.00 is under the threshold of 500")

	// Earlier days still come from the views, today from the rollup: both
	// answered.
	rep = e.revenueOn(date(2025, 3, 1), today)
	require.Equal(t, SourceBoth, rep.Source)
	require.True(t, rep.AsOf.After(now))
	require.Len(t, rep.Data, 6)
	require.Equal(t, RevenueRow{"2025-03-01", "MXN", "150.25", 2}, rep.Data[0])
	require.Equal(t, RevenueRow{"2025-03-10", "MXN", "80.00", 1}, rep.Data[5])

	// A void takes the sale back out; a return adds its negative amount on
	// its own day; a big sale asks for a refresh.
	s2 := e.sale(e.a, local(mexico, 2025, 3, 10, 11, 30), "600.00", "MXN", "completed")
	require.NoError(t, e.applySale(e.a, topicSaleCreated, map[string]string{"sale_id": s2.String()}))
	require.True(t, e.svc.pending(t.Context()), "600.00 is at or above the threshold")
	e.exec(`UPDATE tv.sales SET status = 'voided' WHERE id = $1`, s1)
	require.NoError(t, e.applySale(e.a, topicSaleVoided, map[string]string{"sale_id": s1.String()}))
	r1 := e.saleReturn(e.a, s2, local(mexico, 2025, 3, 10, 23, 50), "30.00")
	require.NoError(t, e.applySale(e.a, topicSaleReturned, map[string]string{"sale_id": s2.String(), "return_id": r1.String()}))
	require.NoError(t, e.applySale(e.a, "tv.sale.printed", map[string]string{"sale_id": "whatever"}))
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "570.00", 2}}, e.revenueOn(today, today).Data)

	// Types without a rollup (consignments) show after a refresh; the
	// rollup keeps answering today's sales, which are not counted twice.
	e.consignment(e.a, local(mexico, 2025, 3, 10, 9, 0), "45.00", "MXN", "sent")
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "570.00", 2}}, e.revenueOn(today, today).Data)
	e.clock.Advance(time.Hour)
	_, err := e.svc.Refresh(ctx, true)
	require.NoError(t, err)
	rep = e.revenueOn(today, today)
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "615.00", 3}}, rep.Data)
	require.Equal(t, SourceBoth, rep.Source, "today's sales from the rollup, its consignment from the views")
	rep = e.revenueOn(today.AddDate(0, 0, 1), today.AddDate(0, 0, 1))
	require.Empty(t, rep.Data)
	require.Equal(t, SourceRollup, rep.Source, "nothing of tomorrow is in the views")

	// Once the day is over and refreshed, the views answer it, alike.
	e.clock.Set(local(mexico, 2025, 3, 11, 6, 0))
	_, err = e.svc.Refresh(ctx, true)
	require.NoError(t, err)
	rep = e.revenueOn(today, today)
	require.Equal(t, SourceMV, rep.Source)
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "615.00", 3}}, rep.Data)

	// The drift check finds nothing, then an injected discrepancy.
	drift, err := e.svc.CheckDrift(ctx)
	require.NoError(t, err)
	require.Empty(t, drift)
	e.exec(`UPDATE revenue_rollup SET amount = amount + 1, count = count + 1 WHERE company_id = $1 AND day = '2025-03-10'`, e.a)
	e.exec(`INSERT INTO revenue_rollup (company_id, day, transaction_type, currency, amount, count)
VALUES ($1, '2025-03-09', 'cpg_pos', 'USD', 3, 1)`, e.b)
	drift, err = e.svc.CheckDrift(ctx)
	require.NoError(t, err)
	want := []Drift{
		{CompanyID: e.a, Day: "2025-03-10", TransactionType: posType, Currency: "MXN",
			RollupAmount: "571.00", MVAmount: "570.00", RollupCount: 3, MVCount: 2},
		{CompanyID: e.b, Day: "2025-03-09", TransactionType: posType, Currency: "USD",
			RollupAmount: "3.00", MVAmount: "0.00", RollupCount: 1, MVCount: 0},
	}
	if want[0].CompanyID.String() > want[1].CompanyID.String() {
		want[0], want[1] = want[1], want[0]
	}
	require.Equal(t, want, drift)
}

func TestApplySaleEventErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.setSources()
	for _, c := range []struct {
		name    string
		topic   string
		payload string
		err     string
	}{
		{"not json", topicSaleCreated, `{`, "payload"},
		{"no sale id", topicSaleCreated, `{}`, `sale_id "" is not a uuid`},
		{"no return id", topicSaleReturned, `{"sale_id":"` + uuid.NewString() + `"}`, `return_id "" is not a uuid`},
		{"unknown sale", topicSaleVoided, `{"sale_id":"` + uuid.NewString() + `"}`, "is not in the cpg_pos source"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := store.TenantTx(t.Context(), e.pool, e.a, func(tx pgx.Tx) error {
				return e.svc.ApplyEvents(t.Context(), tx, e.a, []Event{{Topic: c.topic, Payload: []byte(c.payload)}})
			})
			require.ErrorContains(t, err, c.err)
		})
	}

	// Without a cpg_pos source there is nothing to read sales from.
	require.NoError(t, e.svc.SetSources(t.Context(), []Source{consignmentSource}))
	err := e.applySale(e.a, topicSaleCreated, map[string]string{"sale_id": uuid.NewString()})
	require.ErrorContains(t, err, "no valid cpg_pos source")
}

func TestNoteTransaction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.exec(`INSERT INTO company_verticals (company_id, vertical, enabled, config) VALUES
($1, 'tv', true, '{"big_transaction_threshold": "750.50"}'),
($1, 'other', true, '{"big_transaction_threshold": "not a number"}'),
($1, 'off', false, '{"big_transaction_threshold": "1"}')`, e.a)
	for _, c := range []struct {
		company uuid.UUID
		amount  string
		want    bool
	}{
		{e.a, "750.49", false},
		{e.a, "750.50", true},
		{e.a, "-800", true},
		{e.b, "9999.99", false},
		{e.b, "10000", true},
	} {
		require.NoError(t, e.svc.served(t.Context(), e.pool, e.clock.Now()))
		got, err := e.svc.NoteTransaction(t.Context(), c.company, decimal.RequireFromString(c.amount), "test")
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%s %s", c.company, c.amount)
		require.Equal(t, c.want, e.svc.pending(t.Context()))
	}
	_, err := e.svc.NoteTransaction(t.Context(), uuid.New(), decimal.NewFromInt(1), "test")
	require.ErrorContains(t, err, "does not exist")
}

// TestApplySaleEventsBatch applies several events in one call, as the
// consumer's batch handler does: the same rollup as one call each, and an
// event about another company's sale fails the whole call.
func TestApplySaleEventsBatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	now := local(mexico, 2025, 3, 11, 12, 0)
	e.clock.Set(now)
	e.seedTwoCompanies()
	e.setSources()
	s1 := e.sale(e.a, local(mexico, 2025, 3, 10, 23, 30), "80.00", "MXN", "voided")
	s2 := e.sale(e.a, local(mexico, 2025, 3, 11, 0, 30), "19.99", "MXN", "completed")
	s3 := e.sale(e.a, local(mexico, 2025, 3, 11, 9, 0), "0.01", "MXN", "completed")
	r1 := e.saleReturn(e.a, s2, local(mexico, 2025, 3, 11, 10, 0), "5.00")
	created := func(id uuid.UUID) Event {
		return Event{Topic: topicSaleCreated, Payload: []byte(`{"sale_id":"` + id.String() + `"}`)}
	}
	batch := []Event{
		created(s1), created(s2),
		{Topic: topicSaleVoided, Payload: []byte(`{"sale_id":"` + s1.String() + `"}`)},
		{Topic: "tv.sale.printed", Payload: []byte(`{}`)},
		created(s3),
		{Topic: topicSaleReturned, Payload: []byte(`{"sale_id":"` + s2.String() + `","return_id":"` + r1.String() + `"}`)},
	}
	require.NoError(t, store.TenantTx(t.Context(), e.pool, e.a, func(tx pgx.Tx) error {
		return e.svc.ApplyEvents(t.Context(), tx, e.a, batch)
	}))
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "0.00", 0}, {"2025-03-11", "MXN", "15.00", 3}},
		e.rollupRows(e.a, date(2025, 3, 10), date(2025, 3, 11)))

	// Company B's transaction cannot see A's sale: the whole call fails and
	// B's rollup stays empty.
	other := e.sale(e.b, local(mexico, 2025, 3, 11, 9, 0), "7.00", "ARS", "completed")
	err := store.TenantTx(t.Context(), e.pool, e.b, func(tx pgx.Tx) error {
		return e.svc.ApplyEvents(t.Context(), tx, e.b, []Event{created(other), created(s2)})
	})
	require.ErrorContains(t, err, s2.String()+" is not in the cpg_pos source")
	require.Empty(t, e.rollupRows(e.b, date(2025, 3, 10), date(2025, 3, 11)))
}

// rollupRows returns company's revenue_rollup rows over [from, to].
func (e *env) rollupRows(company uuid.UUID, from, to time.Time) []RevenueRow {
	e.t.Helper()
	rows, err := e.pool.Query(e.t.Context(), `SELECT day::text, currency, amount::text, count FROM revenue_rollup
WHERE company_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, currency`, company, from, to)
	require.NoError(e.t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RevenueRow, error) {
		var x RevenueRow
		err := r.Scan(&x.Key, &x.Currency, &x.Amount, &x.Count)
		x.Amount = normalizeAmount(x.Amount)
		return x, err
	})
	require.NoError(e.t, err)
	return out
}
