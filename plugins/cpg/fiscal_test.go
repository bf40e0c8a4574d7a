package cpg_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestSaleInvoicesAndCreditNotes runs the vertical's fiscal documents
// against sdktest's stand-in for the host's fiscal service (which checks
// every document as the host does: the amounts of the calculator's lines
// must add up): a sale invoiced on request, once; its receipt shows the
// code; a return of it gets a credit note naming the invoice; with
// automatic invoicing, the job issues new sales, keeps those it could not
// issue while the authority was unavailable, and issues them later; another
// company reaches none of it.
func TestSaleInvoicesAndCreditNotes(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	do := func(status int, method, path, body string) map[string]any {
		t.Helper()
		res := h.Do(method, path, body)
		require.Equal(t, status, res.Status, string(res.Body))
		var out map[string]any
		res.Decode(t, &out)
		return out
	}
	loc := do(http.StatusCreated, "POST", "/locations", `{"name":"Tienda","kind":"store"}`)["id"].(string)
	prod := do(http.StatusCreated, "POST", "/products", `{"name":"Café","tax_rate":"16","variants":[{"sku":"CAF-1","price":"57.99","cost":"20.00"}]}`)
	v := prod["variants"].([]any)[0].(map[string]any)["id"].(string)
	do(http.StatusCreated, "POST", "/stock/adjustments", `{"location_id":"`+loc+`","reason":"count","lines":[{"variant_id":"`+v+`","quantity":"50"}]}`)
	reg := do(http.StatusCreated, "POST", "/registers", `{"location_id":"`+loc+`","name":"Caja"}`)["id"].(string)
	session := do(http.StatusCreated, "POST", "/cash-sessions", `{"register_id":"`+reg+`","opening_float":"0"}`)["id"].(string)
	sell := func() string {
		return do(http.StatusCreated, "POST", "/sales", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"3","discount":{"percent":"10"}}],
			"payments":[{"method":"cash","amount":"500.00"}]}`)["id"].(string)
	}
	sale := sell()
	do(http.StatusUnprocessableEntity, "POST", "/sales/"+sale+"/invoice", "")
	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation"})

	doc := do(http.StatusOK, "POST", "/sales/"+sale+"/invoice", `{"customer":{"tax_id":"XAXX010101000","name":"Público en general"}}`)
	require.Equal(t, "authorized", doc["status"])
	again := do(http.StatusOK, "POST", "/sales/"+sale+"/invoice", `{"customer":{"tax_id":"XAXX010101000","name":"Público en general"}}`)
	require.Equal(t, doc["id"], again["id"], "one document per sale")
	total := do(http.StatusOK, "GET", "/sales/"+sale, "")["total"].(string)
	docs := h.FiscalDocuments()
	require.Len(t, docs, 1)
	require.Equal(t, total, docs[0].Total.StringFixed(2))
	require.Equal(t, "cash", docs[0].Input.PaymentForm)
	receipt := do(http.StatusOK, "GET", "/sales/"+sale+"/receipt", "")
	f := receipt["receipt"].(map[string]any)["fiscal"].(map[string]any)
	require.Equal(t, "authorized", f["status"])
	require.Equal(t, doc["authorization_code"], f["authorization_code"])

	ret := do(http.StatusCreated, "POST", "/sales/"+sale+"/returns", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"1"}]}`)["id"].(string)
	note := do(http.StatusOK, "POST", "/returns/"+ret+"/credit-note", "")
	require.Equal(t, "credit_note", note["kind"])
	require.Equal(t, doc["id"], note["related_id"])

	// Automatic invoicing: the job issues what has no document yet.
	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})
	h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	second := sell()
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"))
	f = do(http.StatusOK, "GET", "/sales/"+second+"/receipt", "")["receipt"].(map[string]any)["fiscal"].(map[string]any)
	require.Equal(t, "pending", f["status"], "kept for a later run while the authority is unavailable")
	h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	ret2 := do(http.StatusCreated, "POST", "/sales/"+sale+"/returns", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"1"}]}`)["id"].(string)
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"))
	f = do(http.StatusOK, "GET", "/sales/"+second+"/receipt", "")["receipt"].(map[string]any)["fiscal"].(map[string]any)
	require.Equal(t, "authorized", f["status"])
	kinds := map[string]int{}
	for _, d := range h.FiscalDocuments() {
		kinds[string(d.Kind)]++
		if d.SourceID == ret2 {
			require.Equal(t, fiscal.KindCreditNote, d.Kind)
		}
	}
	require.Equal(t, map[string]int{"invoice": 2, "credit_note": 2}, kinds)
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"))
	require.Len(t, h.FiscalDocuments(), 4, "a second run issues nothing again")

	other := h.WithCompany(sdktest.NewCompany())
	res := other.Do("POST", "/sales/"+sale+"/invoice", "")
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
	res = other.Do("POST", "/returns/"+ret+"/credit-note", "")
	require.Equal(t, http.StatusNotFound, res.Status, string(res.Body))
}
