package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
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
	b.fail(http.StatusNotFound, "fiscal_document_not_found", "GET", "/charges/"+charge+"/invoice", nil)
}
