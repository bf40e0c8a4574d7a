package services

import (
	"fmt"
	"net/http"
	"time"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// Payment receipts. A Mexican charge due after the day it is invoiced is
// invoiced as deferred (MetodoPago PPD, FormaPago 99); each payment of it
// then takes a payment receipt from the host's fiscal service (a CFDI of
// type P with the Pagos 2.0 complement), issued when the payment is
// recorded. The host, not the vertical, keeps what each invoice still
// owes and numbers the installments. A receipt the fiscal service could
// not issue (unreachable, its breaker open) stays pending on the payment
// and the job services.issue_payment_receipts issues it, backing off; one
// whose data it refused is needs_data and waits for a manual issuance; so does a
// payment recorded before its charge was invoiced. Argentina has no such
// document: its charges are never invoiced deferred.

// fiscalNotRequired is a payment's fiscal_status when its charge's
// invoice was paid when issued: no receipt.
const fiscalNotRequired = "not_required"

// deferredInvoice reports whether a charge of company e due on due (YYYY-
// MM-DD), invoiced on day (empty: today), is invoiced as paid later: in
// Mexico, when it falls due after that day.
func deferredInvoice(e *env, due, day string) bool {
	if day == "" {
		day = time.Now().In(e.loc).Format(time.DateOnly)
	}
	return e.company.Country == "MX" && due > day
}

// paymentForms maps the vertical's payment methods to the SDK's payment
// forms. The host refuses a receipt of form "other" (422 invalid_field
// naming payment.form): it is recorded as needs_data and the job leaves
// it; POST /payments/{id}/receipt asks again.
var paymentForms = map[string]string{"transfer": "transfer", "card": "card", "cash": "cash", "check": "check", "other": "other"}

// receiptInput is payment p's receipt: the payment, paying its amount of
// the charge's invoice.
func receiptInput(p paymentRow, invoice fiscal.Document) fiscal.Input {
	in := fiscal.Input{SourceID: p.ID, Kind: fiscal.KindPaymentReceipt, Currency: p.Currency,
		Payment: &fiscal.Payment{PaidAt: p.PaidAt.Time, Form: paymentForms[p.Method], Amount: p.Amount.Decimal,
			Documents: []fiscal.PaidDocument{{DocumentID: invoice.ID, Amount: p.Amount.Decimal}}}}
	if p.Reference != nil {
		in.Payment.Reference = *p.Reference
	}
	if invoice.Input != nil {
		in.ExchangeRate = invoice.Input.ExchangeRate
	}
	return in
}

// errNoReceipt answers a receipt asked for a payment that takes none.
func errNoReceipt(payment string) *sdk.Error {
	return sdk.Conflict("payment_receipt_not_required", "the payment's charge was invoiced as paid when issued: its payments take no receipt").
		WithDetails(map[string]any{"payment_id": payment})
}

// issueReceipt issues payment p's receipt for charge ch and records its
// state on the payment in the call's unit of work: 409 when the charge
// has no authorized invoice yet, or one paid when issued (recorded as
// not_required).
func issueReceipt(c *sdk.Context, p paymentRow, ch chargeRow) (fiscal.Document, error) {
	invoiceID, ok := ch.authorized()
	if !ok {
		return fiscal.Document{}, errNotInvoiced(ch.ID)
	}
	invoice, err := c.Fiscal().Get(invoiceID)
	if err != nil {
		return fiscal.Document{}, err
	}
	if invoice.Input == nil || !invoice.Input.Deferred {
		if err := c.DB().Update("payments", p.ID, map[string]any{"fiscal_status": fiscalNotRequired, "fiscal_updated_at": time.Now().UTC()}); err != nil {
			return fiscal.Document{}, fmt.Errorf("payment receipt of %s: %w", p.ID, err)
		}
		return fiscal.Document{}, errNoReceipt(p.ID)
	}
	doc, err := c.Fiscal().Issue(receiptInput(p, invoice))
	return doc, record(c, "payments", p.ID, p.fiscalState, doc, err)
}

// receiptAnswer reports whether err is an answer about a payment's
// receipt that leaves the payment recorded: the fiscal service's (the
// authority unavailable, the input refused), no invoice yet, or none
// needed.
func receiptAnswer(err error) bool {
	return sdk.FiscalAnswer(err) != nil || isCode(err, "charge_not_invoiced") || isCode(err, "payment_receipt_not_required")
}

// paymentAndCharge reads payment id and its charge.
func paymentAndCharge(c *sdk.Context, id string) (paymentRow, chargeRow, error) {
	var (
		p  paymentRow
		ch chargeRow
	)
	if err := c.DB().Get("payments", id, &p); err != nil {
		if isCode(err, "not_found") {
			return p, ch, notFound("payment", id)
		}
		return p, ch, fmt.Errorf("payment %s: %w", id, err)
	}
	if err := c.DB().Get("charges", p.ChargeID, &ch); err != nil {
		return p, ch, fmt.Errorf("payment %s: charge: %w", id, err)
	}
	return p, ch, nil
}

// receiptBody is the body of POST /payments/{id}/receipt: none, the
// payment says everything.
type receiptBody struct{}

// issuePaymentReceipt handles POST /payments/{id}/receipt: the payment's
// receipt, issued now (after a refusal the job does not retry, needs_data,
// such as the method "other") or answered as it was. 409 charge_not_invoiced or
// payment_receipt_not_required when it takes none; the fiscal service's
// errors as they come.
func issuePaymentReceipt(c *sdk.Context) error {
	id, err := c.PathUUID("id", "payment")
	if err != nil {
		return err
	}
	p, ch, err := paymentAndCharge(c, id)
	if err != nil {
		return err
	}
	doc, err := issueReceipt(c, p, ch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// getPaymentReceipt handles GET /payments/{id}/receipt: the payment's
// receipt as the host keeps it, with the installment and balances the
// host computed (details.installments); 404 fiscal_document_not_found
// when it has none.
func getPaymentReceipt(c *sdk.Context) error {
	id, err := c.PathUUID("id", "payment")
	if err != nil {
		return err
	}
	var p paymentRow
	if err := c.DB().Get("payments", id, &p); err != nil {
		if isCode(err, "not_found") {
			return notFound("payment", id)
		}
		return fmt.Errorf("payment %s: %w", id, err)
	}
	doc, err := c.Fiscal().BySource(fiscal.KindPaymentReceipt, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// receiptJob issues, per company, the receipts still to issue: payments
// of charges whose invoice is authorized that were recorded before it
// was, and those left pending while the fiscal service was unavailable
// or its outcome unknown, once due again (backing off). A receipt whose
// data was refused is needs_data, with the host's code and field, until
// issued by hand.
var receiptJob = sdk.Job{
	Name: "issue_payment_receipts", Schedule: "@every 1m", PerCompany: true,
	Summary: "Issue the payment receipts of payments of charges invoiced as deferred",
	Handler: runReceiptJob,
}

func runReceiptJob(c *sdk.Context, _ sdk.JobRun) error {
	st, err := c.Fiscal().Settings()
	if err != nil || !st.Configured {
		return err
	}
	var payments []idRow
	if err := c.DB().Query(qUnreceiptedPayments, &payments, fiscalBatch); err != nil {
		return fmt.Errorf("receipt job: %w", err)
	}
	for _, row := range payments {
		p, ch, err := paymentAndCharge(c, row.ID)
		if err != nil {
			return err
		}
		if _, err := issueReceipt(c, p, ch); err != nil && !receiptAnswer(err) {
			return err
		}
	}
	return nil
}
