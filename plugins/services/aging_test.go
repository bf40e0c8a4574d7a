package services_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAging: what clients owe at the end of a day, split by days past due
// (0–30, 31–60, 61–90, 90+; not yet due counts as 0), payments made by
// then deducted, per client (paged) and per currency.
func TestAging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	loc, err := time.LoadLocation(a.h.Company().Timezone)
	require.NoError(t, err)
	now := time.Now().In(loc)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	asOf := month.AddDate(0, 1, -1).Format(time.DateOnly) // the month's last day, due dates on the 10th
	period := func(offset int) string { return month.AddDate(0, offset, 0).Format("2006-01") }

	zapata := a.client("Zapata Consultores")
	a.contract(zapata, "100.00", "active", map[string]any{"start_date": month.AddDate(0, -6, 0).Format(time.DateOnly)}) // 116.00 a month
	arce := a.client("Arce y Asociados")
	arceContract := a.contract(arce, "1000.00", "active", map[string]any{"start_date": month.Format(time.DateOnly)})
	for off := -4; off <= 1; off++ {
		a.run(period(off))
	}
	// Zapata: 4 months back (90+) part-paid, the current one paid in full.
	for _, ch := range a.charges("client_id=" + zapata) {
		switch ch["period"] {
		case period(-4):
			a.ok(http.StatusCreated, "POST", "/charges/"+ch["id"].(string)+"/payments", map[string]any{"amount": "16.00", "method": "transfer"})
		case period(0):
			a.ok(http.StatusCreated, "POST", "/charges/"+ch["id"].(string)+"/payments", map[string]any{"amount": "116.00", "method": "transfer"})
		}
	}
	require.Len(t, a.charges("contract_id="+arceContract), 2, "Arce's contract started this month")

	rep := a.ok(http.StatusOK, "GET", "/reports/aging?as_of="+asOf, nil)
	require.Equal(t, asOf, rep["as_of"])
	require.Equal(t, "America/Mexico_City", rep["timezone"])
	bucketsOf := func(d0, d31, d61, d90 string) map[string]any {
		return map[string]any{"0-30": d0, "31-60": d31, "61-90": d61, "90+": d90}
	}
	require.Equal(t, []any{
		map[string]any{"client_id": arce, "client_name": "Arce y Asociados", "currency": "MXN",
			"buckets": bucketsOf("2320.00", "0.00", "0.00", "0.00"), "total": "2320.00", "charges": float64(2)},
		map[string]any{"client_id": zapata, "client_name": "Zapata Consultores", "currency": "MXN",
			"buckets": bucketsOf("116.00", "116.00", "116.00", "216.00"), "total": "564.00", "charges": float64(5)},
	}, rep["data"])
	require.Equal(t, []any{map[string]any{"currency": "MXN", "buckets": bucketsOf("2436.00", "116.00", "116.00", "216.00"),
		"total": "2884.00", "charges": float64(7)}}, rep["summary"])
	require.Nil(t, rep["next_cursor"])

	first := a.ok(http.StatusOK, "GET", "/reports/aging?limit=1&as_of="+asOf, nil)
	require.Len(t, first["data"], 1)
	require.Equal(t, arce, first["data"].([]any)[0].(map[string]any)["client_id"])
	second := a.ok(http.StatusOK, "GET", "/reports/aging?limit=1&as_of="+asOf+"&cursor="+first["next_cursor"].(string), nil)
	require.Equal(t, rep["data"].([]any)[1:], second["data"])
	require.Nil(t, second["next_cursor"])

	// Before the charges were issued, nothing was owed.
	yesterday := now.AddDate(0, 0, -1).Format(time.DateOnly)
	before := a.ok(http.StatusOK, "GET", "/reports/aging?as_of="+yesterday, nil)
	require.Empty(t, before["data"])
	require.Empty(t, before["summary"])

	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/reports/aging?as_of=2026-02-30", nil)
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/reports/aging?as_of=yesterday", nil)
	a.fail(http.StatusBadRequest, "invalid_cursor", "GET", "/reports/aging?cursor=abc", nil)
	a.fail(http.StatusBadRequest, "invalid_limit", "GET", "/reports/aging?limit=1000", nil)
}

// TestAgingTimeZone: the report's day is the company's. The company sits
// in a zone whose date differs from UTC's now (Kiritimati, UTC+14, from
// 10:00 UTC; Pago Pago, UTC−11, before): a charge issued now counts from
// the company's today, not from UTC's, and the default as_of is its today.
func TestAgingTimeZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tz := "Pacific/Pago_Pago"
	if time.Now().UTC().Hour() >= 10 {
		tz = "Pacific/Kiritimati"
	}
	a := mexican(t, h).in(tz)
	loc, err := time.LoadLocation(tz)
	require.NoError(t, err)
	a.contract(a.client("Cliente Lejano"), "100.00", "active", nil)
	a.run("2026-01")
	now := time.Now()
	today := now.In(loc).Format(time.DateOnly)
	require.NotEqual(t, now.UTC().Format(time.DateOnly), today, "the test needs a zone whose date is not UTC's")

	owed := func(asOf string) []any {
		rep := a.ok(http.StatusOK, "GET", "/reports/aging"+asOf, nil)
		return rep["summary"].([]any)
	}
	rep := a.ok(http.StatusOK, "GET", "/reports/aging", nil)
	require.Equal(t, today, rep["as_of"], "by default, today in the company's time zone")
	require.Equal(t, tz, rep["timezone"])
	require.Len(t, rep["summary"], 1)
	require.Len(t, owed("?as_of="+today), 1, "issued today, company time")
	require.Empty(t, owed("?as_of="+now.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)), "not issued yet the company's yesterday")
}
