package services_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// chargeOf bills one active contract of a new client for period and
// returns the charge's id.
func (tn *tenant) chargeOf(fee, period string) string {
	tn.t.Helper()
	k := tn.contract(tn.client("Cliente "+period+" "+fee), fee, services.ContractActive, nil)
	for _, ch := range tn.charges("period=" + period) {
		if ch["contract_id"] == k {
			return ch["id"].(string)
		}
	}
	tn.run(period)
	for _, ch := range tn.charges("period=" + period) {
		if ch["contract_id"] == k {
			return ch["id"].(string)
		}
	}
	tn.t.Fatalf("no charge of contract %s in %s", k, period)
	return ""
}

// idempotent sends body to path with an Idempotency-Key.
func (tn *tenant) idempotent(path, key, body string) *sdktest.Response {
	tn.t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Idempotency-Key", key)
	return tn.h.DoRequest(r)
}

// TestCredits: a charge credited in part and then in full, IVA split in
// its proportion and the parts summing to the charge; more than is left
// refused; the balance, status, aging, revenue, events and audit log
// follow; payments and credits settle a charge together; a paid charge
// credited owes the client; roles, bad input and retries with an
// Idempotency-Key; another company reaches nothing.
func TestCredits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	charge := a.chargeOf("1000.00", "2026-10")
	path := "/charges/" + charge + "/credits"

	cr := a.ok(http.StatusCreated, "POST", path, map[string]any{"amount": "400.00", "reason": "Descuento por pronto pago"})
	require.Equal(t, "400.00", cr["amount"])
	require.Equal(t, "344.83", cr["net"])
	require.Equal(t, "55.17", cr["tax"])
	require.Equal(t, "MXN", cr["currency"])
	require.Nil(t, cr["fiscal_status"], "the charge has no invoice: no credit note")
	ch := cr["charge"].(map[string]any)
	require.Equal(t, "400.00", ch["credited"])
	require.Equal(t, "760.00", ch["balance"])
	require.Equal(t, "open", ch["status"])

	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"amount":"760.01","reason":"x"}`, 422, "over_credit"},
		{`{"amount":"0","reason":"x"}`, 422, "invalid_field"},
		{`{"amount":"-1.00","reason":"x"}`, 422, "invalid_field"},
		{`{"amount":"1.001","reason":"x"}`, 422, "invalid_field"},
		{`{"amount":1,"reason":"x"}`, 400, "invalid_field"},
		{`{"amount":"1.00"}`, 422, "invalid_field"},
		{`{"amount":"1.00","reason":"   "}`, 422, "invalid_field"},
		{`{"amount":"1.00","reason":"x","extra":1}`, 400, "unknown_field"},
		{`{"amount":"1.00"`, 400, "invalid_json"},
	} {
		res := a.h.Do("POST", path, tc.body)
		require.Equal(t, tc.status, res.Status, "%s: %s", tc.body, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), "%s: %s", tc.body, res.Body)
	}
	a.fail(http.StatusNotFound, "not_found", "POST", "/charges/00000000-0000-0000-0000-000000000001/credits", map[string]any{"amount": "1.00", "reason": "x"})
	a.as(sdk.RoleCashier).fail(http.StatusForbidden, "insufficient_role", "POST", path, map[string]any{"amount": "1.00", "reason": "x"})

	// The rest, retried with the same Idempotency-Key: one credit.
	body := `{"amount":"760.00","reason":"Servicio no prestado"}`
	first := a.idempotent(path, "credit-rest-1", body)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	again := a.idempotent(path, "credit-rest-1", body)
	require.Equal(t, http.StatusCreated, again.Status, string(again.Body))
	require.JSONEq(t, string(first.Body), string(again.Body), "the original answer")
	other := a.idempotent(path, "credit-rest-1", `{"amount":"1.00","reason":"otro"}`)
	require.Equal(t, http.StatusConflict, other.Status, string(other.Body))
	var rest map[string]any
	first.Decode(t, &rest)
	require.Equal(t, "655.17", rest["net"])
	require.Equal(t, "104.83", rest["tax"])
	require.Equal(t, "credited", rest["charge"].(map[string]any)["status"])
	require.Equal(t, "0.00", rest["charge"].(map[string]any)["balance"])

	rows, next := a.as(sdk.RoleViewer).page(path)
	require.Nil(t, next)
	require.Len(t, rows, 2, "the retries made no credit")
	a.fail(http.StatusUnprocessableEntity, "over_credit", "POST", path, map[string]any{"amount": "0.01", "reason": "x"})
	a.fail(http.StatusUnprocessableEntity, "overpayment", "POST", "/charges/"+charge+"/payments", map[string]any{"amount": "0.01", "method": "cash"})
	credited, _ := a.page("/charges?status=credited")
	require.Len(t, credited, 1)

	// Revenue: the charge and two credits net to nothing.
	sum := decimal.Zero
	revenue := a.h.Revenue()
	require.Len(t, revenue, 3)
	for _, r := range revenue {
		require.True(t, r.Counts)
		require.Equal(t, "MXN", r.Currency)
		if r.SourceID != charge {
			require.Equal(t, "credit", r.Status)
			require.True(t, r.Amount.IsNegative())
		}
		sum = sum.Add(r.Amount)
	}
	require.True(t, sum.IsZero(), "the charge and its credits net to nothing: %s", sum)
	rep := a.ok(http.StatusOK, "GET", "/reports/aging?as_of=2030-01-01", nil)
	require.Empty(t, rep["summary"], "nothing is owed")
	require.Equal(t, 2, a.topics()[services.TopicChargeCredited])
	audited := 0
	for _, e := range a.h.AuditLog() {
		if e.CompanyID == a.h.Company().ID && e.Action == "services.charge.credited" {
			require.Equal(t, "charge:"+charge, e.Target)
			audited++
		}
	}
	require.Equal(t, 2, audited)

	// Paid in part, then credited the rest: settled (paid).
	settle := a.chargeOf("500.00", "2026-10")
	a.ok(http.StatusCreated, "POST", "/charges/"+settle+"/payments", map[string]any{"amount": "80.00", "method": "cash"})
	s := a.ok(http.StatusCreated, "POST", "/charges/"+settle+"/credits", map[string]any{"amount": "500.00", "reason": "Ajuste"})
	require.Equal(t, "paid", s["charge"].(map[string]any)["status"])
	// Paid in full, then credited: owed to the client, in the aging too.
	paid := a.chargeOf("100.00", "2026-10")
	a.ok(http.StatusCreated, "POST", "/charges/"+paid+"/payments", map[string]any{"amount": "116.00", "method": "cash"})
	p := a.ok(http.StatusCreated, "POST", "/charges/"+paid+"/credits", map[string]any{"amount": "16.00", "reason": "Ajuste"})
	require.Equal(t, "paid", p["charge"].(map[string]any)["status"])
	require.Equal(t, "-16.00", p["charge"].(map[string]any)["balance"])
	rep = a.ok(http.StatusOK, "GET", "/reports/aging?as_of=2030-01-01", nil)
	require.Equal(t, "-16.00", rep["summary"].([]any)[0].(map[string]any)["total"])

	b := mexican(t, h)
	b.fail(http.StatusNotFound, "not_found", "POST", path, map[string]any{"amount": "1.00", "reason": "x"})
	b.fail(http.StatusNotFound, "not_found", "GET", path, nil)
	require.Empty(t, b.h.Revenue())
	require.Zero(t, b.topics()[services.TopicChargeCredited])
}

// TestCreditNotes: a credit of an invoiced charge gets its credit note at
// once, naming the invoice, for the credit's net and IVA; while the
// authority is unavailable the credit is made and its credit note stays
// pending, issued by the job later; a credit note is never issued for a
// charge without an authorized invoice.
func TestCreditNotes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := argentine(t, h)
	a.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	charge := a.chargeOf("1000.00", "2026-11")
	invoice := a.ok(http.StatusOK, "POST", "/charges/"+charge+"/invoice", nil)
	ch := a.ok(http.StatusOK, "GET", "/charges/"+charge, nil)
	require.Equal(t, "authorized", ch["fiscal_status"])
	require.Equal(t, invoice["id"], ch["fiscal_document_id"])
	require.Equal(t, invoice["authorization_code"], ch["fiscal_authorization_code"])
	require.Equal(t, invoice["number"], ch["fiscal_number"])

	cr := a.ok(http.StatusCreated, "POST", "/charges/"+charge+"/credits", map[string]any{"amount": "121.00", "reason": "Bonificación"})
	require.Equal(t, "authorized", cr["fiscal_status"])
	require.NotEmpty(t, cr["fiscal_authorization_code"])
	note := a.ok(http.StatusOK, "GET", "/credits/"+cr["id"].(string)+"/credit-note", nil)
	require.Equal(t, cr["fiscal_document_id"], note["id"])
	require.Equal(t, "credit_note", note["kind"])
	require.Equal(t, invoice["id"], note["related_id"])
	require.Equal(t, "121.00", note["total"])
	in := note["input"].(map[string]any)
	require.Equal(t, "2026-11-01", in["service_from"])
	require.Equal(t, "Bonificación", in["lines"].([]any)[0].(map[string]any)["description"])

	a.h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	pending := a.ok(http.StatusCreated, "POST", "/charges/"+charge+"/credits", map[string]any{"amount": "100.00", "reason": "Ajuste"})
	require.Equal(t, "pending", pending["fiscal_status"])
	require.Equal(t, "fiscal_service_unavailable", pending["fiscal_error_code"])
	require.Equal(t, "221.00", pending["charge"].(map[string]any)["credited"], "the credit is made")
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"), "the job goes on while the authority is down")
	a.h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	rows, _ := a.page("/charges/" + charge + "/credits")
	require.Len(t, rows, 2)
	for _, r := range rows {
		require.Equal(t, "authorized", r["fiscal_status"], r["id"])
	}
	require.EqualValues(t, 3, rows[1]["fiscal_attempts"], "at once, in the job's run while down, in the next")

	// A charge never invoiced: its credit has no credit note, now or later.
	plain := a.chargeOf("50.00", "2026-11")
	c2 := a.ok(http.StatusCreated, "POST", "/charges/"+plain+"/credits", map[string]any{"amount": "10.00", "reason": "Ajuste"})
	require.Nil(t, c2["fiscal_status"])
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	a.fail(http.StatusNotFound, "fiscal_document_not_found", "GET", "/credits/"+c2["id"].(string)+"/credit-note", nil)
	notes := 0
	for _, d := range a.h.FiscalDocuments() {
		if d.Kind == fiscal.KindCreditNote {
			notes++
		}
	}
	require.Equal(t, 2, notes)
}

// TestAutomaticInvoicing: with auto_issue the job invoices the billing
// run's charges; while the authority is unavailable they stay pending with
// the error and the next run issues them; without auto_issue, or without
// fiscal settings, it invoices nothing.
func TestAutomaticInvoicing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := argentine(t, h)
	a.chargeOf("1000.00", "2026-09")
	a.chargeOf("2000.00", "2026-09")
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"), "no fiscal settings: nothing to do")
	a.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	require.Empty(t, a.h.FiscalDocuments(), "without auto_issue the job invoices nothing")

	a.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})
	a.h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	for _, ch := range a.charges("period=2026-09") {
		require.Equal(t, "pending", ch["fiscal_status"])
		require.Equal(t, "fiscal_service_unavailable", ch["fiscal_error_code"])
		require.EqualValues(t, 1, ch["fiscal_attempts"])
	}
	pending, _ := a.page("/charges?fiscal_status=pending")
	require.Len(t, pending, 2)

	a.h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	for _, ch := range a.charges("period=2026-09") {
		require.Equal(t, "authorized", ch["fiscal_status"])
		require.Nil(t, ch["fiscal_error_code"])
		require.NotNil(t, ch["fiscal_number"])
		require.NotEmpty(t, ch["fiscal_authorization_code"])
	}
	require.Len(t, a.h.FiscalDocuments(), 2)
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	require.Len(t, a.h.FiscalDocuments(), 2, "an invoiced charge is not issued again")
	a.fail(http.StatusBadRequest, "invalid_query", "GET", "/charges?fiscal_status=Done!", nil)

	// The client's fiscal profile reaches the automatic invoice.
	cuit := newCUIT(t)
	cl := a.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": "Inscripto SA", "tax_id": cuit,
		"fiscal": map[string]any{"condition": "responsable_inscripto"}})
	require.Equal(t, "responsable_inscripto", cl["fiscal"].(map[string]any)["condition"])
	a.contract(cl["id"].(string), "10.00", services.ContractActive, nil)
	a.run("2026-08")
	require.NoError(t, a.h.RunJob(t.Context(), "issue_fiscal_documents"))
	var conditions []string
	for _, d := range a.h.FiscalDocuments() {
		if d.Input.Customer.TaxID == cuit {
			conditions = append(conditions, d.Input.Customer.Condition)
		}
	}
	require.Equal(t, []string{"responsable_inscripto"}, conditions)
	a.fail(http.StatusUnprocessableEntity, "invalid_field", "POST", "/clients", map[string]any{"name": "X", "tax_id": newCUIT(t),
		"fiscal": map[string]any{"condition": strings.Repeat("x", 41)}})

	issued := len(a.h.FiscalDocuments())
	require.Equal(t, 5, issued, "the August run charged the three contracts")
	b := argentine(t, h)
	b.h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})
	require.NoError(t, b.h.RunJob(t.Context(), "issue_fiscal_documents"))
	require.Len(t, a.h.FiscalDocuments(), issued, "another company's job issues none of A's charges")
}

// TestConcurrentCredits: credits racing on one charge never pass its
// total — the charge is locked while each is checked.
func TestConcurrentCredits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	charge := a.chargeOf("1000.00", "2026-07")
	statuses := make([]int, 10)
	parallel(len(statuses), func(i int) {
		statuses[i] = a.do("POST", "/charges/"+charge+"/credits", map[string]any{"amount": "200.00", "reason": "Ajuste"}).Status
	})
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusUnprocessableEntity:
		default:
			t.Fatalf("a credit answered %d", s)
		}
	}
	require.Equal(t, 5, created, "5 × 200.00 fit in 1160.00, a sixth does not")
	ch := a.ok(http.StatusOK, "GET", "/charges/"+charge, nil)
	require.Equal(t, "1000.00", ch["credited"])
	rows, _ := a.page("/charges/" + charge + "/credits")
	require.Len(t, rows, 5)
}
