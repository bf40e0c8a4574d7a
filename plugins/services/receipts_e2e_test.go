package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakepac"
)

// TestPaymentReceiptsThroughHost: through a real host and the fake PAC, a
// Mexican charge due after the day it is invoiced is stamped PPD, and each
// payment of it takes a CFDI of type P numbered in serie P with the
// installment and balances the host computed; the receipts are with the
// company's CFDIs as tipo P; another company reaches none of them.
func TestPaymentReceiptsThroughHost(t *testing.T) {
	t.Parallel()
	pac := fakepac.Start(t)
	h := startHost(t, pac.Env()...)
	r := &remote{t: t, h: h, Tenant: pac.NewTenant(t, h, "services")}
	client := r.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "UNIVERSIDAD ROBOTICA ESPAÑOLA", "tax_id": "URE180429TM6",
		"fiscal": map[string]any{"condition": "601", "postal_code": "64000", "use": "G03"}})["id"]
	contract := r.ok(http.StatusCreated, "manager", "POST", "/contracts", map[string]any{"client_id": client, "description": "Contabilidad mensual",
		"monthly_fee": "1000.00", "start_date": "2026-01-01", "billing_day": 10})["id"].(string)
	r.ok(http.StatusOK, "manager", "POST", "/contracts/"+contract+"/activate", nil)
	r.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2030-01"})
	charge := r.ok(http.StatusOK, "viewer", "GET", "/charges?period=2030-01", nil)["data"].([]any)[0].(map[string]any)["id"].(string)
	invoice := r.ok(http.StatusOK, "cashier", "POST", "/charges/"+charge+"/invoice", nil)
	require.Equal(t, "authorized", invoice["status"], "%v", invoice["messages"])
	require.Equal(t, true, invoice["input"].(map[string]any)["deferred"])

	var paid []string
	for i, step := range []struct{ amount, previous, balance string }{{"400.00", "1160.00", "760.00"}, {"760.00", "760.00", "0.00"}} {
		p := r.ok(http.StatusCreated, "cashier", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": step.amount, "method": "transfer"})
		require.Equal(t, "authorized", p["fiscal_status"], "%v", p["fiscal_error_code"])
		require.Equal(t, "P", p["fiscal_series"])
		paid = append(paid, p["id"].(string))
		receipt := r.ok(http.StatusOK, "viewer", "GET", "/payments/"+p["id"].(string)+"/receipt", nil)
		require.Equal(t, "payment_receipt", receipt["kind"])
		require.Equal(t, []any{map[string]any{"document_id": invoice["id"], "number": float64(i + 1), "previous_balance": step.previous,
			"paid": step.amount, "balance": step.balance}}, receipt["details"].(map[string]any)["installments"])
	}
	require.Equal(t, 3, pac.Calls(fakepac.PathStamp), "the invoice and two receipts")
	cfdis := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/invoices?tipo=P", r.Tokens["viewer"], nil).JSON(t)["data"].([]any)
	require.Len(t, cfdis, 2)

	other := newRemote(t, h, "MX")
	other.ok(http.StatusNotFound, "viewer", "GET", "/payments/"+paid[0]+"/receipt", nil)
	require.Empty(t, h.Expect(http.StatusOK, http.MethodGet, "/api/v1/fiscal/documents?kind=payment_receipt", other.Tokens["viewer"], nil).JSON(t)["data"])
}
