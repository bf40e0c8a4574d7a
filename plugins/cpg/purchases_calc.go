package cpg

import (
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Receiving a purchase order, computed without a database: which lines
// arrive, and the costs and quantities they leave.

// movingAverage is the unit cost after receiving quantity units at unitCost
// into onHand units valued at cost: (onHand × cost + quantity × unitCost) ÷
// (onHand + quantity), to six decimals. Stock at or below zero carries no
// value, so the receipt's cost becomes the new cost.
func movingAverage(onHand, cost, quantity, unitCost decimal.Decimal) decimal.Decimal {
	if !onHand.IsPositive() {
		return unitCost
	}
	value := onHand.Mul(cost).Add(quantity.Mul(unitCost))
	return value.DivRound(onHand.Add(quantity), 6)
}

// receiptWant is a validated receipt line: the quantity of a variant that
// arrives, at its own cost or (nil) at the order's.
type receiptWant struct {
	variantID string
	quantity  decimal.Decimal
	cost      *decimal.Decimal
}

// checkReceipt validates a receipt: where it goes ("" for the order's
// location) and its lines, none meaning everything pending arrives.
func checkReceipt(in receiptInput) (string, []receiptWant, error) {
	to, err := optionalID("location_id", in.LocationID)
	if err != nil {
		return "", nil, err
	}
	wants, err := checkReceiptLines(in.Lines)
	return to, wants, err
}

// checkReceiptLines validates a receipt's lines.
func checkReceiptLines(in []receiptLineInput) ([]receiptWant, error) {
	wants := make([]receiptWant, 0, len(in))
	seen := map[string]bool{}
	for i, l := range in {
		f := fmt.Sprintf("lines[%d]", i)
		vid, err := sdk.UUID(f+".variant_id", l.VariantID)
		if err != nil {
			return nil, err
		}
		if seen[vid] {
			return nil, sdk.InvalidField(f+".variant_id", "is listed twice")
		}
		seen[vid] = true
		q, err := money.QuantityLimits.Parse(f+".quantity", l.Quantity)
		if err != nil {
			return nil, err
		}
		w := receiptWant{variantID: vid, quantity: q}
		if l.UnitCost != nil {
			cost, err := money.PriceLimits.Parse(f+".unit_cost", *l.UnitCost)
			if err != nil {
				return nil, err
			}
			w.cost = &cost
		}
		wants = append(wants, w)
	}
	return wants, nil
}

// receiptLocation checks that po can be received and returns where the
// goods go: to (read as loc), which must not be a consignee's, or else the
// order's location.
func receiptLocation(po poRow, to string, loc locationRow) (string, error) {
	if po.Status != POOrdered && po.Status != POPartiallyReceived {
		return "", sdk.Conflict("invalid_transition", "purchase order "+po.ID+" is "+po.Status+": only an ordered purchase order can be received")
	}
	if to == "" {
		return po.LocationID, nil
	}
	if loc.Kind == LocationConsignee {
		return "", sdk.InvalidField("location_id", "must be a store or warehouse")
	}
	return to, nil
}

// arrival is a purchase order line arriving: a quantity at a unit cost.
type arrival struct {
	line     poLineRow
	quantity decimal.Decimal
	cost     decimal.Decimal
}

// planArrivals matches a receipt's wants with the lines of purchase order
// poID — without wants, every line's pending quantity arrives at the
// order's cost — and returns the arrivals in line order.
func planArrivals(poID string, wants []receiptWant, lines []poLineRow) ([]arrival, error) {
	var arrivals []arrival
	for _, w := range wants {
		found := false
		for _, l := range lines {
			if l.VariantID != w.variantID {
				continue
			}
			found = true
			pending := l.Quantity.Sub(l.ReceivedQuantity)
			if w.quantity.GreaterThan(pending) {
				return nil, sdk.Unprocessable("exceeds_order", fmt.Sprintf("variant %s: %s received but only %s pending", w.variantID, fmtQty(w.quantity), fmtQty(pending))).
					WithDetails(map[string]any{"variant_id": w.variantID, "pending": fmtQty(pending)})
			}
			cost := l.UnitCost
			if w.cost != nil {
				cost = *w.cost
			}
			arrivals = append(arrivals, arrival{line: l, quantity: w.quantity, cost: cost})
		}
		if !found {
			return nil, sdk.InvalidField("lines", "variant %s is not on purchase order %s", w.variantID, poID)
		}
	}
	if len(wants) == 0 {
		for _, l := range lines {
			if p := l.Quantity.Sub(l.ReceivedQuantity); p.IsPositive() {
				arrivals = append(arrivals, arrival{line: l, quantity: p, cost: l.UnitCost})
			}
		}
	}
	slices.SortFunc(arrivals, func(a, b arrival) int { return a.line.LineNo - b.line.LineNo })
	if len(arrivals) == 0 {
		return nil, sdk.Conflict("nothing_pending", "purchase order "+poID+" has nothing left to receive")
	}
	return arrivals, nil
}

// receiptCalc is what a receipt changes.
type receiptCalc struct {
	// lines are the receipt's lines, with each variant's cost before and
	// after.
	lines []receiptLine
	// costs and received are, per arrival, its variant's cost and its
	// line's received quantity after the receipt.
	costs, received []decimal.Decimal
	// poLines are the order's lines after the receipt; complete is set
	// when nothing of them is pending any more.
	poLines  []poLineRow
	complete bool
}

// receive computes a receipt of arrivals: each variant's moving-average
// cost from its stock on hand (totals) and current cost, and each line's
// received quantity.
func receive(arrivals []arrival, variants map[string]variantInfo, totals []stockRow, lines []poLineRow) receiptCalc {
	onHand := map[string]decimal.Decimal{}
	for _, t := range totals {
		onHand[t.VariantID] = t.OnHand
	}
	rec := receiptCalc{lines: make([]receiptLine, 0, len(arrivals)), poLines: slices.Clone(lines), complete: true}
	received := map[string]decimal.Decimal{}
	for _, a := range arrivals {
		v := variants[a.line.VariantID]
		newCost := movingAverage(onHand[v.ID], v.Cost, a.quantity, a.cost)
		rec.lines = append(rec.lines, receiptLine{VariantID: v.ID, Quantity: fmtQty(a.quantity), UnitCost: fmtPrice(a.cost),
			CostBefore: fmtPrice(v.Cost), CostAfter: fmtPrice(newCost)})
		received[a.line.ID] = a.line.ReceivedQuantity.Add(a.quantity)
		rec.costs = append(rec.costs, newCost)
		rec.received = append(rec.received, received[a.line.ID])
	}
	for i, l := range rec.poLines {
		if r, ok := received[l.ID]; ok {
			rec.poLines[i].ReceivedQuantity = r
		}
		if rec.poLines[i].ReceivedQuantity.LessThan(l.Quantity) {
			rec.complete = false
		}
	}
	return rec
}

// event is the order's transition: receive_all once nothing is pending.
func (r receiptCalc) event() string {
	if r.complete {
		return eventReceiveAll
	}
	return eventReceive
}
