package mx_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// deferred is sale issued as paid later: MetodoPago PPD, FormaPago 99.
func deferred(source string) sdkfiscal.Input {
	in := sale(source)
	in.Deferred = true
	return in
}

// receipt is the payment of amount of invoice id, received by transfer.
func receipt(source string, id uuid.UUID, amount string) sdkfiscal.Input {
	return sdkfiscal.Input{SourceID: source, Kind: sdkfiscal.KindPaymentReceipt, Currency: "MXN",
		Payment: &sdkfiscal.Payment{PaidAt: time.Date(2026, 12, 5, 17, 30, 0, 0, time.UTC), Form: "transfer", Amount: d(amount),
			Reference: "SPEI-" + source, Documents: []sdkfiscal.PaidDocument{{DocumentID: id, Amount: d(amount)}}}}
}

var timbre = regexp.MustCompile(`<tfd:TimbreFiscalDigital[^>]*/>`)

// pagoChecks puts a stamped payment receipt, its Timbre taken out,
// through cfditest.Checks (its Sello verified by openssl over the cadena
// with the Pagos complement) and returns it parsed.
func pagoChecks(t *testing.T, stamped []byte) *invoices.CFDI {
	t.Helper()
	plain := timbre.ReplaceAll(stamped, nil)
	cadena, err := cfdi.CadenaOriginal(plain)
	require.NoError(t, err)
	require.Contains(t, cadena, "|2.0|", "the Pagos complement is in the cadena")
	parsed, err := invoices.Parse(stamped)
	require.NoError(t, err)
	cfditest.Checks(t, plain, parsed.Timbre.SelloCFD, cadena)
	return parsed
}

