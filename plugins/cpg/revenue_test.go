package cpg_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConsignmentRevenue follows a consignment through the host's revenue
// report: goods sent are still the company's, so nothing counts until the
// consignee reports sales, which count at the agreed price on the day they
// are reported; returns and settlements (payments of what was reported)
// add nothing. Another company sees none of it.
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
	revenue := func(tn *company) []any {
		t.Helper()
		p.h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", p.adminToken(t), nil)
		today := time.Now().In(mexico).Format(time.DateOnly)
		res := p.h.Expect(http.StatusOK, "GET", "/api/v1/reports/revenue?from="+today+"&to="+today+"&group_by=transaction_type",
			tn.Tokens["viewer"], nil).JSON(t)
		return res["data"].([]any)
	}
	consigned := func(amount string, count float64) []any {
		return []any{map[string]any{"key": "cpg_consignment", "currency": "MXN", "amount": amount, "count": count}}
	}

	a.ok(http.StatusOK, "manager", "POST", "/consignments/"+id+"/send", nil)
	require.Empty(t, revenue(a), "goods sent are not sold: 250.00 at price is no revenue")

	// 3 × 25.00 reported sold, then 50.00 of it paid and 4 units back.
	a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "3")}})
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
}
