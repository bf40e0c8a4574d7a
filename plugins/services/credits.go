package services

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/money"
)

// A credit reduces what a charge's client owes — a discount granted after
// billing, a service not rendered — by an amount with IVA, all of the
// charge or part of it; together a charge's credits never pass its total.
// It is negative revenue of the day it was made (the charge's universal
// source holds it as a row of its own, as CPG's returns are), it lowers the
// charge's balance and so the client's aging, and when the charge's
// invoice is authorized its credit note reverses that much of it.

// creditRow is a row of credits.
type creditRow struct {
	ID        string         `json:"id"`
	ChargeID  string         `json:"charge_id"`
	Amount    money.Amount   `json:"amount"`
	Net       money.Amount   `json:"net"`
	Tax       money.Amount   `json:"tax"`
	Currency  string         `json:"currency"`
	Reason    string         `json:"reason"`
	CreatedBy *string        `json:"created_by"`
	CreatedAt *sdk.Timestamp `json:"created_at,omitempty"`
	fiscalState
}

// creditInput is POST /charges/{id}/credits.
type creditInput struct {
	// Amount is what the credit takes off the charge, IVA included.
	Amount money.Amount `json:"amount"`
	// Reason says why (it is the credit note's description).
	Reason string `json:"reason"`
}

// creditView is the answer to a credit: the credit and its charge.
type creditView struct {
	creditRow
	Charge chargeView `json:"charge"`
}

// parse validates the credit of charge into a row (its split and currency
// come from the charge).
func (in creditInput) parse(charge string, user *string) (creditRow, error) {
	row := creditRow{ID: uuid.NewString(), ChargeID: charge, CreatedBy: user}
	if err := money.PositiveAmountLimits.Check("amount", in.Amount.Decimal); err != nil {
		return row, err
	}
	row.Amount = in.Amount
	reason, err := sdk.Text("reason", in.Reason, 200)
	if err != nil {
		return row, err
	}
	row.Reason = reason
	return row, nil
}

// creditSums are the net and IVA of a charge's earlier credits.
type creditSums struct {
	Net decimal.NullDecimal `json:"net"`
	Tax decimal.NullDecimal `json:"tax"`
}

// splitCredit splits a credit of amount (IVA included) of charge ch, whose
// earlier credits sum prior, into net and IVA in the charge's proportion,
// rounded to the currency's minor unit, so that a charge's credits never
// take more net or IVA than it has and the credit that completes the
// charge takes exactly what is left of each. More than the charge has
// left to credit is 422 over_credit.
func splitCredit(ch chargeRow, prior creditSums, amount decimal.Decimal) (net, tax decimal.Decimal, err error) {
	left := ch.Total.Sub(ch.Credited.Decimal)
	if amount.GreaterThan(left) {
		return net, tax, sdk.Unprocessable("over_credit", fmt.Sprintf("the credit of %s exceeds what charge %s has left to credit, %s %s",
			amount.StringFixed(2), ch.ID, left.StringFixed(2), ch.Currency)).
			WithDetails(map[string]any{"field": "amount", "amount": amount.StringFixed(2), "creditable": left.StringFixed(2)})
	}
	cur, err := money.CurrencyOf(ch.Currency)
	if err != nil {
		return net, tax, fmt.Errorf("credit: %w", err)
	}
	netLeft := ch.Subtotal.Sub(prior.Net.Decimal)
	taxLeft := ch.Tax.Sub(prior.Tax.Decimal)
	tax = decimal.Min(money.Round(amount.Mul(ch.Tax.Decimal).Div(ch.Total.Decimal), cur), taxLeft)
	net = amount.Sub(tax)
	if net.GreaterThan(netLeft) {
		net = netLeft
		tax = amount.Sub(net)
	}
	return net, tax, nil
}

// creditEvent is the charge's transition after a credit brings its
// credits to credited: credited when they cover the whole charge, paid
// when payments and credits together do, none while something is owed.
func creditEvent(ch chargeRow, credited decimal.Decimal) string {
	switch {
	case credited.Equal(ch.Total.Decimal):
		return eventCreditAll
	case ch.Status != ChargePaid && ch.Paid.Add(credited).Equal(ch.Total.Decimal):
		return eventSettle
	default:
		return ""
	}
}

