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
			in := saleInput(c.Param("id"), related)
			in.Customer.TaxID = c.Query("cuit")
			doc, err := c.Fiscal().Issue(in)
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, doc)
		}),
		sdk.POST("/sales/{id}/invoice/cancel", sdk.RoleManager, "Cancel a sale's invoice", func(c *sdk.Context) error {
			inv, err := c.Fiscal().BySource(fiscal.KindInvoice, c.Param("id"))
			if err != nil {
				return err
			}
			doc, err := c.Fiscal().Cancel(inv.ID.String(), "02")
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
	// The rejected document takes the corrected input, as on the host.
	h.SetFiscalOutcome(sdktest.FiscalAuthorize)
	res = h.Do(http.MethodPost, "/sales/s2/invoice?cuit=20111111112", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var revised fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &revised))
	require.Equal(t, fiscal.StatusAuthorized, revised.Status)
	require.Equal(t, "20111111112", revised.CustomerTaxID)
	res = h.Do(http.MethodPost, "/sales/s1/invoice?cuit=20111111112", "")
	require.Equal(t, http.StatusConflict, res.Status, "an authorized document keeps its content")

	other := h.WithCompany(sdktest.NewCompany())
	require.Equal(t, http.StatusNotFound, other.Do(http.MethodGet, "/sales/s1/invoice", "").Status, "another company's document")
	require.Equal(t, http.StatusOK, h.Do(http.MethodGet, "/sales/s1/invoice", "").Status)
	require.Len(t, h.FiscalDocuments(), 3)
}

// TestFiscalCancellationPendingTheReceiver: under FiscalCancelPending a
// cancellation waits for the receiver (cancellation_requested, still in
// force, cancelling again answers it as it is); RejectCancellation puts
// it back in force with the host's message, AcceptCancellation cancels
// it. By default a cancellation is done at once.
func TestFiscalCancellationPendingTheReceiver(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, till{})
	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})
	cancel := func(sale string) fiscal.Document {
		t.Helper()
		res := h.Do(http.MethodPost, "/sales/"+sale+"/invoice/cancel", "")
		require.Equal(t, http.StatusOK, res.Status, string(res.Body))
		var doc fiscal.Document
		require.NoError(t, json.Unmarshal(res.Body, &doc))
		return doc
	}
	for _, s := range []string{"s1", "s2", "s3"} {
		require.Equal(t, http.StatusOK, h.Do(http.MethodPost, "/sales/"+s+"/invoice", "").Status)
	}
	require.Equal(t, fiscal.StatusCancelled, cancel("s1").Status, "at once by default")

	h.SetFiscalCancellation(sdktest.FiscalCancelPending)
	pending := cancel("s2")
	require.Equal(t, fiscal.StatusCancellationRequested, pending.Status)
	require.Equal(t, "02", *pending.CancelReason)
	require.Nil(t, pending.CancelledAt)
	require.Contains(t, pending.Details["cancellation"], "next_check_at")
	require.Equal(t, pending.UpdatedAt, cancel("s2").UpdatedAt, "asking again answers the pending document")
	require.Error(t, h.AcceptCancellation(uuid.New()))

	require.NoError(t, h.RejectCancellation(pending.ID))
	res := h.Do(http.MethodGet, "/sales/s2/invoice", "")
	var back fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &back))
	require.Equal(t, fiscal.StatusAuthorized, back.Status)
	require.Nil(t, back.CancelReason)
	require.Equal(t, "solicitud_rechazada", back.Messages[len(back.Messages)-1].Code)
	require.NotContains(t, back.Details["cancellation"], "next_check_at")
	require.Error(t, h.AcceptCancellation(pending.ID), "no cancellation pending any more")

	other := cancel("s3")
	require.NoError(t, h.AcceptCancellation(other.ID))
	res = h.Do(http.MethodGet, "/sales/s3/invoice", "")
	var done fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &done))
	require.Equal(t, fiscal.StatusCancelled, done.Status)
	require.NotNil(t, done.CancelledAt)
	require.Equal(t, "02", *done.CancelReason)
}

// TestFiscalHeldSaleVoided: under FiscalHold a cancelled held sale is
// voided at once (cancelled, no number), unless a return of it is held.
func TestFiscalHeldSaleVoided(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, till{})
	h.SetFiscalSettings(sdk.FiscalSettings{Configured: true, Environment: "homologation", AutoIssue: true})
	h.SetFiscalOutcome(sdktest.FiscalHold)
	res := h.Do(http.MethodPost, "/sales/s1/invoice", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var held fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &held))
	require.Equal(t, fiscal.StatusPendingGlobal, held.Status)

	res = h.Do(http.MethodPost, "/sales/s1/invoice/cancel", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var void fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body, &void))
	require.Equal(t, fiscal.StatusCancelled, void.Status)
	require.Nil(t, void.Number)
	require.Equal(t, "02", *void.CancelReason)

	res = h.Do(http.MethodPost, "/sales/s2/invoice", "")
	require.NoError(t, json.Unmarshal(res.Body, &held))
	res = h.Do(http.MethodPost, "/sales/r2/invoice?reverses="+held.ID.String(), "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	res = h.Do(http.MethodPost, "/sales/s2/invoice/cancel", "")
	require.Equal(t, http.StatusConflict, res.Status)
	require.Contains(t, string(res.Body), "fiscal_document_has_credit_notes")
}
