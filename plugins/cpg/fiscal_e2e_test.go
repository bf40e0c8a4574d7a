package cpg_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// testFiscal drives a sale's invoice through the real host: the plugin's
// fiscal callback reaches the host's fiscal service, which answers for the
// company's country (Argentina, AFIP's issuer): not configured, then
// configured without the AFIP certificate (the draft stays, listed to the
// company's operators and to nobody else).
func testFiscal(t *testing.T, p *platform) {
	a := p.newCompany(t, "AR")
	v := a.product("YER-1", "121.00", "50.00")
	a.stock(v, "10")
	session := a.session("0")
	sale := a.sell(session, v, "2", "300.00")["id"].(string)

	a.fail(http.StatusUnprocessableEntity, "fiscal_not_configured", "cashier", "POST", "/sales/"+sale+"/invoice", nil)
	res := p.h.Call(http.MethodPut, "/api/v1/fiscal/settings", a.Tokens["admin"],
		map[string]any{"config": map[string]any{"iva_condition": "responsable_inscripto", "points_of_sale": []int{2}}})
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	env := a.fail(http.StatusUnprocessableEntity, "fiscal_credentials_missing", "cashier", "POST", "/sales/"+sale+"/invoice", nil)
	require.Equal(t, "afip_certificate", env["error"].(map[string]any)["details"].(map[string]any)["name"])

	res = p.h.Call(http.MethodGet, "/api/v1/fiscal/documents?vertical=cpg", a.Tokens["viewer"], nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	docs := res.JSON(t)["data"].([]any)
	require.Len(t, docs, 1)
	doc := docs[0].(map[string]any)
	require.Equal(t, sale, doc["source_id"])
	require.Equal(t, "draft", doc["status"])
	require.Equal(t, "242.00", doc["total"])
	receipt := a.ok(http.StatusOK, "cashier", "GET", "/sales/"+sale+"/receipt", nil)["receipt"].(map[string]any)
	require.Nil(t, receipt["fiscal"], "not issued: the sale has no fiscal document yet")

	b := p.newCompany(t, "AR")
	res = p.h.Call(http.MethodGet, "/api/v1/fiscal/documents", b.Tokens["admin"], nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.Empty(t, res.JSON(t)["data"])
	res = p.h.Call(http.MethodGet, "/api/v1/fiscal/documents/"+doc["id"].(string), b.Tokens["admin"], nil)
	require.Equal(t, http.StatusNotFound, res.Status)
	b.fail(http.StatusNotFound, "not_found", "cashier", "POST", "/sales/"+sale+"/invoice", nil)
}
