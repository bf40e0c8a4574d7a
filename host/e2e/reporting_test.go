package e2e

import (
	"net/http"
	"os"
	"testing"

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
	h.Expect(http.StatusCreated, "POST", "/api/v1/companies/"+company+"/members", admin,
		map[string]string{"email": "conta@eku.mx", "password": "password-manager", "role": "admin"})
	token := h.Login("conta@eku.mx", "password-manager")
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