// createCredit handles POST /charges/{id}/credits: a credit of part or all
// of the charge, IVA included (together at most its total: more is 422
// over_credit and writes nothing). The charge is locked first, so racing
// credits cannot pass its total. The charge's balance drops (it becomes
// credited when fully credited, paid when payments and credits settle
// it); services.charge.credited moves the revenue report; the audit log
// records it. When the charge's invoice is authorized, the credit note is
// issued at once — or, while the authority cannot be reached, left
// pending for the job — and the answer says which.
func createCredit(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	var in creditInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	cr, err := in.parse(id, userOf(c))
	if err != nil {
		return err
	}
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var (
		ch   chargeRow
		sums []creditSums
	)
	b := c.DB().Batch()
	b.Lock("charges", id)
	b.Get("charges", id, &ch)
	b.Aggregate("credits", sdk.Aggregation{Where: []sdk.Filter{sdk.Eq("charge_id", id)},
		Aggregates: []sdk.Agg{sdk.Sum("net", "net"), sdk.Sum("tax", "tax")}}, &sums)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("credit: read charge: %w", err)
	}
	var prior creditSums
	if len(sums) > 0 {
		prior = sums[0]
	}
	net, tax, err := splitCredit(ch, prior, cr.Amount.Decimal)
	if err != nil {
		return err
	}
	cr.Net, cr.Tax, cr.Currency = money.AmountOf(net), money.AmountOf(tax), ch.Currency
	credited := ch.Credited.Add(cr.Amount.Decimal)
	b = c.DB().Batch()
	b.InsertReturning("credits", cr, &cr)
	b.Update("charges", id, map[string]any{"credited": credited.StringFixed(2)})
	if event := creditEvent(ch, credited); event != "" {
		b.Transition("charges", id, event, "credit "+cr.ID, nil)
	}
	b.Get("charges", id, &ch)
	if err := b.Run(); err != nil {
		return fmt.Errorf("credit: record: %w", err)
	}
	if _, err := c.Events().Publish(TopicChargeCredited, map[string]string{
		"credit_id": cr.ID, "charge_id": id, "amount": cr.Amount.StringFixed(2), "currency": cr.Currency,
		"created_at": cr.CreatedAt.UTC().Format(time.RFC3339Nano),
	}); err != nil {
		return err
	}
	if err := c.Audit("services.charge.credited", "charge:"+id, map[string]any{
		"credit_id": cr.ID, "amount": cr.Amount.StringFixed(2), "net": cr.Net.StringFixed(2), "tax": cr.Tax.StringFixed(2),
		"currency": cr.Currency, "reason": cr.Reason, "balance": ch.balance().StringFixed(2), "status": ch.Status,
	}); err != nil {
		return fmt.Errorf("credit: audit: %w", err)
	}
	if _, ok := ch.authorized(); ok {
		if _, err := issueCredit(c, e, cr, ch); err != nil && sdk.FiscalAnswer(err) == nil {
			return err
		}
		if err := c.DB().Get("credits", cr.ID, &cr); err != nil {
			return fmt.Errorf("credit: read back: %w", err)
		}
	}
	return c.JSON(http.StatusCreated, creditView{creditRow: cr, Charge: ch.view()})
}

// listCredits handles GET /charges/{id}/credits, oldest first.
func listCredits(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var (
		ch   chargeRow
		rows []creditRow
	)
	b := c.DB().Batch()
	b.Get("charges", id, &ch)
	next := b.List("credits", sdk.Query{Where: []sdk.Filter{sdk.Eq("charge_id", id)}, OrderBy: []sdk.Order{sdk.Asc("created_at")},
		Limit: limit, Cursor: c.Cursor()}, &rows)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("list credits: %w", err)
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next.NextCursor))
}

// creditNote handles GET /credits/{id}/credit-note: the credit's fiscal
// document (404 fiscal_document_not_found while it has none).
func creditNote(c *sdk.Context) error {
	id, err := c.PathUUID("id", "credit")
	if err != nil {
		return err
	}
	doc, err := c.Fiscal().BySource(fiscal.KindCreditNote, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
