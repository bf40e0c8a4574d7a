package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestChargeInvoice: a charge is invoiced through sdktest's stand-in for
// the host's fiscal service (which checks the document as the host does):
// services for the contract's period, due on the charge's due date, to
// the client; once; the rejection and unavailability answers come back
// unchanged; another company reaches nothing.
func TestChargeInvoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := argentine(t, h)
	client := a.client("Estudio Pérez")
	a.contract(client, "1000.00", "active", nil)
	a.run("2026-02")
	charge := a.charges("period=2026-02")[0]["id"].(string)

	a.fail(http.StatusUnprocessableEntity, "fiscal_not_configured", "POST", "/charges/"+charge+"/invoice", nil)
	a.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	doc := a.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", map[string]any{"customer": map[string]any{"condition": "responsable_inscripto"}})
	require.Equal(t, "authorized", doc["status"])
	again := a.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", map[string]any{"customer": map[string]any{"condition": "responsable_inscripto"}})
	require.Equal(t, doc["id"], again["id"])
	require.Equal(t, doc["id"], a.ok(http.StatusOK, "GET", "/charges/"+charge+"/invoice", nil)["id"])

	docs := a.h.FiscalDocuments()
	require.Len(t, docs, 1)
	in := docs[0].Input
	require.Equal(t, fiscal.ConceptServices, in.Concept)
	require.Equal(t, "2026-02-01", in.ServiceFrom)
	require.Equal(t, "2026-02-28", in.ServiceTo)
	require.Equal(t, "2026-02-10", in.PaymentDue)
	require.Equal(t, "responsable_inscripto", in.Customer.Condition)
	require.Equal(t, "Estudio Pérez", in.Customer.Name)
	require.Equal(t, "1210.00", in.Totals.Total.StringFixed(2))

	a.run("2026-03")
	next := a.charges("period=2026-03")[0]["id"].(string)
	a.h.SetFiscalOutcome("unavailable")
	a.fail(http.StatusServiceUnavailable, "fiscal_service_unavailable", "POST", "/charges/"+next+"/invoice", nil)
	a.h.SetFiscalOutcome("reject")
	a.fail(http.StatusUnprocessableEntity, "fiscal_document_rejected", "POST", "/charges/"+next+"/invoice", nil)

	b := argentine(t, h)
	b.fail(http.StatusNotFound, "not_found", "POST", "/charges/"+charge+"/invoice", nil)
	b.fail(http.StatusNotFound, "not_found", "GET", "/charges/"+charge+"/invoice", nil)
}

// TestChargeFiscalRefresh: a charge's invoice held for the global CFDI
// shows pending_global; once the host stamps the global document, reading
// the charge (or its invoice) shows it authorized, with the global's
// code, and stores it, so the list shows it too. Another company's read
// changes nothing.
func TestChargeFiscalRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	mx := mexican(t, h)
	mx.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	mx.contract(mx.client("Público"), "1000.00", "active", nil)
	mx.run("2030-01")
	charge := mx.charges("period=2030-01")[0]["id"].(string)
	mx.h.SetFiscalOutcome(sdktest.FiscalHold)
	require.Equal(t, "pending_global", mx.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", mxProfile)["status"])
	require.Equal(t, "pending_global", mx.ok(http.StatusOK, "GET", "/charges/"+charge, nil)["fiscal_status"])

	require.Equal(t, 1, mx.h.AuthorizeHeld())
	other := mexican(t, h)
	other.fail(http.StatusNotFound, "not_found", "GET", "/charges/"+charge, nil)
	other.fail(http.StatusNotFound, "not_found", "GET", "/charges/"+charge+"/invoice", nil)
	require.Equal(t, "pending_global", mx.charges("period=2030-01")[0]["fiscal_status"], "the list shows what was stored")
	ch := mx.ok(http.StatusOK, "GET", "/charges/"+charge, nil)
	require.Equal(t, "authorized", ch["fiscal_status"])
	require.NotNil(t, ch["fiscal_authorization_code"])
	listed := mx.charges("period=2030-01")[0]
	require.Equal(t, []any{"authorized", ch["fiscal_authorization_code"]}, []any{listed["fiscal_status"], listed["fiscal_authorization_code"]}, "stored")

	mx.contract(mx.client("Público 2"), "500.00", "active", nil)
	mx.run("2030-02")
	second := mx.charges("period=2030-02")[0]["id"].(string)
	mx.ok(http.StatusOK, "POST", "/charges/"+second+"/invoice", mxProfile)
	require.Equal(t, 1, mx.h.AuthorizeHeld())
	require.Equal(t, "authorized", mx.ok(http.StatusOK, "GET", "/charges/"+second+"/invoice", nil)["status"])
	require.Equal(t, "authorized", mx.charges("period=2030-02")[0]["fiscal_status"], "the invoice's read stored it")
}
