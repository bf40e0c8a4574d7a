package banking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// ReportFilter selects what the unreconciled report covers; zero fields do
// not filter.
type ReportFilter struct {
	// AccountID limits the movements to one account.
	AccountID uuid.UUID
	// From and To bound movement posting dates, and invoice and payment
	// dates (in the company's time zone), both inclusive.
	From, To time.Time
	// MovementsCursor, InvoicesCursor and PaymentsCursor page each list on
	// its own.
	MovementsCursor string
	InvoicesCursor  string
	PaymentsCursor  string
	// Limit is the size of each page, 1–500; 0 means 100.
	Limit int
}

// MovementTotals sums the unreconciled movements of one currency.
type MovementTotals struct {
	Currency    string `json:"currency"`
	Count       int    `json:"count"`
	Deposits    string `json:"deposits"`
	Withdrawals string `json:"withdrawals"`
}

// InvoiceTotals sums the open invoices of one currency and direction.
type InvoiceTotals struct {
	Currency  string `json:"currency"`
	Direction string `json:"direction"`
	Count     int    `json:"count"`
	Total     string `json:"total"`
}

// PaymentTotals sums the open payments of one currency and method:
// Payments the money taken, Refunds (negative) the money paid back.
type PaymentTotals struct {
	Currency string `json:"currency"`
	Method   string `json:"method"`
	Count    int    `json:"count"`
	Payments string `json:"payments"`
	Refunds  string `json:"refunds"`
}

// UnreconciledReport lists what is still unreconciled: movements without a
// live match, valid ingreso/egreso invoices no live match pays and the
// verticals' payments (card, transfer...) no live match settles, each a
// keyset page oldest first, with totals over everything the filter covers.
type UnreconciledReport struct {
	Movements      httpx.Page[Movement]    `json:"movements"`
	Invoices       httpx.Page[OpenInvoice] `json:"invoices"`
	Payments       httpx.Page[OpenPayment] `json:"payments"`
	MovementTotals []MovementTotals        `json:"movement_totals"`
	InvoiceTotals  []InvoiceTotals         `json:"invoice_totals"`
	PaymentTotals  []PaymentTotals         `json:"payment_totals"`
}

// reportCursor is the keyset position of any list of the report; Source
// is set for payments only.
type reportCursor struct {
	At     time.Time `json:"t"`
	Source string    `json:"s,omitempty"`
	ID     uuid.UUID `json:"i"`
}

// Unreconciled builds the report for companyID.
func (s *Service) Unreconciled(ctx context.Context, companyID uuid.UUID, f ReportFilter) (UnreconciledReport, error) {
	f.Limit = pageLimit(f.Limit)
	var movAfter, invAfter reportCursor
	var movAt, invAt *time.Time
	if f.MovementsCursor != "" {
		if err := httpx.DecodeCursor(f.MovementsCursor, &movAfter); err != nil {
			return UnreconciledReport{}, err
		}
		movAt = &movAfter.At
	}
	if f.InvoicesCursor != "" {
		if err := httpx.DecodeCursor(f.InvoicesCursor, &invAfter); err != nil {
			return UnreconciledReport{}, err
		}
		invAt = &invAfter.At
	}
	var payAfter reportCursor
	var payAt *time.Time
	if f.PaymentsCursor != "" {
		if err := httpx.DecodeCursor(f.PaymentsCursor, &payAfter); err != nil {
			return UnreconciledReport{}, err
		}
		payAt = &payAfter.At
	}
	loc, err := s.location(ctx, companyID)
	if err != nil {
		return UnreconciledReport{}, err
	}
	// Invoice dates are instants: the report's days run in the company's
	// time zone.
	var invFrom, invTo *time.Time
	if !f.From.IsZero() {
		t := time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, loc)
		invFrom = &t
	}
	if !f.To.IsZero() {
		t := time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, loc)
		invTo = &t
	}
	var rep UnreconciledReport
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if f.AccountID != uuid.Nil {
			if _, err := getAccount(ctx, tx, companyID, f.AccountID); err != nil {
				return err
			}
		}
		acct, from, to := nullUUID(f.AccountID), nullDate(f.From), nullDate(f.To)
		rows, err := tx.Query(ctx, reportMovementsSQL, companyID, acct, from, to, movAt, movAfter.ID, f.Limit+1)
		if err != nil {
			return fmt.Errorf("read movements: %w", err)
		}
		movs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Movement, error) { return scanMovement(row) })
		if err != nil {
			return fmt.Errorf("read movements: %w", err)
		}
		next := ""
		if len(movs) > f.Limit {
			movs = movs[:f.Limit]
			last := movs[f.Limit-1]
			posted, _ := time.Parse(time.DateOnly, last.PostedOn)
			next = httpx.EncodeCursor(reportCursor{At: posted, ID: last.ID})
		}
		rep.Movements = httpx.NewPage(movs, next)

		rows, err = tx.Query(ctx, reportInvoicesSQL, companyID, invFrom, invTo, invAt, invAfter.ID, f.Limit+1)
		if err != nil {
			return fmt.Errorf("read open invoices: %w", err)
		}
		invs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OpenInvoice, error) {
			return scanOpenInvoice(row)
		})
		if err != nil {
			return fmt.Errorf("read open invoices: %w", err)
		}
		next = ""
		if len(invs) > f.Limit {
			invs = invs[:f.Limit]
			last := invs[f.Limit-1]
			next = httpx.EncodeCursor(reportCursor{At: last.Fecha, ID: last.ID})
		}
		rep.Invoices = httpx.NewPage(invs, next)

		if rep.MovementTotals, err = movementTotals(ctx, tx, companyID, acct, from, to); err != nil {
			return err
		}
		if rep.InvoiceTotals, err = invoiceTotals(ctx, tx, companyID, invFrom, invTo); err != nil {
			return err
		}
		return s.openPayments(ctx, tx, companyID, f.Limit, invFrom, invTo, payAt, payAfter, &rep)
	})
	if err != nil {
		return UnreconciledReport{}, fmt.Errorf("unreconciled report: %w", err)
	}
	return rep, nil
}

