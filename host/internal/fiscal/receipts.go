package fiscal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/money"
)

// Payment receipts (fiscal.KindPaymentReceipt) record a payment received
// for invoices issued as deferred. The core, never the vertical, says how
// much of each invoice is still owed and which installment a payment is:
//   - before a receipt is stored, its invoices must be the vertical's own
//     authorized, deferred invoices of one customer (paidInvoices);
//   - in the transaction that stores it, the invoices' rows are locked and
//     every receipt not rejected or cancelled that pays them, this one
//     included, must add up to at most each invoice's total less its
//     authorized credit notes (reserve), so concurrent payments never pay
//     an invoice twice over;
//   - under the lock of the receipt's series, just before it is issued,
//     each invoice's installment number and balances are computed from
//     the receipts authorized before it and its credit notes
//     (installments) and handed to the issuer in Document.Paid.

// PaidInvoice is an invoice a payment receipt pays, as the core computed
// it for the issuer: at Plan, before the receipt is stored, the invoice
// only; at Issue, with its installment.
type PaidInvoice struct {
	// Invoice is the authorized invoice.
	Invoice *Document
	fiscal.Installment
	// ExchangeRate is the vertical's: units of the invoice's currency per
	// unit of the payment's (zero: the same currency).
	ExchangeRate decimal.Decimal
}

// paidInvoices checks a payment receipt's invoices before anything is
// stored: each is vertical's (404 otherwise, as Get answers), an
// authorized invoice issued as deferred, in the payment's currency or
// given an exchange rate, and all are of one customer, which becomes the
// receipt's. It returns them without installments, for the issuer's Plan
// to check what its authority needs of them.
func (s *Service) paidInvoices(ctx context.Context, companyID uuid.UUID, vertical string, in *fiscal.Input) ([]PaidInvoice, error) {
	var customer *fiscal.Customer
	paid := make([]PaidInvoice, 0, len(in.Payment.Documents))
	for i, p := range in.Payment.Documents {
		at := fmt.Sprintf("payment.documents[%d]", i)
		inv, err := s.Get(ctx, companyID, vertical, p.DocumentID)
		if err != nil {
			return nil, err
		}
		switch {
		case inv.Kind != fiscal.KindInvoice || inv.Status != fiscal.StatusAuthorized:
			return nil, errPaid(at+".document_id", "a payment pays an authorized invoice", inv)
		case inv.Input == nil || !inv.Input.Deferred:
			return nil, errPaid(at+".document_id", "the invoice was paid when issued; only an invoice issued as deferred takes payment receipts", inv)
		case !strings.EqualFold(inv.Currency, in.Currency) && p.ExchangeRate.IsZero():
			return nil, errPaid(at+".exchange_rate", fmt.Sprintf("the invoice is in %s, the payment in %s: how many %s one %s is worth", inv.Currency, in.Currency, inv.Currency, in.Currency), inv)
		case customer != nil && !strings.EqualFold(customer.TaxID, inv.Input.Customer.TaxID):
			return nil, errPaid(at+".document_id", "a payment receipt pays invoices of one customer", inv)
		}
		if customer == nil {
			c := inv.Input.Customer
			customer = &c
		}
		paid = append(paid, PaidInvoice{Invoice: inv, ExchangeRate: p.ExchangeRate})
	}
	in.Customer = *customer
	return paid, nil
}

// due is what invoice (of total) is owed before any payment: its total
// less its authorized credit notes.
func due(ctx context.Context, tx pgx.Tx, companyID, invoice uuid.UUID, total decimal.Decimal) (decimal.Decimal, error) {
	var credited decimal.Decimal
	if err := tx.QueryRow(ctx, qCredited, companyID, invoice).Scan(&credited); err != nil {
		return decimal.Zero, fmt.Errorf("credit notes of fiscal document %s: %w", invoice, err)
	}
	return total.Sub(credited), nil
}

