package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// mxProfile is what a CFDI needs of a client beyond its RFC and name.
var mxProfile = map[string]any{"customer": map[string]any{"condition": "601", "postal_code": "64000", "use": "G03"}}

// invoicedCharge bills a 1000.00 monthly fee for period (1160.00 with
// IVA) and invoices the charge; it returns the charge's id.
func (tn *tenant) invoicedCharge(period string) string {
	tn.t.Helper()
	tn.contract(tn.client("Despacho "+period), "1000.00", "active", nil)
	tn.run(period)
	charge := tn.charges("period=" + period)[0]["id"].(string)
	require.Equal(tn.t, "authorized", tn.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", mxProfile)["status"])
	return charge
}

// pay records a payment of amount by transfer and returns it.
func (tn *tenant) pay(charge, amount string) map[string]any {
	tn.t.Helper()
	return tn.ok(http.StatusCreated, "POST", "/charges/"+charge+"/payments", map[string]any{"amount": amount, "method": "transfer", "reference": "SPEI-1"})
}

// installment is the receipt's one installment.
func installment(t *testing.T, receipt map[string]any) map[string]any {
	t.Helper()
	require.Equal(t, "payment_receipt", receipt["kind"])
	list := receipt["details"].(map[string]any)["installments"].([]any)
	require.Len(t, list, 1)
	return list[0].(map[string]any)
}

// TestPaymentReceipts: a Mexican charge due after the day it is invoiced
// is invoiced deferred, and each payment takes a receipt whose
// installment and balances the host computed; a payment the fiscal
// service could not take, or made before the invoice, gets its receipt
// from the job; another company reaches none of it.
func TestPaymentReceipts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mx := mexican(t, h)
	mx.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	charge := mx.invoicedCharge("2030-01")
	docs := mx.h.FiscalDocuments()
	require.True(t, docs[len(docs)-1].Input.Deferred, "due 2030-01-10, after the day it was invoiced")

	first := mx.pay(charge, "400.00")
	require.Equal(t, "authorized", first["fiscal_status"])
	require.Equal(t, "partially_paid", first["charge"].(map[string]any)["status"])
	receipt := mx.ok(http.StatusOK, "GET", "/payments/"+first["id"].(string)+"/receipt", nil)
	require.Equal(t, first["fiscal_document_id"], receipt["id"])
	require.Equal(t, map[string]any{"document_id": receipt["input"].(map[string]any)["payment"].(map[string]any)["documents"].([]any)[0].(map[string]any)["document_id"],
		"number": float64(1), "previous_balance": "1160.00", "paid": "400.00", "balance": "760.00"}, installment(t, receipt))
	require.Equal(t, "400.00", receipt["total"])

	second := mx.pay(charge, "760.00")
	require.Equal(t, "paid", second["charge"].(map[string]any)["status"])
	inst := installment(t, mx.ok(http.StatusOK, "GET", "/payments/"+second["id"].(string)+"/receipt", nil))
	require.Equal(t, []any{float64(2), "760.00", "760.00", "0.00"}, []any{inst["number"], inst["previous_balance"], inst["paid"], inst["balance"]})
	// Issuing again by hand answers the same receipt.
	require.Equal(t, second["fiscal_document_id"], mx.ok(http.StatusOK, "POST", "/payments/"+second["id"].(string)+"/receipt", nil)["id"])

	// The fiscal service unavailable: the payment is recorded, its receipt
	// pending, and the job issues it.
	next := mx.invoicedCharge("2030-02")
	mx.h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	late := mx.pay(next, "100.00")
	require.Equal(t, []any{"pending", "fiscal_service_unavailable"}, []any{late["fiscal_status"], late["fiscal_error_code"]})
	require.Equal(t, "draft", mx.ok(http.StatusOK, "GET", "/payments/"+late["id"].(string)+"/receipt", nil)["status"], "stored, not issued")
	mx.h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	// A payment of a charge not invoiced yet waits for its invoice.
	mx.contract(mx.client("Despacho temprano"), "500.00", "active", nil)
	mx.run("2030-03")
	early := mx.charges("period=2030-03")[0]["id"].(string)
	before := mx.pay(early, "80.00")
	require.Nil(t, before["fiscal_status"])
	mx.fail(http.StatusConflict, "charge_not_invoiced", "POST", "/payments/"+before["id"].(string)+"/receipt", nil)
	require.Equal(t, "authorized", mx.ok(http.StatusOK, "POST", "/charges/"+early+"/invoice", mxProfile)["status"])
	require.NoError(t, mx.h.RunJob(t.Context(), "issue_payment_receipts"))
	for _, p := range []map[string]any{late, before} {
		inst := installment(t, mx.ok(http.StatusOK, "GET", "/payments/"+p["id"].(string)+"/receipt", nil))
		require.Equal(t, float64(1), inst["number"])
		require.Equal(t, p["amount"], inst["paid"])
	}
	payments, _ := mx.page("/charges/" + next + "/payments")
	require.Equal(t, "authorized", payments[0]["fiscal_status"])

	// Another company reaches neither the payment nor its receipt.
	other := mexican(t, h)
	other.fail(http.StatusNotFound, "not_found", "GET", "/payments/"+first["id"].(string)+"/receipt", nil)
	other.fail(http.StatusNotFound, "not_found", "POST", "/payments/"+first["id"].(string)+"/receipt", nil)
}

