package services

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// paymentMethods are the ways a client pays.
var paymentMethods = []string{"transfer", "card", "cash", "check", "other"}

// clockSkew is how far in the future a payment's paid_at may lie.
const clockSkew = 5 * time.Minute

// paymentRow is a row of payments.
type paymentRow struct {
	ID         string         `json:"id"`
	ChargeID   string         `json:"charge_id"`
	Amount     money.Amount   `json:"amount"`
	Currency   string         `json:"currency"`
	Method     string         `json:"method"`
	Reference  *string        `json:"reference"`
	PaidAt     sdk.Timestamp  `json:"paid_at"`
	RecordedBy *string        `json:"recorded_by"`
	CreatedAt  *sdk.Timestamp `json:"created_at,omitempty"`
	// fiscalState is where the payment's receipt is (receipts.go).
	fiscalState
}

// paymentInput is POST /charges/{id}/payments; paid_at defaults to now.
type paymentInput struct {
	Amount    money.Amount `json:"amount"`
	Method    string       `json:"method"`
	Reference string       `json:"reference,omitempty"`
	PaidAt    string       `json:"paid_at,omitempty"`
}

// paymentView is the answer to a payment: the payment and its charge.
type paymentView struct {
	paymentRow
	Charge chargeView `json:"charge"`
}

// parse validates the payment of charge into a row.
func (in paymentInput) parse(charge string, user *string, now time.Time) (paymentRow, error) {
	row := paymentRow{ID: uuid.NewString(), ChargeID: charge, RecordedBy: user, PaidAt: sdk.Timestamp{Time: now}}
	if err := money.PositiveAmountLimits.Check("amount", in.Amount.Decimal); err != nil {
		return row, err
	}
	row.Amount = in.Amount
	if !slices.Contains(paymentMethods, in.Method) {
		return row, sdk.InvalidField("method", "must be one of %s, got %q", strings.Join(paymentMethods, ", "), in.Method)
	}
	row.Method = in.Method
	ref, err := sdk.OptionalText("reference", in.Reference, 100)
	if err != nil {
		return row, err
	}
	row.Reference = ref
	if in.PaidAt != "" {
		at, err := time.Parse(time.RFC3339Nano, in.PaidAt)
		switch {
		case err != nil:
			return row, sdk.InvalidField("paid_at", "must be an RFC 3339 time such as \"2026-12-05T15:00:00Z\", got %q", in.PaidAt)
		case at.After(now.Add(clockSkew)):
			return row, sdk.InvalidField("paid_at", "must not be in the future")
		case at.Year() < 2000:
			return row, sdk.InvalidField("paid_at", "must be from 2000 on")
		}
		row.PaidAt = sdk.Timestamp{Time: at}
	}
	return row, nil
}

// createPayment handles POST /charges/{id}/payments: a payment of part or
// all of what the charge still owes (more is 422 overpayment). The charge
// is locked first, so concurrent payments cannot together pay more than
// its total; it moves to partially_paid, or paid when nothing is owed.
// A payment of a charge invoiced as deferred takes its receipt from the
// host's fiscal service once recorded: the answer shows where it is
// (fiscal_status), and one the service could not issue now stays pending
// for the job, the payment recorded all the same.
func createPayment(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	var in paymentInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	pay, err := in.parse(id, userOf(c), time.Now())
	if err != nil {
		return err
	}
	var ch chargeRow
	b := c.DB().Batch()
	b.Lock("charges", id)
	b.Get("charges", id, &ch)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("payment: read charge: %w", err)
	}
	balance := ch.balance()
	if pay.Amount.GreaterThan(balance) {
		return sdk.Unprocessable("overpayment", fmt.Sprintf("the payment of %s exceeds what charge %s still owes, %s %s",
			pay.Amount.StringFixed(2), id, balance.StringFixed(2), ch.Currency)).
			WithDetails(map[string]any{"field": "amount", "amount": pay.Amount.StringFixed(2), "balance": balance.StringFixed(2)})
	}
	pay.Currency = ch.Currency
	paid := ch.Paid.Add(pay.Amount.Decimal)
	event := eventPayPartial
	if paid.Add(ch.Credited.Decimal).Equal(ch.Total.Decimal) {
		event = eventPay
	}
	b = c.DB().Batch()
	b.InsertReturning("payments", pay, &pay)
	b.Update("charges", id, map[string]any{"paid": paid.StringFixed(2)})
	b.Transition("charges", id, event, "payment "+pay.ID, &ch)
	if err := b.Run(); err != nil {
		return fmt.Errorf("payment: record: %w", err)
	}
	if _, err := c.Events().Publish(TopicPaymentReceived, map[string]string{
		"payment_id": pay.ID, "charge_id": id, "amount": pay.Amount.StringFixed(2), "currency": pay.Currency, "status": ch.Status,
	}); err != nil {
		return err
	}
	if _, ok := ch.authorized(); ok {
		if _, err := issueReceipt(c, pay, ch); err != nil && !receiptAnswer(err) {
			return err
		}
		if err := c.DB().Get("payments", pay.ID, &pay); err != nil {
			return fmt.Errorf("payment: read back: %w", err)
		}
	}
	return c.JSON(http.StatusCreated, paymentView{paymentRow: pay, Charge: ch.view()})
}

// listPayments handles GET /charges/{id}/payments, in the order they were paid.
func listPayments(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var ch chargeRow
	var rows []paymentRow
	b := c.DB().Batch()
	b.Get("charges", id, &ch)
	next := b.List("payments", sdk.Query{Where: []sdk.Filter{sdk.Eq("charge_id", id)}, OrderBy: []sdk.Order{sdk.Asc("paid_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("list payments: %w", err)
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next.NextCursor))
}