// TestPaymentReceiptsInInstallments issues a deferred invoice of 146.00
// and two partial payments: two CFDIs of type P numbered in serie P with
// NumParcialidad 1 and 2 and the balances the core kept; a third payment
// more than what is owed, or of an invoice paid when issued, is refused
// and nothing is written.
func TestPaymentReceiptsInInstallments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)

	inv, err := e.svc.Issue(ctx, company, vertical, deferred("sale-1"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, inv.Status, "%+v", inv.Messages)
	parsedInv, err := invoices.Parse(inv.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, []string{"PPD", "99"}, []string{parsedInv.MetodoPago, parsedInv.FormaPago})

	first, err := e.svc.Issue(ctx, company, vertical, receipt("payment-1", inv.ID, "46.10"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, first.Status, "%+v", first.Messages)
	require.Equal(t, "P", *first.Series)
	require.EqualValues(t, 1, *first.Number)
	require.Equal(t, "46.10", first.Total.StringFixed(2), "a receipt's total is the payment")
	require.Equal(t, "URE180429TM6", first.CustomerTaxID, "the invoice's customer")
	p1 := pagoChecks(t, first.LegalDocument)
	require.Equal(t, invoices.TipoPago, p1.TipoDeComprobante)
	require.Equal(t, "CP01", p1.Receptor.UsoCFDI)
	require.Equal(t, "URE180429TM6", p1.Receptor.Rfc)
	pg := p1.Pagos.Pagos[0]
	require.Equal(t, []string{"2026-12-05T11:30:00", "03", "MXN", "46.10", "SPEI-payment-1"},
		[]string{pg.FechaPago, pg.FormaDePagoP, pg.MonedaP, pg.Monto.StringFixed(2), pg.NumOperacion}, "paid at 17:30 UTC, in Mexico City's time")
	dr := pg.Documentos[0]
	require.True(t, strings.EqualFold(*inv.AuthorizationCode, dr.IDDocumento), dr.IDDocumento)
	require.Equal(t, 1, dr.NumParcialidad)
	require.Equal(t, []string{"146.00", "46.10", "99.90"}, []string{dr.ImpSaldoAnt.Decimal.StringFixed(2), dr.ImpPagado.StringFixed(2), dr.ImpSaldoInsoluto.Decimal.StringFixed(2)})
	require.Contains(t, string(first.LegalDocument), `ObjetoImpDR="02"`)
	require.Equal(t, []any{map[string]any{"document_id": inv.ID.String(), "number": float64(1), "previous_balance": "146.00", "paid": "46.10", "balance": "99.90"}},
		first.Details["installments"])

	// Asking again answers the same receipt; the second payment settles
	// the invoice.
	again, err := e.svc.Issue(ctx, company, vertical, receipt("payment-1", inv.ID, "46.10"))
	require.NoError(t, err)
	require.Equal(t, first.ID, again.ID)
	second, err := e.svc.Issue(ctx, company, vertical, receipt("payment-2", inv.ID, "99.90"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, second.Status, "%+v", second.Messages)
	require.EqualValues(t, 2, *second.Number)
	dr = pagoChecks(t, second.LegalDocument).Pagos.Pagos[0].Documentos[0]
	require.Equal(t, 2, dr.NumParcialidad)
	require.Equal(t, []string{"99.90", "99.90", "0.00"}, []string{dr.ImpSaldoAnt.Decimal.StringFixed(2), dr.ImpPagado.StringFixed(2), dr.ImpSaldoInsoluto.Decimal.StringFixed(2)})

	// Nothing is owed any more: a cent more is refused, and stored nowhere.
	_, err = e.svc.Issue(ctx, company, vertical, receipt("payment-3", inv.ID, "0.01"))
	require.Equal(t, "payment_exceeds_balance", httpCode(t, err))
	// An invoice paid when issued takes no receipt.
	pue, err := e.svc.Issue(ctx, company, vertical, sale("sale-2"))
	require.NoError(t, err)
	_, err = e.svc.Issue(ctx, company, vertical, receipt("payment-4", pue.ID, "10"))
	require.Equal(t, "invalid_field", httpCode(t, err))
	// A payment form with no FormaDePagoP is refused before anything is stored.
	for _, form := range []string{"credit", "other"} {
		other := receipt("payment-5", inv.ID, "1")
		other.Payment.Form = form
		_, err = e.svc.Issue(ctx, company, vertical, other)
		require.Equal(t, "invalid_field", httpCode(t, err))
		require.ErrorContains(t, err, "payment.form: ")
	}
	// A deferred invoice with a tax per unit (IEPS Cuota) is refused: its
	// payment receipts could not carry it.
	quota := feesAndDrinks("sale-3")
	quota.Deferred = true
	_, err = e.svc.Issue(ctx, company, vertical, quota)
	require.Equal(t, "invalid_field", httpCode(t, err))
	require.ErrorContains(t, err, "lines[1].taxes[0].quota: a tax per unit (IEPS Cuota)")
	var quotaDocs int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM fiscal_documents WHERE company_id = $1 AND source_id = 'sale-3'`, company).Scan(&quotaDocs))
	require.Zero(t, quotaDocs)
	// A payment in dollars says what a dollar is worth in pesos.
	dollars := receipt("payment-6", inv.ID, "1")
	dollars.Currency, dollars.Payment.Documents[0].ExchangeRate = "USD", d("17.5")
	_, err = e.svc.Issue(ctx, company, vertical, dollars)
	require.Equal(t, "invalid_field", httpCode(t, err))
	require.ErrorContains(t, err, "exchange_rate: a payment in USD")
	var receipts int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM fiscal_documents WHERE company_id = $1 AND kind = 'payment_receipt'`, company).Scan(&receipts))
	require.Equal(t, 2, receipts)

	// The receipt is with the company's invoices, as a tipo P, and prints.
	stored, err := e.invoices.Get(ctx, company, uuid.MustParse(first.Details["invoice_id"].(string)))
	require.NoError(t, err)
	require.Equal(t, invoices.TipoPago, stored.Tipo)
	pdf, err := e.svc.Printable(ctx, company, first.ID)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf.Body, []byte("%PDF-")))
}