// paidRow is one receipt's payment of one invoice.
type paidRow struct {
	receipt uuid.UUID
	status  fiscal.Status
	amount  decimal.Decimal
}

// paidSoFar lists the receipts paying invoice and what each pays of it.
func paidSoFar(ctx context.Context, tx pgx.Tx, companyID, invoice uuid.UUID) ([]paidRow, error) {
	rows, err := tx.Query(ctx, qPaidSoFar, companyID, invoice.String())
	if err != nil {
		return nil, fmt.Errorf("payments of fiscal document %s: %w", invoice, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (paidRow, error) {
		var p paidRow
		return p, r.Scan(&p.receipt, &p.status, &p.amount)
	})
	if err != nil {
		return nil, fmt.Errorf("payments of fiscal document %s: %w", invoice, err)
	}
	return out, nil
}

// reserve runs in the transaction that stored receipt: it locks the
// invoices the receipt pays and refuses (422 payment_exceeds_balance,
// rolling the receipt back) one whose receipts not rejected or cancelled,
// this one included, pay more than its total less its credit notes.
func reserve(ctx context.Context, tx pgx.Tx, receipt *Document) error {
	docs := receipt.Input.Payment.Documents
	ids := make([]uuid.UUID, 0, len(docs))
	for _, d := range docs {
		ids = append(ids, d.DocumentID)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	rows, err := tx.Query(ctx, qLockInvoices, receipt.companyID, ids)
	if err != nil {
		return fmt.Errorf("lock paid invoices: %w", err)
	}
	totals := map[uuid.UUID]decimal.Decimal{}
	for rows.Next() {
		var id uuid.UUID
		var total decimal.Decimal
		if err := rows.Scan(&id, &total); err != nil {
			rows.Close()
			return fmt.Errorf("lock paid invoices: %w", err)
		}
		totals[id] = total
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lock paid invoices: %w", err)
	}
	for i, d := range docs {
		paid, err := paidSoFar(ctx, tx, receipt.companyID, d.DocumentID)
		if err != nil {
			return err
		}
		var sum, others decimal.Decimal
		for _, p := range paid {
			if p.status == fiscal.StatusRejected || p.status == fiscal.StatusCancelled {
				continue
			}
			sum = sum.Add(p.amount)
			if p.receipt != receipt.ID {
				others = others.Add(p.amount)
			}
		}
		total := totals[d.DocumentID]
		owed, err := due(ctx, tx, receipt.companyID, d.DocumentID, total)
		if err != nil {
			return err
		}
		if sum.GreaterThan(owed) {
			balance := decimal.Max(owed.Sub(others), decimal.Zero)
			return httpx.Unprocessable("payment_exceeds_balance",
				fmt.Sprintf("payment.documents[%d].amount: %s is more than the invoice's balance, %s (its total %s less its credit notes and what other payment receipts pay of it)",
					i, d.Amount.StringFixed(2), balance.StringFixed(2), total.StringFixed(2))).
				WithDetails(map[string]any{"field": fmt.Sprintf("payment.documents[%d].amount", i), "document_id": d.DocumentID.String(),
					"amount": d.Amount.StringFixed(2), "balance": balance.StringFixed(2), "total": total.StringFixed(2)})
		}
	}
	return nil
}

// installments computes, for each invoice receipt pays, its installment
// number and balances from the receipts authorized before it and the
// invoice's authorized credit notes. The core
// calls it under the lock of the receipt's series, which every receipt
// of the company's issuer is numbered in.
func (s *Service) installments(ctx context.Context, db dal.Beginner, receipt *Document) ([]PaidInvoice, error) {
	docs := receipt.Input.Payment.Documents
	out := make([]PaidInvoice, 0, len(docs))
	err := store.TenantTx(ctx, db, receipt.companyID, func(tx pgx.Tx) error {
		for i, d := range docs {
			inv, err := scanDocument(tx.QueryRow(ctx, qGet, receipt.companyID, d.DocumentID))
			if err != nil {
				return fmt.Errorf("paid invoice %s: %w", d.DocumentID, err)
			}
			if inv.Status != fiscal.StatusAuthorized {
				return httpx.Conflict("fiscal_document_not_payable",
					fmt.Sprintf("payment.documents[%d]: the invoice is %s since the payment was recorded; it takes no payment receipt", i, inv.Status)).
					WithDetails(map[string]any{"field": fmt.Sprintf("payment.documents[%d].document_id", i), "id": inv.ID.String(), "status": string(inv.Status)})
			}
			paid, err := paidSoFar(ctx, tx, receipt.companyID, d.DocumentID)
			if err != nil {
				return err
			}
			n, before := 1, decimal.Zero
			for _, p := range paid {
				if p.status == fiscal.StatusAuthorized && p.receipt != receipt.ID {
					n, before = n+1, before.Add(p.amount)
				}
			}
			total := inv.Total.Decimal
			owed, err := due(ctx, tx, receipt.companyID, inv.ID, total)
			if err != nil {
				return err
			}
			prev := owed.Sub(before)
			if d.Amount.GreaterThan(prev) {
				return httpx.Unprocessable("payment_exceeds_balance",
					fmt.Sprintf("payment.documents[%d].amount: %s is more than the invoice's balance, %s", i, d.Amount.StringFixed(2), prev.StringFixed(2))).
					WithDetails(map[string]any{"field": fmt.Sprintf("payment.documents[%d].amount", i), "document_id": d.DocumentID.String(),
						"amount": d.Amount.StringFixed(2), "balance": prev.StringFixed(2), "total": total.StringFixed(2)})
			}
			out = append(out, PaidInvoice{Invoice: inv, ExchangeRate: d.ExchangeRate, Installment: fiscal.Installment{
				DocumentID: inv.ID, Number: n, PreviousBalance: money.AmountOf(prev), Paid: money.AmountOf(d.Amount),
				Balance: money.AmountOf(prev.Sub(d.Amount))}})
		}
		return nil
	})
	if err != nil {
		var he *httpx.Error
		if errors.As(err, &he) {
			return nil, he
		}
		return nil, fmt.Errorf("installments of %s: %w", receipt.ID, err)
	}
	return out, nil
}

// installmentDetails are the installments as a receipt's details show
// them.
func installmentDetails(paid []PaidInvoice) []fiscal.Installment {
	out := make([]fiscal.Installment, 0, len(paid))
	for _, p := range paid {
		out = append(out, p.Installment)
	}
	return out
}

// documentTotal is what a document's total column holds: the totals'
// total, or a payment receipt's amount received.
func documentTotal(in fiscal.Input) decimal.Decimal {
	if in.Kind == fiscal.KindPaymentReceipt && in.Payment != nil {
		return in.Payment.Amount
	}
	return in.Totals.Total
}

// errPaid is a payment receipt's invoice that cannot be paid.
func errPaid(field, reason string, inv *Document) *httpx.Error {
	return httpx.Unprocessable("invalid_field", field+": "+reason).
		WithDetails(map[string]any{"field": field, "reason": reason, "id": inv.ID.String()})
}

// withInstallments adds a payment receipt's installments to the details
// of its authorized outcome, computing them when the issuance did not
// (an outcome resolved later, under the same series lock, finds the same
// receipts authorized before it).
func (s *Service) withInstallments(ctx context.Context, db dal.Beginner, doc *Document, details map[string]any) (map[string]any, error) {
	paid := doc.Paid
	if paid == nil {
		var err error
		if paid, err = s.installments(ctx, db, doc); err != nil {
			return nil, err
		}
	}
	out := make(map[string]any, len(details)+1)
	for k, v := range details {
		out[k] = v
	}
	out["installments"] = installmentDetails(paid)
	return out, nil
}
