package afip_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// usdSale is sale in US dollars.
func usdSale(source string) sdkfiscal.Input {
	in := sale(source, sdkfiscal.Customer{})
	in.Currency = "USD"
	return in
}

// TestForeignCurrencyTakesAFIPsRate: a receipt in dollars without an
// exchange rate is sent with AFIP's (FEParamGetCotizacion), which the
// document's details and the QR record; a rate the vertical gave is used
// as given; after a lost answer the receipt keeps the rate it was sent
// with; AFIP's refusal of the currency is its code, and nothing is sent.
func TestForeignCurrencyTakesAFIPsRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{timeout: time.Second})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.SetExchangeRate("DOL", "1452.5", "20261204")
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", usdSale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, doc.Messages)
	require.Equal(t, "1452.5", doc.Details["exchange_rate"])
	require.Equal(t, "afip", doc.Details["exchange_rate_source"])
	require.Equal(t, "2026-12-04", doc.Details["exchange_rate_date"])
	got := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB)
	require.Len(t, got, 1)
	require.Equal(t, "DOL", got[0].Detail.MonId)
	require.Equal(t, "1452.5", got[0].Detail.MonCotiz)
	u, err := url.Parse(doc.Details["qr_url"].(string))
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("p"))
	require.NoError(t, err)
	require.Contains(t, string(raw), `"moneda":"DOL","ctz":1452.5`)
	require.Equal(t, 1, e.afip.Calls("FEParamGetCotizacion"))

	given := usdSale("sale-2")
	given.ExchangeRate = decimal.RequireFromString("1440")
	doc, err = e.svc.Issue(t.Context(), companyID, "cpg", given)
	require.NoError(t, err)
	require.Equal(t, "document", doc.Details["exchange_rate_source"])
	require.Equal(t, "1440", e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB)[1].Detail.MonCotiz)
	require.Equal(t, 1, e.afip.Calls("FEParamGetCotizacion"), "a given rate asks AFIP nothing")

	// The answer is lost: the receipt AFIP has (FECompConsultar) keeps
	// the rate it was sent with, recorded with the attempt, not asked again.
	e.afip.FailNext("FECAESolicitar", afiptest.TimeoutAfterProcessing)
	doc, err = e.svc.Issue(t.Context(), companyID, "cpg", usdSale("sale-3"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status)
	require.Equal(t, 1, e.afip.Calls("FECompConsultar"))
	require.Equal(t, "1452.5", doc.Details["exchange_rate"])
	require.Equal(t, "afip", doc.Details["exchange_rate_source"])
	require.Equal(t, 2, e.afip.Calls("FEParamGetCotizacion"), "Status asks no rate")

	e.afip.SetExchangeRate("060", "", "")
	eur := sale("sale-4", sdkfiscal.Customer{})
	eur.Currency = "EUR"
	sent := e.afip.Calls("FECAESolicitar")
	_, err = e.svc.Issue(t.Context(), companyID, "cpg", eur)
	he := requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_authority_error")
	require.Equal(t, "12000", he.Details["errors"].([]map[string]any)[0]["code"])
	require.Equal(t, sent, e.afip.Calls("FECAESolicitar"), "nothing was sent")
	pending, err := e.svc.GetBySource(t.Context(), companyID, "cpg", sdkfiscal.KindInvoice, "sale-4")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusDraft, pending.Status)
	e.requireNoCredentialInLogs(t)
}
