package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakepac"
)

// TestRefusedDataThroughHost: through a real host and the fake PAC, a
// company invoicing automatically bills a client whose fiscal profile has
// no postal code; the host refuses the CFDI (422 invalid_field naming the
// Receptor's DomicilioFiscalReceptor), the charge records needs_data with
// that code and field, and the job leaves it (no second attempt, nothing
// sent to the PAC) until the client's profile changes, when its next run
// tries it again. A payment by "other" (a form the CFDI cannot carry)
// records its receipt as needs_data naming payment.form and the receipts
// job leaves it too. Another company can neither see the client nor
// change it.
func TestRefusedDataThroughHost(t *testing.T) {
	t.Parallel()
	pac := fakepac.Start(t)
	h := startHost(t, append(pac.Env(), "NEXUS_JOBS_POLL_INTERVAL=100ms")...)
	r := &remote{t: t, h: h, Tenant: pac.NewTenant(t, h, "services")}
	h.Expect(http.StatusOK, http.MethodPut, "/api/v1/fiscal/settings", r.Tokens["owner"], map[string]any{
		"environment": "homologation", "auto_issue": true,
		"config": map[string]any{"name": "ESCUELA KEMPER URGATE", "regimen_fiscal": "601", "lugar_expedicion": "06600"},
	})
	contract := func(client string) {
		k := r.ok(http.StatusCreated, "manager", "POST", "/contracts", map[string]any{"client_id": client, "description": "Contabilidad mensual",
			"monthly_fee": "1000.00", "start_date": "2026-01-01", "billing_day": 10})["id"].(string)
		r.ok(http.StatusOK, "manager", "POST", "/contracts/"+k+"/activate", nil)
	}
	incomplete := r.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "UNIVERSIDAD ROBOTICA ESPAÑOLA", "tax_id": "URE180429TM6",
		"fiscal": map[string]any{"condition": "601", "use": "G03"}})["id"].(string)
	complete := r.ok(http.StatusCreated, "manager", "POST", "/clients", map[string]any{"name": "XOCHILT CASAS CHAVEZ", "tax_id": "CACX7605101P8",
		"fiscal": map[string]any{"condition": "612", "postal_code": "10740", "use": "G03"}})["id"].(string)
	contract(incomplete)
	contract(complete)
	r.ok(http.StatusCreated, "manager", "POST", "/billing-runs", map[string]any{"period": "2030-01"})
	charges := map[string]string{}
	for _, c := range r.ok(http.StatusOK, "viewer", "GET", "/charges?period=2030-01", nil)["data"].([]any) {
		charges[c.(map[string]any)["client_id"].(string)] = c.(map[string]any)["id"].(string)
	}
	refused, invoiced := charges[incomplete], charges[complete]

	runJob(t, h)
	ch := r.ok(http.StatusOK, "viewer", "GET", "/charges/"+refused, nil)
	require.Equal(t, []any{"needs_data", "invalid_field", "cfdi.Receptor.DomicilioFiscalReceptor", float64(1), nil},
		[]any{ch["fiscal_status"], ch["fiscal_error_code"], ch["fiscal_error_field"], ch["fiscal_attempts"], ch["fiscal_next_attempt_at"]})
	require.Equal(t, "authorized", r.ok(http.StatusOK, "viewer", "GET", "/charges/"+invoiced, nil)["fiscal_status"])
	runJob(t, h)
	runJob(t, h)
	require.Equal(t, float64(1), r.ok(http.StatusOK, "viewer", "GET", "/charges/"+refused, nil)["fiscal_attempts"], "the job does not retry it")
	require.Equal(t, 1, pac.Calls(fakepac.PathStamp), "one CFDI stamped, the refused one never sent")

	other := newRemote(t, h, "MX")
	other.ok(http.StatusNotFound, "manager", "PATCH", "/clients/"+incomplete, map[string]any{"fiscal": map[string]any{"postal_code": "00000"}})
	other.ok(http.StatusNotFound, "viewer", "GET", "/clients/"+incomplete, nil)
	r.ok(http.StatusUnprocessableEntity, "manager", "PATCH", "/clients/"+incomplete, map[string]any{})
	r.ok(http.StatusForbidden, "cashier", "PATCH", "/clients/"+incomplete, map[string]any{"name": "x"})
	require.Nil(t, r.ok(http.StatusOK, "viewer", "GET", "/clients/"+incomplete, nil)["fiscal"].(map[string]any)["postal_code"], "nothing written")
	updated := r.ok(http.StatusOK, "manager", "PATCH", "/clients/"+incomplete, map[string]any{
		"fiscal": map[string]any{"condition": "601", "postal_code": "64000", "use": "G03"}})
	require.Equal(t, "64000", updated["fiscal"].(map[string]any)["postal_code"])
	runJob(t, h)
	retried := r.ok(http.StatusOK, "viewer", "GET", "/charges/"+refused, nil)
	require.Equal(t, float64(2), retried["fiscal_attempts"], "retried once the profile changed")
	require.Equal(t, "authorized", retried["fiscal_status"], "the host's draft takes the corrected customer")

	p := r.ok(http.StatusCreated, "cashier", "POST", "/charges/"+invoiced+"/payments", map[string]any{"amount": "100.00", "method": "other"})
	require.Equal(t, []any{"needs_data", "invalid_field", "payment.form", float64(1)},
		[]any{p["fiscal_status"], p["fiscal_error_code"], p["fiscal_error_field"], p["fiscal_attempts"]})
	runNamedJob(t, h, "services.issue_payment_receipts")
	payments := r.ok(http.StatusOK, "viewer", "GET", "/charges/"+invoiced+"/payments", nil)["data"].([]any)
	require.Equal(t, float64(1), payments[0].(map[string]any)["fiscal_attempts"], "the receipts job does not retry it")
}
