package webui_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
)

// afipFixture is the Argentine company whose sale AFIP (the fake)
// authorized: its owner's login and what the browser looks for.
type afipFixture struct {
	company, ownerEmail, sale, cae string
}

// afipInvoice gives a new Argentine CPG company AFIP settings and the
// fake's credentials for its CUIT, sells a product in cash and issues the
// sale's invoice, all through the public API; the host reaches the fake
// through NEXUS_AFIP_WSAA_URL and NEXUS_AFIP_WSFE_URL.
func afipInvoice(t *testing.T, h *hosttest.Host, fake *afiptest.Server) afipFixture {
	const api = "/api/v1/verticals/cpg"
	tn := h.NewTenant("AR", "cpg")
	owner := tn.Tokens["owner"]
	cuit := h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+tn.ID, owner, nil).JSON(t)["tax_id"].(string)
	h.Expect(http.StatusOK, "PUT", "/api/v1/fiscal/settings", owner, map[string]any{
		"environment": "homologation",
		"config":      map[string]any{"iva_condition": "responsable_inscripto", "points_of_sale": []int{3}, "address": "Av. Corrientes 1234"},
	})
	cert, key := fake.Credentials(t, cuit)
	h.Expect(http.StatusNoContent, "PUT", "/api/v1/fiscal/credentials/"+afip.CredentialCertificate, owner, map[string]string{"value": string(cert)})
	h.Expect(http.StatusNoContent, "PUT", "/api/v1/fiscal/credentials/"+afip.CredentialKey, owner, map[string]string{"value": string(key)})

	product := h.Expect(http.StatusCreated, "POST", api+"/products", owner, map[string]any{
		"name": "Yerba mate 1 kg", "tax_rate": "21",
		"variants": []map[string]any{{"sku": "YER-1000", "price": "4235.00", "cost": "2900.00"}},
	}).JSON(t)
	variant := product["variants"].([]any)[0].(map[string]any)["id"].(string)
	loc := h.Expect(http.StatusOK, "GET", api+"/settings", owner, nil).JSON(t)["principal_location_id"].(string)
	h.Expect(http.StatusCreated, "POST", api+"/stock/adjustments", owner, map[string]any{
		"location_id": loc, "reason": "conteo", "lines": []map[string]any{{"variant_id": variant, "quantity": "10"}},
	})
	reg := h.Expect(http.StatusCreated, "POST", api+"/registers", owner, map[string]any{"location_id": loc, "name": "Caja 1"}).JSON(t)
	cashier := tn.Tokens["cashier"]
	session := h.Expect(http.StatusCreated, "POST", api+"/cash-sessions", cashier, map[string]any{"register_id": reg["id"], "opening_float": "0"}).JSON(t)
	sale := h.Expect(http.StatusCreated, "POST", api+"/sales", cashier, map[string]any{
		"session_id": session["id"],
		"lines":      []map[string]any{{"variant_id": variant, "quantity": "2"}},
		"payments":   []map[string]any{{"method": "cash", "amount": "8470.00"}},
	}).JSON(t)
	saleID := sale["id"].(string)
	res := h.Call("POST", api+"/sales/"+saleID+"/invoice", cashier, map[string]any{})
	require.Contains(t, []int{http.StatusOK, http.StatusCreated}, res.Status, string(res.Body))
	doc := res.JSON(t)
	require.Equal(t, "authorized", doc["status"], string(res.Body))
	cae, _ := doc["authorization_code"].(string)
	require.NotEmpty(t, cae, string(res.Body))
	return afipFixture{company: tn.ID, ownerEmail: "owner-" + tn.ID + "@hosttest.local", sale: saleID, cae: cae}
}

// env is what fiscal.test.mjs needs: the Argentine owner's login and the
// CAE AFIP gave the sale's invoice.
func (f afipFixture) env() []string {
	return []string{"AR_OWNER_EMAIL=" + f.ownerEmail, "AR_OWNER_PASSWORD=password-owner", "AR_SALE_ID=" + f.sale, "AR_CAE=" + f.cae}
}
