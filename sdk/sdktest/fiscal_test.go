package sdktest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// till is a vertical that invoices its sales through the host.
type till struct{}

// saleInput is a one-line sale at 21 % IVA; a credit note names related.
func saleInput(source string, related *uuid.UUID) fiscal.Input {
	d := decimal.RequireFromString
	tax := fiscal.Tax{Type: "iva", Rate: d("0.21"), Base: d("100"), Amount: d("21")}
	k := fiscal.KindInvoice
	if related != nil {
		k = fiscal.KindCreditNote
	}
	return fiscal.Input{SourceID: source, Kind: k, Currency: "ARS", RelatedDocumentID: related,
		Lines:  []fiscal.Line{{Description: "Yerba", Quantity: d("1"), UnitPrice: d("100"), Net: d("100"), Taxes: []fiscal.Tax{tax}, Total: d("121")}},
		Totals: fiscal.Totals{Net: d("100"), Tax: d("21"), Total: d("121"), Taxes: []fiscal.Tax{tax}}}
}

func (till) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "till", Version: "1.0.0", Routes: []sdk.Route{
		sdk.POST("/sales/{id}/invoice", sdk.RoleCashier, "Invoice a sale", func(c *sdk.Context) error {
			st, err := c.Fiscal().Settings()
			if err != nil {
				return err
			}
			if !st.Configured {
				return sdk.Unprocessable("fiscal_not_configured", "no fiscal settings")
			}
			var related *uuid.UUID
			if r := c.Query("reverses"); r != "" {
				id := uuid.MustParse(r)
				related = &id
			}
			doc, err := c.Fiscal().Issue(saleInput(c.Param("id"), related))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, doc)
		}),
		sdk.GET("/sales/{id}/invoice", sdk.RoleViewer, "A sale's invoice", func(c *sdk.Context) error {
			doc, err := c.Fiscal().BySource(fiscal.KindInvoice, c.Param("id"))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, doc)
		}),
	}}
}

// TestFiscalThroughTheHarness checks that a vertical issues, finds and is
// refused fiscal documents through the harness as through the host.
func TestFiscalThroughTheHarness(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, till{})
	res := h.Do(http.MethodPost, "/sales/s1/invoice", "")
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)
	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})

	res = h.Do(http.MethodPost, "/sales/s1/invoice", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var doc fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &doc))
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Len(t, *doc.AuthorizationCode, 14)
	res = h.Do(http.MethodPost, "/sales/s1/invoice", "")
	var again fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &again))
	require.Equal(t, doc.ID, again.ID, "idempotent per source")

	res = h.Do(http.MethodPost, "/sales/r1/invoice?reverses="+doc.ID.String(), "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Contains(t, string(res.Body), `"kind":"credit_note"`)

	h.SetFiscalOutcome(sdktest.FiscalUnavailable)
	res = h.Do(http.MethodPost, "/sales/s2/invoice", "")
	require.Equal(t, http.StatusServiceUnavailable, res.Status)
	require.Contains(t, string(res.Body), "fiscal_service_unavailable")
	h.SetFiscalOutcome(sdktest.FiscalReject)
	res = h.Do(http.MethodPost, "/sales/s2/invoice", "")
	require.Equal(t, http.StatusUnprocessableEntity, res.Status)
	require.Contains(t, string(res.Body), `"code":"10016"`)

	other := h.WithCompany(sdktest.NewCompany())
	require.Equal(t, http.StatusNotFound, other.Do(http.MethodGet, "/sales/s1/invoice", "").Status, "another company's document")
	require.Equal(t, http.StatusOK, h.Do(http.MethodGet, "/sales/s1/invoice", "").Status)
	require.Len(t, h.FiscalDocuments(), 3)
}
