package e2e

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestInvoicesAndBankThroughTheHost uploads a CFDI and a bank statement
// through the real host, with real tokens and its body limits.
func TestInvoicesAndBankThroughTheHost(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{}))
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	res := h.Expect(http.StatusCreated, "POST", "/api/v1/companies", admin, map[string]string{
		"name": "Escuela Kemper Urgate", "country": "MX", "currency": "MXN", "tax_id": "EKU9003173C9", "timezone": "America/Mexico_City",
	})
	company := res.JSON(t)["id"].(string)
	token := h.Join(company, admin, "conta@eku.mx", "password-manager", "admin")
	other := h.NewTenant("MX")

	xml, err := os.ReadFile("../internal/invoices/testdata/ingreso.xml")
	require.NoError(t, err)
	created := h.Expect(http.StatusCreated, "POST", "/api/v1/invoices", token, xml, "Content-Type", "application/xml").JSON(t)
	h.Expect(http.StatusOK, "POST", "/api/v1/invoices", token, xml, "Content-Type", "application/xml")
	id := created["id"].(string)
	require.Equal(t, "issued", created["direction"])

	var list struct{ Data []map[string]any }
	h.Expect(http.StatusOK, "GET", "/api/v1/invoices", token, nil).Decode(t, &list)
	require.Len(t, list.Data, 1)
	h.Expect(http.StatusOK, "GET", "/api/v1/invoices", other.Tokens["owner"], nil).Decode(t, &list)
	require.Empty(t, list.Data, "another company sees none of these invoices")
	require.Equal(t, http.StatusNotFound, h.Call("GET", "/api/v1/invoices/"+id, other.Tokens["owner"], nil).Status)

	bad := h.Call("POST", "/api/v1/invoices", token, `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`, "Content-Type", "application/xml")
	require.Equal(t, http.StatusUnprocessableEntity, bad.Status, string(bad.Body))

	account := h.Expect(http.StatusCreated, "POST", "/api/v1/bank/accounts", token,
		map[string]string{"name": "BBVA operativa", "bank": "BBVA", "currency": "MXN"}).JSON(t)["id"].(string)
	ofx, err := os.ReadFile("../internal/banking/testdata/statement_2x.ofx")
	require.NoError(t, err)
	imported := h.Call("POST", "/api/v1/bank/accounts/"+account+"/imports", token, ofx, "Content-Type", "application/x-ofx")
	require.Equal(t, http.StatusCreated, imported.Status, string(imported.Body))
	require.Equal(t, http.StatusNotFound, h.Call("GET", "/api/v1/bank/accounts/"+account, other.Tokens["owner"], nil).Status)
}

// TestRevenueAfterACheckout sells through the CPG vertical and reads the
// revenue API: the rollup answers within a second, a manual refresh
// rebuilds the views, and another company sees none of it.
func TestRevenueAfterACheckout(t *testing.T) {
	t.Parallel()
	cpg := hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg")
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"cpg": cpg}))
	a, b := h.NewTenant("MX", "cpg"), h.NewTenant("MX", "cpg")
	owner := a.Tokens["owner"]
	v := "/api/v1/verticals/cpg"
	loc := h.Expect(http.StatusOK, "GET", v+"/settings", owner, nil).JSON(t)["principal_location_id"].(string)
	product := h.Expect(http.StatusCreated, "POST", v+"/products", owner, map[string]any{
		"name": "Café de olla 500 g", "tax_rate": "16",
		"variants": []map[string]string{{"sku": "CAFE-500", "price": "100.00", "cost": "60.00"}},
	}).JSON(t)
	variant := product["variants"].([]any)[0].(map[string]any)["id"].(string)
	h.Expect(http.StatusCreated, "POST", v+"/stock/adjustments", owner, map[string]any{
		"location_id": loc, "reason": "initial count", "lines": []map[string]string{{"variant_id": variant, "quantity": "10"}},
	})
	register := h.Expect(http.StatusCreated, "POST", v+"/registers", owner, map[string]string{"location_id": loc, "name": "Caja 1"}).JSON(t)["id"].(string)
	session := h.Expect(http.StatusCreated, "POST", v+"/cash-sessions", a.Tokens["cashier"], map[string]string{"register_id": register, "opening_float": "500.00"}).JSON(t)["id"].(string)
	sale := h.Expect(http.StatusCreated, "POST", v+"/sales", a.Tokens["cashier"], map[string]any{
		"session_id": session,
		"lines":      []map[string]string{{"variant_id": variant, "quantity": "2"}},
		"payments":   []map[string]string{{"method": "cash", "amount": "300.00"}},
	}).JSON(t)
	total := sale["total"].(string)
	committed := time.Now()

	today := time.Now().In(mustLoc(t, "America/Mexico_City")).Format("2006-01-02")
	revenue := func(token string) map[string]any {
		return h.Expect(http.StatusOK, "GET", "/api/v1/reports/revenue?from="+today+"&to="+today+"&group_by=transaction_type", token, nil).JSON(t)
	}
	var report map[string]any
	hosttest.Eventually(t, 5*time.Second, "the revenue API reflects the sale", func() bool {
		report = revenue(a.Tokens["viewer"])
		return strings.Contains(fmt.Sprint(report["data"]), "amount:"+total)
	})
	t.Logf("revenue reflected the checkout %s after commit; answered by %v", time.Since(committed), report["source"])

	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	refreshed := h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", admin, nil).JSON(t)
	require.Equal(t, true, refreshed["refreshed"], "%v", refreshed)
	// The company's owner may refresh too, once a minute; a manager may not.
	require.Equal(t, http.StatusForbidden, h.Call("POST", "/api/v1/mv/refresh?force=true", a.Tokens["manager"], nil).Status)
	h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", owner, nil)
	limited := h.Call("POST", "/api/v1/mv/refresh?force=true", owner, nil)
	require.Equal(t, http.StatusTooManyRequests, limited.Status, string(limited.Body))
	require.NotEmpty(t, limited.Header.Get("Retry-After"))
	require.Equal(t, "fresh", h.Expect(http.StatusOK, "GET", "/api/v1/mv/health", admin, nil).JSON(t)["status"])
	require.Contains(t, fmt.Sprint(revenue(a.Tokens["viewer"])["data"]), "amount:"+total, "after the full refresh too")
	require.Empty(t, revenue(b.Tokens["viewer"])["data"], "company B sees none of A's revenue")
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}