// openPayments fills the payments page and totals of rep: payments taken
// in [from, to) when given, after the cursor position when at is set.
func (s *Service) openPayments(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, limit int,
	from, to, at *time.Time, after reportCursor, rep *UnreconciledReport) error {
	rep.Payments, rep.PaymentTotals = httpx.NewPage[OpenPayment](nil, ""), []PaymentTotals{}
	query, totalsQuery := s.paymentQuery(reportPaymentsSQL), s.paymentQuery(reportPaymentTotalsSQL)
	if query == "" {
		return nil
	}
	rows, err := tx.Query(ctx, query, companyID, from, to, at, after.Source, after.ID, limit+1)
	if err != nil {
		return fmt.Errorf("read open payments: %w", err)
	}
	var pays []OpenPayment
	var p paymentRow
	_, err = pgx.ForEachRow(rows, p.fields(), func() error {
		pays = append(pays, OpenPayment{
			Source: p.ref.Source, PaymentID: p.ref.PaymentID, OccurredAt: p.occurredAt, Amount: p.amount.StringFixed(2),
			Currency: p.currency, Method: p.method, Reference: p.reference, DocumentID: p.documentID,
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("read open payments: %w", err)
	}
	next := ""
	if len(pays) > limit {
		pays = pays[:limit]
		last := pays[limit-1]
		next = httpx.EncodeCursor(reportCursor{At: last.OccurredAt, Source: last.Source, ID: last.PaymentID})
	}
	rep.Payments = httpx.NewPage(pays, next)

	rows, err = tx.Query(ctx, totalsQuery, companyID, from, to)
	if err != nil {
		return fmt.Errorf("sum open payments: %w", err)
	}
	var (
		t            PaymentTotals
		paid, refund decimal.Decimal
	)
	_, err = pgx.ForEachRow(rows, []any{&t.Currency, &t.Method, &t.Count, &paid, &refund}, func() error {
		t.Payments, t.Refunds = paid.StringFixed(2), refund.StringFixed(2)
		rep.PaymentTotals = append(rep.PaymentTotals, t)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sum open payments: %w", err)
	}
	return nil
}

func scanOpenInvoice(row pgx.CollectableRow) (OpenInvoice, error) {
	var (
		inv              OpenInvoice
		invoiceUUID      uuid.UUID
		emisor, receptor string
		total            decimal.Decimal
	)
	if err := row.Scan(&inv.ID, &invoiceUUID, &inv.Serie, &inv.Folio, &inv.Fecha, &inv.Tipo, &inv.Direction,
		&emisor, &receptor, &total, &inv.Moneda); err != nil {
		return OpenInvoice{}, err
	}
	inv.UUID, inv.Total = invoiceUUID.String(), total.StringFixed(2)
	inv.CounterpartyRFC = receptor
	if inv.Direction == "received" {
		inv.CounterpartyRFC = emisor
	}
	return inv, nil
}

func movementTotals(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, acct *uuid.UUID, from, to *time.Time) ([]MovementTotals, error) {
	rows, err := tx.Query(ctx, reportMovementTotalsSQL, companyID, acct, from, to)
	if err != nil {
		return nil, fmt.Errorf("sum movements: %w", err)
	}
	out := []MovementTotals{}
	var (
		t         MovementTotals
		dep, with decimal.Decimal
	)
	_, err = pgx.ForEachRow(rows, []any{&t.Currency, &t.Count, &dep, &with}, func() error {
		t.Deposits, t.Withdrawals = formatAmount(dep), formatAmount(with)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sum movements: %w", err)
	}
	return out, nil
}

func invoiceTotals(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, from, to *time.Time) ([]InvoiceTotals, error) {
	rows, err := tx.Query(ctx, reportInvoiceTotalsSQL, companyID, from, to)
	if err != nil {
		return nil, fmt.Errorf("sum open invoices: %w", err)
	}
	out := []InvoiceTotals{}
	var (
		t     InvoiceTotals
		total decimal.Decimal
	)
	_, err = pgx.ForEachRow(rows, []any{&t.Currency, &t.Direction, &t.Count, &total}, func() error {
		t.Total = total.StringFixed(2)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sum open invoices: %w", err)
	}
	return out, nil
}
