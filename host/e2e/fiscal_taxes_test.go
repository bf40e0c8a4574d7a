package e2e

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// The fake PAC's account of the Mexican company.
const (
	accountUser     = "kemper@pac.test"
	accountPassword = "pac-Secret-42"
)

// TestTaxesBeyondIVAThroughAVertical issues, from a vertical (the probe's
// POST /fiscal, which hands its body to sdk.Context.Fiscal), an Argentine
// Factura A with a percepción de IIBB and a Mexican invoice with IEPS per
// liter and the ISR and IVA the customer withholds, against the fake AFIP
// and the fake PAC, and reads what the authorities got: the FECAESolicitar
// the fake AFIP recorded (Tributos, ImpTrib) and the stamped CFDI the host
// stored (GET /api/v1/invoices/{id}/xml), which another company cannot
// read. A tax of the other country is refused naming it.
func TestTaxesBeyondIVAThroughAVertical(t *testing.T) {
	t.Parallel()
	fakeAFIP := afiptest.New(t)
	fakePAC := pactest.New(accountUser, accountPassword)
	t.Cleanup(fakePAC.Close)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}),
		"NEXUS_AFIP_WSAA_URL="+fakeAFIP.WSAAURL(), "NEXUS_AFIP_WSFE_URL="+fakeAFIP.WSFEURL(), "NEXUS_CFDI_PAC_URL="+fakePAC.URL)
	d := decimal.RequireFromString

	// Argentina: a percepción de IIBB on a Factura A.
	ar := h.NewTenant("AR", "probe")
	owner, cashier := ar.Tokens["owner"], ar.Tokens["cashier"]
	cuit := h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+ar.ID, owner, nil).JSON(t)["tax_id"].(string)
	h.Expect(http.StatusOK, "PUT", "/api/v1/fiscal/settings", owner, map[string]any{"environment": "homologation",
		"config": map[string]any{"iva_condition": "responsable_inscripto", "points_of_sale": []int{4}}})
	cert, key := fakeAFIP.Credentials(t, cuit)
	h.Expect(http.StatusNoContent, "PUT", "/api/v1/fiscal/credentials/"+afip.CredentialCertificate, owner, map[string]string{"value": string(cert)})
	h.Expect(http.StatusNoContent, "PUT", "/api/v1/fiscal/credentials/"+afip.CredentialKey, owner, map[string]string{"value": string(key)})
	lines := []fiscal.Line{{Description: "Yerba 1 kg", Quantity: d("10"), UnitPrice: d("100"), Net: d("1000"), Total: d("1240"),
		Taxes: []fiscal.Tax{
			{Type: fiscal.TaxIVA, Rate: d("0.21"), Base: d("1000"), Amount: d("210")},
			{Type: fiscal.TaxGrossIncomePerception, Description: "Percepción IIBB Buenos Aires", Rate: d("0.03"), Base: d("1000"), Amount: d("30")},
		}}}
	in := fiscal.Input{SourceID: "sale-1", Kind: fiscal.KindInvoice, Currency: "ARS", Lines: lines, Totals: fiscal.TotalsOf(lines),
		Customer: fiscal.Customer{TaxID: hosttest.NewCUIT(), Condition: "responsable_inscripto", Name: "Almacén SA"}}
	doc := h.Expect(http.StatusOK, "POST", "/api/v1/verticals/probe/fiscal", cashier, in).JSON(t)
	require.Equal(t, "authorized", doc["status"], doc)
	var afipCUIT int64
	_, err := fmt.Sscan(cuit, &afipCUIT)
	require.NoError(t, err)
	got := fakeAFIP.Receipts(afipCUIT, 4, afip.FacturaA)
	require.Len(t, got, 1)
	det := got[0].Detail
	require.Equal(t, "1240.00", det.ImpTotal)
	require.Equal(t, "30.00", det.ImpTrib)
	require.Equal(t, "210.00", det.ImpIVA)
	require.Equal(t, []afip.Tributo{{Id: 7, Desc: "Percepción IIBB Buenos Aires", BaseImp: "1000.00", Alic: "3.00", Importe: "30.00"}}, det.Tributos)
	stored := h.Expect(http.StatusOK, "GET", fmt.Sprintf("/api/v1/fiscal/documents/%s", doc["id"]), owner, nil).JSON(t)
	require.Equal(t, "1240.00", stored["total"])
	printable := h.Expect(http.StatusOK, "GET", fmt.Sprintf("/api/v1/fiscal/documents/%s/printable", doc["id"]), owner, nil)
	require.Contains(t, string(printable.Body), "Percepción IIBB Buenos Aires 3% s/ 1000.00: 30.00")

	// Mexico: fees with withholdings and a drink with IEPS per liter, to a
	// company customer.
	mxTenant := mexicanTenant(t, h, cfditest.RFC)
	owner, cashier = mxTenant.Tokens["owner"], mxTenant.Tokens["cashier"]
	h.Expect(http.StatusOK, "PUT", "/api/v1/fiscal/settings", owner, map[string]any{"environment": "homologation",
		"config": map[string]any{"name": cfditest.Name, "regimen_fiscal": "601", "lugar_expedicion": "06600"}})
	cer, csdKey := cfditest.CSDFiles(t)
	for name, v := range map[string]string{
		mx.SecretCSDCertificate: base64.StdEncoding.EncodeToString(cer), mx.SecretCSDKey: base64.StdEncoding.EncodeToString(csdKey),
		mx.SecretCSDPassword: cfditest.Password, mx.SecretPACUser: accountUser, mx.SecretPACPassword: accountPassword,
	} {
		h.Expect(http.StatusNoContent, "PUT", "/api/v1/fiscal/credentials/"+name, owner, map[string]string{"value": v})
	}
	lines = []fiscal.Line{
		{Description: "Honorarios", ProductKey: "84111506", UnitKey: "E48", Quantity: d("1"), UnitPrice: d("10000"), Net: d("10000"),
			Taxes: []fiscal.Tax{
				{Type: fiscal.TaxIVA, Rate: d("0.16"), Base: d("10000"), Amount: d("1600")},
				{Type: fiscal.TaxISR, Withheld: true, Rate: d("0.10"), Base: d("10000"), Amount: d("1000")},
				{Type: fiscal.TaxIVA, Withheld: true, Rate: d("0.106667"), Base: d("10000"), Amount: d("1066.67")},
			}, Total: d("9533.33")},
		{Description: "Bebida saborizada 600 ml", ProductKey: "50202301", Quantity: d("6"), UnitPrice: d("15"), Net: d("90"),
			Taxes: []fiscal.Tax{
				{Type: fiscal.TaxIEPS, Quota: d("1.6451"), Base: d("3.6"), Amount: d("5.92")},
				{Type: fiscal.TaxIVA, Rate: d("0.16"), Base: d("95.92"), Amount: d("15.35")},
			}, Total: d("111.27")},
	}
	in = fiscal.Input{SourceID: "fees-1", Kind: fiscal.KindInvoice, Currency: "MXN", PaymentForm: "transfer", Lines: lines,
		Totals: fiscal.TotalsOf(lines), Customer: fiscal.Customer{TaxID: "URE180429TM6", Name: "UNIVERSIDAD ROBOTICA ESPAÑOLA",
			Condition: "601", PostalCode: "64000", Use: "G03"}}
	doc = h.Expect(http.StatusOK, "POST", "/api/v1/verticals/probe/fiscal", cashier, in).JSON(t)
	require.Equal(t, "authorized", doc["status"], doc)
	invoiceID := doc["details"].(map[string]any)["invoice_id"].(string)
	xml := string(h.Expect(http.StatusOK, "GET", "/api/v1/invoices/"+invoiceID+"/xml", owner, nil).Body)
	for _, node := range []string{
		`<cfdi:Retencion Base="10000.00" Impuesto="001" TipoFactor="Tasa" TasaOCuota="0.100000" Importe="1000.00"/>`,
		`<cfdi:Retencion Base="10000.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.106667" Importe="1066.67"/>`,
		`<cfdi:Traslado Base="3.60" Impuesto="003" TipoFactor="Cuota" TasaOCuota="1.645100" Importe="5.92"/>`,
		`<cfdi:Traslado Base="95.92" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="15.35"/>`,
		`TotalImpuestosRetenidos="2066.67" TotalImpuestosTrasladados="1621.27"`,
		`Total="9644.60"`,
	} {
		require.Contains(t, xml, node)
	}

	// Another company sees neither the document nor its CFDI.
	require.Equal(t, http.StatusNotFound, h.Call("GET", fmt.Sprintf("/api/v1/fiscal/documents/%s", doc["id"]), ar.Tokens["owner"], nil).Status)
	require.Equal(t, http.StatusNotFound, h.Call("GET", "/api/v1/invoices/"+invoiceID+"/xml", ar.Tokens["owner"], nil).Status)

	// Each country refuses the other's taxes, naming the tax.
	in.SourceID = "fees-2"
	in.Lines[1].Taxes = []fiscal.Tax{{Type: fiscal.TaxGrossIncomePerception, Rate: d("0.03"), Base: d("90"), Amount: d("2.70")}}
	in.Lines[1].Total = d("92.70")
	in.Totals = fiscal.TotalsOf(in.Lines)
	res := h.Call("POST", "/api/v1/verticals/probe/fiscal", cashier, in)
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Equal(t, "invalid_field", res.ErrorCode())
	require.True(t, strings.Contains(string(res.Body), `"field":"lines[1].taxes[0].type"`), string(res.Body))
}

// mexicanTenant creates a Mexican company with RFC rfc (the test CSD's),
// one user per role, with the probe enabled.
func mexicanTenant(t *testing.T, h *hosttest.Host, rfc string) hosttest.Tenant {
	t.Helper()
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	res := h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/companies", admin, map[string]string{
		"name": cfditest.Name, "country": "MX", "currency": "MXN", "tax_id": rfc, "timezone": "America/Mexico_City"})
	tn := hosttest.Tenant{ID: res.JSON(t)["id"].(string), Tokens: map[string]string{}}
	for _, role := range hosttest.Roles {
		tn.Tokens[role] = h.Join(tn.ID, admin, fmt.Sprintf("%s-%s@hosttest.local", role, tn.ID), "password-"+role, role)
	}
	h.Expect(http.StatusOK, http.MethodPut, "/api/v1/companies/"+tn.ID+"/verticals/probe", tn.Tokens["owner"], map[string]any{})
	return tn
}
