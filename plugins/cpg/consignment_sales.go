package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// A consignee's sales reports and the settlements that pay them.

// reportConsignmentSales handles POST /consignments/{id}/sales: the
// consignee reports what it sold; the goods leave the consignee location
// (consign_sold) and the amount owed grows by their value computed by the
// calculator at the consignment's prices.
func reportConsignmentSales(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "consignment")
	if err != nil {
		return err
	}
	var in consignmentLinesInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	if in.LocationID != "" {
		return sdk.InvalidField("location_id", "is not used by a sales report")
	}
	if len(in.Lines) == 0 {
		return sdk.InvalidField("lines", "must list what the consignee sold")
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	if !row.out() {
		return sdk.Conflict("consignment_not_out", "consignment "+id+" is "+row.Status+": nothing of it is at the consignee")
	}
	sold, err := matchConsignmentLines(in.Lines, lines)
	if err != nil {
		return err
	}
	value, err := e.consignmentValue(lines, func(l consignmentLineRow) decimal.Decimal { return sold[l.ID] })
	if err != nil {
		return err
	}
	at := now()
	rep := reportRow{ID: uuid.NewString(), ConsignmentID: id, Net: money.AmountOf(value.Net), Tax: money.AmountOf(value.Tax), Total: money.AmountOf(value.Total),
		UserID: nullable(c.Principal().UserID), OccurredAt: at}
	led := newLedger(c, e, "consignment_sale", rep.ID, at)
	rep.Lines, _ = json.Marshal(sellLines(lines, sold, value))
	b := c.DB().Batch()
	for _, l := range lines {
		if q, ok := sold[l.ID]; ok {
			b.Update("consignment_lines", l.ID, map[string]any{"sold_quantity": l.SoldQuantity})
			led.add(KindConsignSold, l.VariantID, row.LocationID, q.Neg(), l.UnitCost)
		}
	}
	row.SoldTotal.Decimal = row.SoldTotal.Add(value.Total)
	b.Insert("consignment_reports", rep)
	b.Update("consignments", id, map[string]any{"sold_total": row.SoldTotal})
	if stateOf(row, lines).done() {
		b.Transition("consignments", id, eventSettle, "everything sold and paid", nil)
	}
	stockOK := led.queue(b)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if _, err := c.Events().Publish(TopicConsignmentSold, map[string]string{
		"consignment_id": id, "report_id": rep.ID, "total": rep.Total.String(),
		"currency": row.Currency, "occurred_at": at.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	v := view()
	v["report"] = rep
	return c.JSON(http.StatusCreated, v)
}

// settlementInput is POST /consignments/{id}/settlements.
type settlementInput struct {
	Amount    string `json:"amount"`
	Method    string `json:"method"`
	Reference string `json:"reference"`
}

// settleConsignment handles POST /consignments/{id}/settlements: the
// consignee pays (part of) what it owes. Paying everything once nothing is
// left at the consignee settles the consignment; anything less makes it
// partially settled.
func settleConsignment(c *sdk.Context) error {
	id, err := c.PathUUID("id", "consignment")
	if err != nil {
		return err
	}
	var in settlementInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := settlementRow{ID: uuid.NewString(), ConsignmentID: id, UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	if set.Amount.Decimal, err = money.PositiveAmountLimits.Parse("amount", in.Amount); err != nil {
		return err
	}
	if !validMethod(in.Method) {
		return sdk.InvalidField("method", "must be cash, card, transfer or mercadopago, got %q", in.Method)
	}
	set.Method = in.Method
	if set.Reference, err = sdk.OptionalText("reference", in.Reference, 200); err != nil {
		return err
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("settle consignment: %w", err)
	}
	if !row.out() {
		return sdk.Conflict("consignment_not_out", "consignment "+id+" is "+row.Status+": there is nothing to settle")
	}
	owed := stateOf(row, lines).Owed
	if set.Amount.GreaterThan(owed) {
		return sdk.Unprocessable("overpayment", fmt.Sprintf("amount %s is more than the %s owed", set.Amount, money.AmountOf(owed))).
			WithDetails(map[string]any{"owed": money.AmountOf(owed)})
	}
	row.SettledTotal.Decimal = row.SettledTotal.Add(set.Amount.Decimal)
	event := eventSettlePartial
	if stateOf(row, lines).done() {
		event = eventSettle
	}
	b := c.DB().Batch()
	b.Insert("consignment_settlements", set)
	b.Update("consignments", id, map[string]any{"settled_total": row.SettledTotal})
	b.Transition("consignments", id, event, "settlement "+set.ID, nil)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("settle consignment: %w", err)
	}
	v := view()
	v["settlement"] = set
	return c.JSON(http.StatusCreated, v)
}
