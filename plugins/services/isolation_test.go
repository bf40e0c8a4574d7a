package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTenantIsolation: another company sees none of a company's clients,
// contracts, billing runs, charges, payments or receivables, cannot move
// or pay them, and its own billing run charges none of them.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b := mexican(t, h), mexican(t, h)
	client := a.client("Despacho Privado")
	contract := a.contract(client, "1000.00", "active", nil)
	run := a.run("2026-12")["id"].(string)
	charge := a.charges("")[0]["id"].(string)
	payment := a.ok(http.StatusCreated, "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "100", "method": "cash"})["id"].(string)
	require.NotEmpty(t, payment)

	for _, path := range []string{"/clients/" + client, "/contracts/" + contract, "/billing-runs/" + run, "/charges/" + charge, "/charges/" + charge + "/payments"} {
		b.fail(http.StatusNotFound, "not_found", "GET", path, nil)
	}
	for _, path := range []string{"/clients", "/contracts", "/billing-runs", "/charges", "/charges?client_id=" + client, "/contracts?client_id=" + client} {
		rows, _ := b.page(path)
		require.Empty(t, rows, path)
	}
	rep := b.ok(http.StatusOK, "GET", "/reports/aging?as_of=2030-01-01", nil)
	require.Empty(t, rep["data"])
	require.Empty(t, rep["summary"])

	b.fail(http.StatusNotFound, "not_found", "POST", "/contracts/"+contract+"/suspend", nil)
	b.fail(http.StatusNotFound, "not_found", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "1", "method": "cash"})
	b.fail(http.StatusUnprocessableEntity, "unknown_client", "POST", "/contracts", map[string]any{"client_id": client, "description": "X",
		"monthly_fee": "1", "start_date": "2026-01-01", "billing_day": 1})
	// B may register the same taxpayer as a client of its own.
	taxID := a.ok(http.StatusOK, "GET", "/clients/"+client, nil)["tax_id"]
	b.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Same taxpayer", "tax_id": taxID})
	other := b.run("2026-12")
	require.EqualValues(t, 0, other["charges_created"])
	require.EqualValues(t, 0, other["already_billed"])

	k := a.ok(http.StatusOK, "GET", "/contracts/"+contract, nil)
	require.Equal(t, "active", k["status"])
	c := a.ok(http.StatusOK, "GET", "/charges/"+charge, nil)
	require.Equal(t, "100.00", c["paid"])
	require.Empty(t, b.topics(), "B published nothing but its own")
}
