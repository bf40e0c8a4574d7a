package banking

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Account is a bank account statements are imported into.
type Account struct {
	ID       uuid.UUID `json:"id"`
	Name     string    `json:"name"`
	Bank     string    `json:"bank"`
	Currency string    `json:"currency"`
	// AccountLast4 is the last four digits of the account number, or "".
	AccountLast4 string      `json:"account_last4"`
	CSVMapping   *CSVMapping `json:"csv_mapping"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// NewAccount is the input of CreateAccount and the body of POST /accounts.
type NewAccount struct {
	Name         string      `json:"name"`
	Bank         string      `json:"bank"`
	Currency     string      `json:"currency"`
	AccountLast4 string      `json:"account_last4"`
	CSVMapping   *CSVMapping `json:"csv_mapping"`
}

// Batch is one imported statement file and what became of its rows.
type Batch struct {
	ID         uuid.UUID   `json:"id"`
	AccountID  uuid.UUID   `json:"account_id"`
	Format     string      `json:"format"`
	Filename   string      `json:"filename"`
	Imported   int         `json:"imported"`
	Duplicates int         `json:"duplicates"`
	Rejected   int         `json:"rejected"`
	Rejections []Rejection `json:"rejections"`
	CreatedBy  *uuid.UUID  `json:"created_by"`
	CreatedAt  time.Time   `json:"created_at"`
}

// Movement is one statement line. Amount is signed: deposits positive,
// withdrawals negative.
type Movement struct {
	ID          uuid.UUID `json:"id"`
	AccountID   uuid.UUID `json:"account_id"`
	BatchID     uuid.UUID `json:"batch_id"`
	PostedOn    string    `json:"posted_on"`
	Amount      string    `json:"amount"`
	Currency    string    `json:"currency"`
	Kind        string    `json:"kind"`
	Description string    `json:"description"`
	Reference   string    `json:"reference"`
	FITID       string    `json:"fitid"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
}

// Match is a reconciliation decision: a movement paid (or was paid by)
// invoices, or settled payments a vertical took. An undone match stays,
// with UndoneAt and UndoneBy set.
type Match struct {
	ID         uuid.UUID `json:"id"`
	MovementID uuid.UUID `json:"movement_id"`
	// Target is "invoice" (InvoiceIDs lists them) or "payment" (Payments
	// lists them); the other list is empty.
	Target     string         `json:"target"`
	InvoiceIDs []uuid.UUID    `json:"invoice_ids"`
	Payments   []PaymentRef   `json:"payments"`
	Score      int            `json:"score"`
	Reasons    map[string]int `json:"reasons"`
	// Difference is the movement's absolute amount minus the targets'
	// totals; only a manual match may leave one.
	Difference string     `json:"difference"`
	Method     string     `json:"method"`
	Note       string     `json:"note"`
	ActorID    *uuid.UUID `json:"actor_id"`
	CreatedAt  time.Time  `json:"created_at"`
	UndoneAt   *time.Time `json:"undone_at"`
	UndoneBy   *uuid.UUID `json:"undone_by"`
}

// OpenInvoice is an invoice no live match pays, as the unreconciled
// report shows it.
type OpenInvoice struct {
	ID              uuid.UUID `json:"id"`
	UUID            string    `json:"uuid"`
	Serie           string    `json:"serie"`
	Folio           string    `json:"folio"`
	Fecha           time.Time `json:"fecha"`
	Tipo            string    `json:"tipo"`
	Direction       string    `json:"direction"`
	CounterpartyRFC string    `json:"counterparty_rfc"`
	Total           string    `json:"total"`
	Moneda          string    `json:"moneda"`
}

// OpenPayment is a payment of a vertical's payment source that no live
// match settles, as the unreconciled report shows it. Amount is signed:
// refunds are negative.
type OpenPayment struct {
	Source     string    `json:"source"`
	PaymentID  uuid.UUID `json:"payment_id"`
	OccurredAt time.Time `json:"occurred_at"`
	Amount     string    `json:"amount"`
	Currency   string    `json:"currency"`
	Method     string    `json:"method"`
	Reference  string    `json:"reference"`
	DocumentID uuid.UUID `json:"document_id"`
}

// Movement statuses.
const (
	statusUnreconciled = "unreconciled"
	statusReconciled   = "reconciled"
)

// Match methods.
const (
	methodAuto   = "auto"
	methodManual = "manual"
)

func scanAccount(row pgx.Row) (Account, error) {
	var a Account
	var mapping []byte
	if err := row.Scan(&a.ID, &a.Name, &a.Bank, &a.Currency, &a.AccountLast4, &mapping, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return Account{}, err
	}
	if mapping != nil {
		a.CSVMapping = &CSVMapping{}
		if err := json.Unmarshal(mapping, a.CSVMapping); err != nil {
			return Account{}, fmt.Errorf("decode csv_mapping: %w", err)
		}
	}
	return a, nil
}

func scanBatch(row pgx.Row) (Batch, error) {
	var b Batch
	var rejections []byte
	if err := row.Scan(&b.ID, &b.AccountID, &b.Format, &b.Filename, &b.Imported, &b.Duplicates, &b.Rejected,
		&rejections, &b.CreatedBy, &b.CreatedAt); err != nil {
		return Batch{}, err
	}
	if err := json.Unmarshal(rejections, &b.Rejections); err != nil {
		return Batch{}, fmt.Errorf("decode rejections: %w", err)
	}
	if b.Rejections == nil {
		b.Rejections = []Rejection{}
	}
	return b, nil
}

func scanMovement(row pgx.Row) (Movement, error) {
	var m Movement
	var posted time.Time
	var amount decimal.Decimal
	if err := row.Scan(&m.ID, &m.AccountID, &m.BatchID, &posted, &amount, &m.Currency, &m.Kind,
		&m.Description, &m.Reference, &m.FITID, &m.Status, &m.CreatedAt); err != nil {
		return Movement{}, err
	}
	m.PostedOn, m.Amount = posted.Format(time.DateOnly), formatAmount(amount)
	return m, nil
}

func scanMatch(row pgx.Row) (Match, error) {
	var m Match
	var reasons []byte
	var diff decimal.Decimal
	var sources []string
	var paymentIDs []uuid.UUID
	if err := row.Scan(&m.ID, &m.MovementID, &m.Target, &m.InvoiceIDs, &sources, &paymentIDs, &m.Score, &reasons, &diff,
		&m.Method, &m.Note, &m.ActorID, &m.CreatedAt, &m.UndoneAt, &m.UndoneBy); err != nil {
		return Match{}, err
	}
	m.Payments = make([]PaymentRef, len(paymentIDs))
	for i, id := range paymentIDs {
		m.Payments[i] = PaymentRef{Source: sources[i], PaymentID: id}
	}
	if m.InvoiceIDs == nil {
		m.InvoiceIDs = []uuid.UUID{}
	}
	m.Difference = formatAmount(diff)
	if err := json.Unmarshal(reasons, &m.Reasons); err != nil {
		return Match{}, fmt.Errorf("decode reasons: %w", err)
	}
	return m, nil
}

// formatAmount writes a statement amount with two decimals, or with as many
// as it has when the bank sent more (115.8331 stays 115.8331).
func formatAmount(d decimal.Decimal) string {
	if d.Equal(d.Round(2)) {
		return d.StringFixed(2)
	}
	return d.String()
}
