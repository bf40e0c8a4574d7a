package services_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

// TestContracts: a contract starts as a draft with the company's currency
// and default IVA, and moves only as its state machine allows: draft →
// active ⇄ suspended → terminated, each move by a manager, published.
func TestContracts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	client := a.client("Despacho Ruiz")

	k := a.ok(http.StatusCreated, "POST", "/contracts", map[string]any{"client_id": client, "description": "Nómina y contabilidad",
		"monthly_fee": "2500.5", "start_date": "2026-03-15", "billing_day": 31})
	id := k["id"].(string)
	require.Equal(t, "draft", k["status"])
	require.Equal(t, "2500.50", k["monthly_fee"], "money renders the currency's two decimals")
	require.Equal(t, "MXN", k["currency"])
	require.Equal(t, "iva16", k["tax_code"])
	require.Equal(t, "2026-03-15", k["start_date"])

	usd := a.ok(http.StatusCreated, "POST", "/contracts", map[string]any{"client_id": client, "description": "Asesoría",
		"monthly_fee": "300", "currency": "usd", "tax_rate": "iva0", "start_date": "2026-01-01", "billing_day": 1})
	require.Equal(t, "USD", usd["currency"])
	require.Equal(t, "iva0", usd["tax_code"])

	steps := []struct {
		action, status string
	}{
		{"activate", "active"}, {"suspend", "suspended"}, {"resume", "active"}, {"suspend", "suspended"}, {"terminate", "terminated"},
	}
	for _, s := range steps {
		got := a.ok(http.StatusOK, "POST", "/contracts/"+id+"/"+s.action, `{"note":"per client request"}`)
		require.Equal(t, s.status, got["status"], s.action)
	}
	for _, action := range []string{"activate", "suspend", "resume", "terminate"} {
		a.fail(http.StatusConflict, "invalid_transition", "POST", "/contracts/"+id+"/"+action, nil)
	}
	require.Equal(t, map[string]int{"services.contract.activated": 1, "services.contract.suspended": 2,
		"services.contract.resumed": 1, "services.contract.terminated": 1}, a.topics())

	draft := a.contract(client, "100", "draft", nil)
	a.fail(http.StatusConflict, "invalid_transition", "POST", "/contracts/"+draft+"/resume", nil)
	a.as(sdk.RoleCashier).fail(http.StatusForbidden, "insufficient_role", "POST", "/contracts/"+draft+"/activate", nil)
	a.fail(http.StatusNotFound, "not_found", "POST", "/contracts/"+uuid.NewString()+"/activate", nil)
	a.fail(http.StatusBadRequest, "unknown_field", "POST", "/contracts/"+draft+"/activate", `{"reason":"x"}`)

	rows, _ := a.page("/contracts?status=terminated")
	require.Len(t, rows, 1)
	require.Equal(t, id, rows[0]["id"])
	rows, _ = a.page("/contracts?client_id=" + client + "&limit=500")
	require.Len(t, rows, 3)
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/contracts?status=gone", nil)
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/contracts?client_id=x", nil)

	body := func(field string, value any) map[string]any {
		b := map[string]any{"client_id": client, "description": "X", "monthly_fee": "10.00", "start_date": "2026-01-01", "billing_day": 5}
		if value == nil {
			delete(b, field)
		} else {
			b[field] = value
		}
		return b
	}
	for _, tc := range []struct {
		field  string
		value  any
		status int
		code   string
	}{
		{"monthly_fee", "0", 422, "invalid_field"},
		{"monthly_fee", "-10", 422, "invalid_field"},
		{"monthly_fee", "10.001", 422, "invalid_field"},
		{"monthly_fee", "1e3", 422, "invalid_field"},
		{"monthly_fee", "99999999999999", 422, "invalid_field"},
		{"monthly_fee", nil, 422, "invalid_field"},
		{"monthly_fee", 10, 400, "invalid_field"},
		{"currency", "EUR", 422, "unknown_currency"},
		{"tax_rate", "iva21", 422, "invalid_field"},
		{"start_date", "2026-02-30", 422, "invalid_field"},
		{"start_date", nil, 422, "invalid_field"},
		{"billing_day", 0, 422, "invalid_field"},
		{"billing_day", 32, 422, "invalid_field"},
		{"client_id", "x", 422, "invalid_field"},
		{"client_id", uuid.NewString(), 422, "unknown_client"},
		{"description", "", 422, "invalid_field"},
	} {
		e := a.fail(tc.status, tc.code, "POST", "/contracts", body(tc.field, tc.value))
		if tc.status == 422 {
			require.Equal(t, tc.field, e["details"].(map[string]any)["field"], "%v", e)
		}
	}
	rows, _ = a.page("/contracts?limit=500")
	require.Len(t, rows, 3, "refused contracts wrote nothing")
}
