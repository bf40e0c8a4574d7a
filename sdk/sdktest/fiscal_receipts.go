package sdktest

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
)

// checkPayment checks a new payment receipt as the host does: Argentina
// has none; each invoice is the company's and the vertical's (404
// otherwise), authorized and issued as deferred, of one customer, which
// becomes the receipt's; and no invoice is paid beyond its total less its
// credit notes by the receipts not rejected or cancelled, this one
// included.
func (st *fiscalState) checkPayment(company, vertical string, in *fiscal.Input) error {
	if st.settings[company].Country == "AR" {
		return fiscalError(kind.Unprocessable, "fiscal_document_not_applicable", "a payment receipt is not applicable in Argentina",
			map[string]any{"kind": string(in.Kind), "country": "AR"})
	}
	var customer *fiscal.Customer
	for i, p := range in.Payment.Documents {
		at := fmt.Sprintf("payment.documents[%d]", i)
		inv, ok := st.byID[p.DocumentID]
		if !ok || inv.company != company || inv.doc.Vertical != vertical {
			return fiscalError(kind.NotFound, "fiscal_document_not_found", "no such fiscal document", nil)
		}
		reason := ""
		switch {
		case inv.doc.Kind != fiscal.KindInvoice || inv.doc.Status != fiscal.StatusAuthorized:
			reason = "a payment pays an authorized invoice"
		case !inv.doc.Input.Deferred:
			reason = "the invoice was paid when issued; only an invoice issued as deferred takes payment receipts"
		case customer != nil && !strings.EqualFold(customer.TaxID, inv.doc.Input.Customer.TaxID):
			reason = "a payment receipt pays invoices of one customer"
		}
		if reason != "" {
			return fiscalError(kind.Unprocessable, "invalid_field", at+".document_id: "+reason,
				map[string]any{"field": at + ".document_id", "reason": reason, "id": inv.doc.ID.String()})
		}
		if customer == nil {
			c := inv.doc.Input.Customer
			customer = &c
		}
		paid := st.paidOf(p.DocumentID).Add(p.Amount)
		if total := st.due(p.DocumentID); paid.GreaterThan(total) {
			balance := decimal.Max(total.Sub(paid.Sub(p.Amount)), decimal.Zero)
			return fiscalError(kind.Unprocessable, "payment_exceeds_balance",
				fmt.Sprintf("%s.amount: %s is more than the invoice's balance, %s", at, p.Amount.StringFixed(2), balance.StringFixed(2)),
				map[string]any{"field": at + ".amount", "document_id": p.DocumentID.String(), "amount": p.Amount.StringFixed(2),
					"balance": balance.StringFixed(2), "total": total.StringFixed(2)})
		}
	}
	in.Customer = *customer
	return nil
}

// due is what invoice is owed before any payment: its total less its
// authorized credit notes.
func (st *fiscalState) due(invoice uuid.UUID) decimal.Decimal {
	owed := st.byID[invoice].doc.Total.Decimal
	for _, d := range st.byID {
		if d.doc.Kind == fiscal.KindCreditNote && d.doc.Status == fiscal.StatusAuthorized && d.doc.RelatedID != nil && *d.doc.RelatedID == invoice {
			owed = owed.Sub(d.doc.Total.Decimal)
		}
	}
	return owed
}

// paidOf sums what the receipts not rejected or cancelled pay of
// invoice.
func (st *fiscalState) paidOf(invoice uuid.UUID) decimal.Decimal {
	var sum decimal.Decimal
	for _, n := range st.receiptsOf(invoice, false) {
		sum = sum.Add(n)
	}
	return sum
}

// receiptsOf are the amounts the receipts not rejected or cancelled
// (authorizedOnly: the authorized ones) pay of invoice.
func (st *fiscalState) receiptsOf(invoice uuid.UUID, authorizedOnly bool) []decimal.Decimal {
	var out []decimal.Decimal
	for _, d := range st.byID {
		if d.doc.Kind != fiscal.KindPaymentReceipt || d.doc.Status == fiscal.StatusRejected || d.doc.Status == fiscal.StatusCancelled ||
			authorizedOnly && d.doc.Status != fiscal.StatusAuthorized {
			continue
		}
		for _, p := range d.doc.Input.Payment.Documents {
			if p.DocumentID == invoice {
				out = append(out, p.Amount)
			}
		}
	}
	return out
}

// installments numbers receipt's payment of each invoice after the
// receipts authorized before it, with the balances before and after.
func (st *fiscalState) installments(receipt *fiscalDoc) []fiscal.Installment {
	var out []fiscal.Installment
	for _, p := range receipt.doc.Input.Payment.Documents {
		before := st.receiptsOf(p.DocumentID, true)
		var sum decimal.Decimal
		for _, n := range before {
			sum = sum.Add(n)
		}
		prev := st.due(p.DocumentID).Sub(sum)
		out = append(out, fiscal.Installment{DocumentID: p.DocumentID, Number: len(before) + 1,
			PreviousBalance: money.AmountOf(prev), Paid: money.AmountOf(p.Amount), Balance: money.AmountOf(prev.Sub(p.Amount))})
	}
	return out
}