// TestConcurrentPaymentsNeverPayMoreThanOwed sends six payments of 40.00
// at once against an invoice of 146.00: three are issued, numbered 1 to
// 3 with their balances in order, the others refused.
func TestConcurrentPaymentsNeverPayMoreThanOwed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	inv, err := e.svc.Issue(ctx, company, vertical, deferred("sale-1"))
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make([]error, 6)
	docs := make([]*fiscal.Document, 6)
	for i := range 6 {
		wg.Go(func() {
			docs[i], errs[i] = e.svc.Issue(ctx, company, vertical, receipt(fmt.Sprintf("payment-%d", i), inv.ID, "40"))
		})
	}
	wg.Wait()
	numbers := map[int]string{}
	for i, err := range errs {
		if err != nil {
			require.Equal(t, "payment_exceeds_balance", httpCode(t, err))
			continue
		}
		dr := pagoChecks(t, docs[i].LegalDocument).Pagos.Pagos[0].Documentos[0]
		numbers[dr.NumParcialidad] = dr.ImpSaldoAnt.Decimal.StringFixed(2) + "→" + dr.ImpSaldoInsoluto.Decimal.StringFixed(2)
	}
	require.Equal(t, map[int]string{1: "146.00→106.00", 2: "106.00→66.00", 3: "66.00→26.00"}, numbers)
}

// TestPaymentReceiptIsolation: a company pays only its own invoices, of
// the vertical asking, and sees only its own receipts.
func TestPaymentReceiptIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.company(t, cfditest.RFC, true)
	b := e.company(t, "URE180429TM6", true)
	inv, err := e.svc.Issue(ctx, a, vertical, deferred("sale-1"))
	require.NoError(t, err)

	_, err = e.svc.Issue(ctx, b, vertical, receipt("payment-1", inv.ID, "10"))
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err), "another company's invoice")
	_, err = e.svc.Issue(ctx, a, "other", receipt("payment-1", inv.ID, "10"))
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err), "another vertical's invoice")

	paid, err := e.svc.Issue(ctx, a, vertical, receipt("payment-1", inv.ID, "10"))
	require.NoError(t, err)
	_, err = e.svc.Get(ctx, b, "", paid.ID)
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, b, "", paid.ID, "02")
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	var seen int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM fiscal_documents WHERE company_id = $1`, b).Scan(&seen))
	require.Zero(t, seen)
}

// TestCreditNotesLowerTheBalance: a credit note reversing part of a
// deferred invoice lowers what its payment receipts find owed.
func TestCreditNotesLowerTheBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	inv, err := e.svc.Issue(ctx, company, vertical, deferred("sale-1"))
	require.NoError(t, err)
	ret := sale("return-1")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &inv.ID
	ret.Lines, ret.Totals = ret.Lines[1:], sdkfiscal.Totals{Net: d("30"), Tax: d("0"), Total: d("30"),
		Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}}
	note, err := e.svc.Issue(ctx, company, vertical, ret)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, note.Status, "%+v", note.Messages)

	_, err = e.svc.Issue(ctx, company, vertical, receipt("payment-1", inv.ID, "116.01"))
	require.Equal(t, "payment_exceeds_balance", httpCode(t, err), "146 less the 30 credited is 116")
	paid, err := e.svc.Issue(ctx, company, vertical, receipt("payment-2", inv.ID, "116"))
	require.NoError(t, err)
	dr := pagoChecks(t, paid.LegalDocument).Pagos.Pagos[0].Documentos[0]
	require.Equal(t, []string{"116.00", "116.00", "0.00"}, []string{dr.ImpSaldoAnt.Decimal.StringFixed(2), dr.ImpPagado.StringFixed(2), dr.ImpSaldoInsoluto.Decimal.StringFixed(2)})
}
