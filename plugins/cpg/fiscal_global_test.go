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

// TestSaleHeldForTheGlobalCFDI: a sale the host holds for its period's
// global CFDI (Mexico, the public in general) is settled for the job,
// which neither fails on it nor asks again; its return's credit note is
// asked for and held too; the receipt says the sale waits for the global,
// then shows the global's UUID once the host stamped it.
func TestSaleHeldForTheGlobalCFDI(t *testing.T) {
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
	sale := do(http.StatusCreated, "POST", "/sales", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"3"}],
		"payments":[{"method":"cash","amount":"500.00"}]}`)["id"].(string)

	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Country: "MX", Environment: "homologation", AutoIssue: true})
	h.SetFiscalOutcome(sdktest.FiscalHold)
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"))
	receipt := func() map[string]any {
		return do(http.StatusOK, "GET", "/sales/"+sale+"/receipt", "")["receipt"].(map[string]any)["fiscal"].(map[string]any)
	}
	f := receipt()
	require.Equal(t, "pending_global", f["status"], "the sale will be in its period's global CFDI")
	require.Nil(t, f["authorization_code"])
	again := do(http.StatusOK, "POST", "/sales/"+sale+"/invoice", "")
	require.Equal(t, "pending_global", again["status"])
	require.Equal(t, f["document_id"], again["id"])

	// The return's credit note is asked for by the job and held with it.
	ret := do(http.StatusCreated, "POST", "/sales/"+sale+"/returns", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"1"}]}`)["id"].(string)
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"))
	require.NoError(t, h.RunJob(context.Background(), "issue_fiscal_documents"), "held documents are settled")
	docs := h.FiscalDocuments()
	require.Len(t, docs, 2)
	require.Equal(t, ret, docs[1].SourceID)
	require.Equal(t, fiscal.KindCreditNote, docs[1].Kind)
	require.Equal(t, fiscal.StatusPendingGlobal, docs[1].Status)

	// The host stamps the period's global: the receipt shows its UUID.
	require.Equal(t, 2, h.AuthorizeHeld())
	f = receipt()
	require.Equal(t, "authorized", f["status"])
	require.Equal(t, *h.FiscalDocuments()[0].AuthorizationCode, f["authorization_code"])
	require.NotEmpty(t, f["global_document_id"])
}
