package services_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestBillingRun: a run charges each contract that is active and started
// by the period's end, once: the monthly fee plus IVA from the calculator,
// due on the billing day (the month's last day when shorter), one
// services.charge.created per charge. Running the period again charges
// nothing more.
func TestBillingRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	client := a.client("Despacho Núñez")
	active := a.contract(client, "1000.00", "active", map[string]any{"billing_day": 31})
	exempt := a.contract(client, "333.33", "active", map[string]any{"tax_rate": "iva8", "currency": "USD"})
	a.contract(client, "500.00", "suspended", nil)
	a.contract(client, "700.00", "draft", nil)
	a.contract(client, "900.00", "active", map[string]any{"start_date": "2026-03-01"})
	ended := a.contract(client, "800.00", "active", nil)
	a.ok(http.StatusOK, "POST", "/contracts/"+ended+"/terminate", nil)

	run := a.run("2026-02")
	require.EqualValues(t, 2, run["charges_created"], "active, started by Feb 28: %v", run)
	require.EqualValues(t, 0, run["already_billed"])
	got := map[string]map[string]any{}
	for _, ch := range a.charges("period=2026-02") {
		got[ch["contract_id"].(string)] = ch
	}
	require.Len(t, got, 2)
	ch := got[active]
	require.Equal(t, "1000.00", ch["subtotal"])
	require.Equal(t, "160.00", ch["tax"])
	require.Equal(t, "1160.00", ch["total"])
	require.Equal(t, "1160.00", ch["balance"])
	require.Equal(t, "0.00", ch["paid"])
	require.Equal(t, "2026-02-28", ch["due_date"], "billing day 31 in February")
	require.Equal(t, "open", ch["status"])
	require.Equal(t, run["id"], ch["billing_run_id"])
	require.Equal(t, client, ch["client_id"])
	usd := got[exempt]
	require.Equal(t, "USD", usd["currency"])
	require.Equal(t, "26.67", usd["tax"], "333.33 × 8 % = 26.6664, rounded half away from zero")
	require.Equal(t, "360.00", usd["total"])
	require.Equal(t, "2026-02-10", usd["due_date"])

	again := a.run("2026-02")
	require.EqualValues(t, 0, again["charges_created"])
	require.EqualValues(t, 2, again["already_billed"])
	require.Len(t, a.charges("period=2026-02"), 2)
	march := a.run("2026-03")
	require.EqualValues(t, 3, march["charges_created"], "the contract starting in March joins")
	require.Equal(t, 5, a.topics()["services.charge.created"])

	// The event names the charge, as the revenue contract needs.
	for _, ev := range h.Events() {
		if ev.Topic != "services.charge.created" || ev.CompanyID != a.h.Company().ID {
			continue
		}
		var p map[string]string
		require.NoError(t, json.Unmarshal(ev.Payload, &p))
		c := a.ok(http.StatusOK, "GET", "/charges/"+p["charge_id"], nil)
		require.Equal(t, c["total"], p["total"])
		require.Equal(t, c["period"], p["period"])
	}

	runs, _ := a.page("/billing-runs?period=2026-02")
	require.Len(t, runs, 2)
	require.Equal(t, again["id"], runs[0]["id"], "newest first")
	require.Equal(t, run, a.ok(http.StatusOK, "GET", "/billing-runs/"+run["id"].(string), nil))
	require.Len(t, a.charges("billing_run_id="+march["id"].(string)), 3)
	require.Len(t, a.charges("contract_id="+active), 2)

	for _, p := range []any{"2026-13", "2026-1", "26-01", "1999-12", "", "2026-01-01", 202601} {
		res := a.do("POST", "/billing-runs", map[string]any{"period": p})
		require.Contains(t, []int{400, 422}, res.Status, "%v: %s", p, res.Body)
	}
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/charges?period=2026-13", nil)
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/charges?status=closed", nil)
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/billing-runs?period=x", nil)
	runs, _ = a.page("/billing-runs?limit=500")
	require.Len(t, runs, 3, "refused runs wrote nothing")
}

// TestBillingRunArgentina: IVA 21 % on ARS contracts by default.
func TestBillingRunArgentina(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := argentine(t, h)
	b.contract(b.client("Estudio Sur"), "1234.56", "active", nil)
	b.run("2026-12")
	ch := b.charges("")[0]
	require.Equal(t, "ARS", ch["currency"])
	require.Equal(t, "iva21", ch["tax_code"])
	require.Equal(t, "259.26", ch["tax"])
	require.Equal(t, "1493.82", ch["total"])
}

// TestBillingRunsConcurrent: runs of one period started at the same time
// charge each active contract exactly once between them.
func TestBillingRunsConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	const contracts, runs = 25, 6
	client := a.client("Despacho Concurrente")
	for i := range contracts {
		a.contract(client, fmt.Sprintf("%d.00", 100+i), "active", nil)
	}
	created := make([]float64, runs)
	parallel(runs, func(i int) {
		res := a.do("POST", "/billing-runs", map[string]any{"period": "2026-11"})
		if res.Status != http.StatusCreated {
			t.Errorf("run %d: %d %s", i, res.Status, res.Body)
			return
		}
		var r map[string]any
		res.Decode(t, &r)
		created[i] = r["charges_created"].(float64) // JSON number of whole charges
		require.EqualValues(t, contracts, r["charges_created"].(float64)+r["already_billed"].(float64))
	})
	var sum float64
	for _, n := range created {
		sum += n
	}
	require.EqualValues(t, contracts, sum, "the runs created one charge per contract between them: %v", created)
	require.Len(t, a.charges("period=2026-11"), contracts)
	require.Equal(t, contracts, a.topics()["services.charge.created"], "one event per charge")
}

// TestBillingRunIdempotencyKey: a retried run with the same
// Idempotency-Key answers the original run (the host's idempotency), and
// another body under that key is 409.
func TestBillingRunIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	a.contract(a.client("Despacho Reintento"), "10.00", "active", nil)
	send := func(body string) *sdktest.Response {
		r := httptest.NewRequest("POST", "/billing-runs", strings.NewReader(body))
		r.Header.Set("Idempotency-Key", "run-2026-12")
		return a.h.DoRequest(r)
	}
	first := send(`{"period":"2026-12"}`)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := send(`{"period":"2026-12"}`)
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.JSONEq(t, string(first.Body), string(again.Body))
	other := send(`{"period":"2027-01"}`)
	require.Equal(t, http.StatusConflict, other.Status, string(other.Body))
	require.Equal(t, "idempotency_key_reused", other.ErrorCode())
	runs, _ := a.page("/billing-runs")
	require.Len(t, runs, 1)
}
