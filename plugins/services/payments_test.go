package services_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

// TestPayments: partial payments move a charge from open to
// partially_paid and the last one to paid; paying more than is owed is a
// 422 that writes nothing, also when payments race.
func TestPayments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	a.contract(a.client("Despacho Ortiz"), "1000.00", "active", nil)
	a.run("2026-10")
	charge := a.charges("")[0]["id"].(string)
	pay := func(amount string) map[string]any {
		return a.as(sdk.RoleCashier).ok(http.StatusCreated, "POST", "/charges/"+charge+"/payments",
			map[string]any{"amount": amount, "method": "transfer", "reference": "SPEI 123"})
	}

	p := pay("500")
	require.Equal(t, "500.00", p["amount"])
	require.Equal(t, "MXN", p["currency"])
	require.Equal(t, "partially_paid", p["charge"].(map[string]any)["status"])
	require.Equal(t, "660.00", p["charge"].(map[string]any)["balance"])

	e := a.fail(http.StatusUnprocessableEntity, "overpayment", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "660.01", "method": "cash"})
	require.Equal(t, map[string]any{"field": "amount", "amount": "660.01", "balance": "660.00"}, e["details"])

	p = pay("160.00")
	require.Equal(t, "partially_paid", p["charge"].(map[string]any)["status"])
	p = pay("500.00")
	c := p["charge"].(map[string]any)
	require.Equal(t, "paid", c["status"])
	require.Equal(t, "1160.00", c["paid"])
	require.Equal(t, "0.00", c["balance"])
	a.fail(http.StatusUnprocessableEntity, "overpayment", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "0.01", "method": "cash"})

	rows, next := a.page("/charges/" + charge + "/payments?limit=2")
	require.Len(t, rows, 2)
	require.NotNil(t, next)
	more, next := a.page("/charges/" + charge + "/payments?limit=2&cursor=" + *next)
	require.Len(t, more, 1)
	require.Nil(t, next)
	require.Equal(t, []any{"500.00", "160.00", "500.00"}, []any{rows[0]["amount"], rows[1]["amount"], more[0]["amount"]})
	require.Equal(t, 3, a.topics()["services.payment.received"])

	at := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"amount": "0", "method": "cash"}, 422, "invalid_field"},
		{map[string]any{"amount": "-1", "method": "cash"}, 422, "invalid_field"},
		{map[string]any{"amount": "1.005", "method": "cash"}, 422, "invalid_field"},
		{map[string]any{"amount": "1", "method": "bitcoin"}, 422, "invalid_field"},
		{map[string]any{"amount": "1", "method": "cash", "paid_at": "yesterday"}, 422, "invalid_field"},
		{map[string]any{"amount": "1", "method": "cash", "paid_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, 422, "invalid_field"},
		{map[string]any{"amount": 1, "method": "cash"}, 400, "invalid_field"},
	} {
		a.fail(tc.status, tc.code, "POST", "/charges/"+charge+"/payments", tc.body)
	}
	a.fail(http.StatusNotFound, "not_found", "POST", "/charges/"+uuid.NewString()+"/payments", map[string]any{"amount": "1", "method": "cash"})
	a.fail(http.StatusNotFound, "not_found", "GET", "/charges/"+uuid.NewString()+"/payments", nil)
	a.as(sdk.RoleViewer).fail(http.StatusForbidden, "insufficient_role", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "1", "method": "cash"})

	// A payment received earlier keeps its time.
	a.contract(a.client("Despacho Vela"), "100.00", "active", nil)
	a.run("2026-11")
	other := a.charges("status=open")[0]["id"].(string)
	p = a.ok(http.StatusCreated, "POST", "/charges/"+other+"/payments", map[string]any{"amount": "16", "method": "card", "paid_at": at.Format(time.RFC3339)})
	require.Equal(t, at.Format(time.RFC3339), p["paid_at"])
	require.Len(t, a.charges("status=partially_paid"), 1)
	require.Len(t, a.charges("status=paid"), 1)
}

// TestPaymentsConcurrent: payments racing for one charge never pay more
// than its total: the charge is locked while each is checked.
func TestPaymentsConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	a.contract(a.client("Despacho Carrera"), "100.00", "active", nil)
	a.run("2026-09")
	charge := a.charges("")[0]["id"].(string)
	const n = 8 // 8 × 20.00 against 116.00: five fit
	statuses := make([]int, n)
	parallel(n, func(i int) {
		statuses[i] = a.do("POST", "/charges/"+charge+"/payments", map[string]any{"amount": "20.00", "method": "cash"}).Status
	})
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	require.Equal(t, map[int]int{http.StatusCreated: 5, http.StatusUnprocessableEntity: 3}, counts)
	c := a.ok(http.StatusOK, "GET", "/charges/"+charge, nil)
	require.Equal(t, "100.00", c["paid"])
	require.Equal(t, "16.00", c["balance"])
	require.Equal(t, "partially_paid", c["status"])
	rows, _ := a.page("/charges/" + charge + "/payments")
	require.Len(t, rows, 5)
}
