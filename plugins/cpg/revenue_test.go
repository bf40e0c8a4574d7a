package cpg_test

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/plugins/cpg"
)

// TestConsignmentRevenue follows a consignment through the host's revenue
// report: goods sent are still the company's, so nothing counts until the
// consignee reports sales, which count at the agreed price on the day they
// are reported, at once through the rollup (a declared revenue event) and
// alike in the views after a refresh; returns and settlements (payments of
// what was reported) add nothing. Another company sees none of it.
func TestConsignmentRevenue(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	a, b := p.newCompany(t, "MX"), p.newCompany(t, "MX")
	v := a.product("CONS-REV", "25.00", "12.00")
	a.stock(v, "20")
	cust := a.ok(http.StatusCreated, "manager", "POST", "/customers", map[string]any{"name": "Tienda La Esquina", "consignee": true})
	c := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(v, "10")}})
	id := c["id"].(string)
	require.Equal(t, "250.00", c["value_at_price"])

	mexico, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	// report reads today's revenue by type; refreshed first, the views
	// answer for the consignments, else the rollup.
	report := func(tn *company, refresh bool) map[string]any {
		t.Helper()
		if refresh {
			p.h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", p.adminToken(t), nil)
		}
		today := time.Now().In(mexico).Format(time.DateOnly)
		return p.h.Expect(http.StatusOK, "GET", "/api/v1/reports/revenue?from="+today+"&to="+today+"&group_by=transaction_type",
			tn.Tokens["viewer"], nil).JSON(t)
	}
	revenue := func(tn *company) []any { return report(tn, true)["data"].([]any) }
	// fresh polls the rollup (no refresh) until it shows want, for at
	// most 5 s on this shared machine; the report must come from it.
	fresh := func(want []any) {
		t.Helper()
		start := time.Now()
		var got map[string]any
		hosttest.Eventually(t, 5*time.Second, "the rollup shows the sales report", func() bool {
			got = report(a, false)
			return reflect.DeepEqual(got["data"], want)
		})
		require.Equal(t, "rollup", got["source"])
		t.Logf("the sales report reached the revenue report %s after its response", time.Since(start))
	}
	consigned := func(amount string, count float64) []any {
		return []any{map[string]any{"key": "cpg_consignment", "currency": "MXN", "amount": amount, "count": count}}
	}

	a.ok(http.StatusOK, "manager", "POST", "/consignments/"+id+"/send", nil)
	require.Empty(t, revenue(a), "goods sent are not sold: 250.00 at price is no revenue")

	// 3 × 25.00 reported sold, then 50.00 of it paid and 4 units back.
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "3")}})
	fresh(consigned("75.00", 1))
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "50.00", "method": "transfer"})
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/returns", map[string]any{"lines": []any{line(v, "4")}})
	require.Equal(t, consigned("75.00", 1), revenue(a))

	// 1 more sold (25.00), the other 2 back, the 50.00 still owed paid.
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "1")}})
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/returns", map[string]any{"lines": []any{line(v, "2")}})
	done := a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "50.00", "method": "cash"})
	require.Equal(t, "settled", done["status"])
	require.Equal(t, consigned("100.00", 2), revenue(a), "3 + 1 units at 25.00 in two reports")
	require.Empty(t, revenue(b), "company B sees none of A's revenue")

	// The host subscribed to what the manifest declares: its revenue events
	// for the rollup, its large-transaction topic for a refresh; and no
	// event of the rollup's was parked.
	var subs struct{ Data []map[string]any }
	p.h.Expect(http.StatusOK, "GET", "/api/v1/admin/events/subscriptions", p.adminToken(t), nil).Decode(t, &subs)
	patterns := map[string]any{}
	for _, s := range subs.Data {
		patterns[s["name"].(string)] = s["pattern"]
		if s["name"] == "host.revenue_rollup" {
			require.EqualValues(t, 0, s["dead_letters"], "%v", s)
		}
	}
	require.Equal(t, "cpg.*.*", patterns["host.revenue_rollup"])
	require.Equal(t, "cpg.consignment.large", patterns["host.large_transactions"])

	// The views' source holds the same two reports as the rollup.
	var (
		n     int
		total string
	)
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT count(*), sum(amount)::text FROM ("+
		cpg.New().Manifest().UniversalSources["cpg_consignment"]+") u WHERE company_id = $1", a.ID).Scan(&n, &total))
	require.Equal(t, 2, n)
	require.Equal(t, "100.00", total)
}