// TestPaymentsWithoutReceipt: an Argentine charge is never invoiced
// deferred, so its payments take no receipt.
func TestPaymentsWithoutReceipt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ar := argentine(t, h)
	ar.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	ar.contract(ar.client("Estudio"), "1000.00", "active", nil)
	ar.run("2030-01")
	charge := ar.charges("period=2030-01")[0]["id"].(string)
	ar.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", map[string]any{"customer": map[string]any{"condition": "responsable_inscripto"}})
	require.False(t, ar.h.FiscalDocuments()[0].Input.Deferred)
	p := ar.pay(charge, "100.00")
	require.Equal(t, "not_required", p["fiscal_status"])
	ar.fail(http.StatusNotFound, "fiscal_document_not_found", "GET", "/payments/"+p["id"].(string)+"/receipt", nil)
	ar.fail(http.StatusConflict, "payment_receipt_not_required", "POST", "/payments/"+p["id"].(string)+"/receipt", nil)
}

// TestCreditedChargeReceipt: a credit's credit note lowers what the
// invoice owes, so paying the rest settles it at installment 1.
func TestCreditedChargeReceipt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mx := mexican(t, h)
	mx.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	charge := mx.invoicedCharge("2030-01")
	credit := mx.ok(http.StatusCreated, "POST", "/charges/"+charge+"/credits", map[string]any{"amount": "160.00", "reason": "Descuento por pronto pago"})
	require.Equal(t, "authorized", credit["fiscal_status"])
	p := mx.pay(charge, "1000.00")
	inst := installment(t, mx.ok(http.StatusOK, "GET", "/payments/"+p["id"].(string)+"/receipt", nil))
	require.Equal(t, []any{float64(1), "1000.00", "1000.00", "0.00"}, []any{inst["number"], inst["previous_balance"], inst["paid"], inst["balance"]})
}

// TestReceiptRetries: a receipt the fiscal service could not take (503)
// is retried by the job at its next two runs, then backing off: a run
// before the next attempt is due leaves it; a manual issuance does not
// wait.
// (A receipt whose data the host refuses is TestRefusedDataThroughHost's:
// sdktest's stand-in takes the form "other".)
func TestReceiptRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mx := mexican(t, h)
	mx.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	charge := mx.invoicedCharge("2030-01")
	attempts := func(payment string) any {
		rows, _ := mx.page("/charges/" + charge + "/payments")
		for _, p := range rows {
			if p["id"] == payment {
				return p["fiscal_attempts"]
			}
		}
		t.Fatalf("no payment %s", payment)
		return nil
	}

	mx.h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	late := mx.pay(charge, "200.00")
	id := late["id"].(string)
	require.Equal(t, []any{"pending", "fiscal_service_unavailable"}, []any{late["fiscal_status"], late["fiscal_error_code"]})
	require.NotNil(t, late["fiscal_next_attempt_at"], "due at the job's next run")
	for _, want := range []float64{2, 3} {
		require.NoError(t, mx.h.RunJob(t.Context(), "issue_payment_receipts"))
		require.Equal(t, want, attempts(id), "retried at the next run")
	}
	require.NoError(t, mx.h.RunJob(t.Context(), "issue_payment_receipts"))
	require.Equal(t, float64(3), attempts(id), "not due again before a minute")
	mx.h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	require.Equal(t, "authorized", mx.ok(http.StatusOK, "POST", "/payments/"+id+"/receipt", nil)["status"], "a manual issuance does not wait")
}
