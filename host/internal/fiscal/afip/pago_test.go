package afip_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// TestPaymentReceiptIsNotApplicable: Argentina issues a deferred invoice
// as any other (Deferred is Mexico's), and refuses a payment receipt,
// which AFIP has no document for, before storing anything.
func TestPaymentReceiptIsNotApplicable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	in := sale("sale-1", sdkfiscal.Customer{})
	in.Deferred = true
	inv, err := e.svc.Issue(t.Context(), companyID, "cpg", in)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, inv.Status, inv.Messages)

	amount := decimal.RequireFromString("10")
	_, err = e.svc.Issue(t.Context(), companyID, "cpg", sdkfiscal.Input{SourceID: "payment-1", Kind: sdkfiscal.KindPaymentReceipt,
		Currency: "ARS", Payment: &sdkfiscal.Payment{PaidAt: time.Now(), Form: "transfer", Amount: amount,
			Documents: []sdkfiscal.PaidDocument{{DocumentID: inv.ID, Amount: amount}}}})
	requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_document_not_applicable")
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM fiscal_documents WHERE company_id = $1`, companyID).Scan(&n))
	require.Equal(t, 1, n)
}
