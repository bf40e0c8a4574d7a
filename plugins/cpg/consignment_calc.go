package cpg

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Consignment calculations without a database: what a consignment is worth
// and owes, which lines a report or return names, and a new consignment's
// lines.

// consignmentState summarizes what a consignment still holds and owes.
type consignmentState struct {
	Outstanding decimal.Decimal
	Owed        decimal.Decimal
}

// stateOf sums a consignment's outstanding units and the amount owed
// (sold minus settled).
func stateOf(c consignmentRow, lines []consignmentLineRow) consignmentState {
	var st consignmentState
	for _, l := range lines {
		st.Outstanding = st.Outstanding.Add(l.outstanding())
	}
	st.Owed = c.SoldTotal.Sub(c.SettledTotal.Decimal)
	return st
}

// done reports whether nothing is out and nothing is owed: the
// consignment is settled.
func (s consignmentState) done() bool { return s.Outstanding.IsZero() && s.Owed.IsZero() }

// consignmentValue prices consignment lines with the calculator: the
// amount the consignee owes when it sells quantity of each.
func (e *env) consignmentValue(lines []consignmentLineRow, quantity func(consignmentLineRow) decimal.Decimal) (money.Result, error) {
	doc := money.Document{Currency: e.currency, PricesIncludeTax: e.cfg.PricesIncludeTax}
	for _, l := range lines {
		q := quantity(l)
		if q.IsZero() {
			continue
		}
		rate, err := e.rate(l.TaxCode)
		if err != nil {
			return money.Result{}, err
		}
		doc.Lines = append(doc.Lines, money.Line{Quantity: q, UnitPrice: l.UnitPrice, Tax: rate})
	}
	if len(doc.Lines) == 0 {
		return money.Result{}, nil
	}
	res, err := money.Calculate(doc)
	if err != nil {
		return money.Result{}, moneyError(err, "lines")
	}
	return res, nil
}

// costOf values quantity of each line at its unit cost, rounded to the
// currency.
func costOf(lines []consignmentLineRow, quantity func(consignmentLineRow) decimal.Decimal, cur money.Currency) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(quantity(l).Mul(l.UnitCost))
	}
	return money.Round(sum, cur)
}

// consignmentQtyInput is a line of a consignee sales report or a return.
type consignmentQtyInput struct {
	VariantID string `json:"variant_id"`
	Quantity  string `json:"quantity"`
}

// matchConsignmentLines resolves report or return lines against the
// consignment's, refusing more than is outstanding. No lines means every
// outstanding unit.
func matchConsignmentLines(in []consignmentQtyInput, lines []consignmentLineRow) (map[string]decimal.Decimal, error) {
	out := map[string]decimal.Decimal{}
	if len(in) == 0 {
		for _, l := range lines {
			if o := l.outstanding(); o.IsPositive() {
				out[l.ID] = o
			}
		}
		return out, nil
	}
	if len(in) > maxLines {
		return nil, sdk.InvalidField("lines", "must list at most %d lines", maxLines)
	}
	for i, li := range in {
		f := fmt.Sprintf("lines[%d]", i)
		vid, err := sdk.UUID(f+".variant_id", li.VariantID)
		if err != nil {
			return nil, err
		}
		q, err := money.QuantityLimits.Parse(f+".quantity", li.Quantity)
		if err != nil {
			return nil, err
		}
		var line *consignmentLineRow
		for j := range lines {
			if lines[j].VariantID == vid {
				line = &lines[j]
			}
		}
		if line == nil {
			return nil, sdk.InvalidField(f+".variant_id", "is not on this consignment")
		}
		if _, dup := out[line.ID]; dup {
			return nil, sdk.InvalidField(f+".variant_id", "is listed twice")
		}
		if q.GreaterThan(line.outstanding()) {
			return nil, sdk.Unprocessable("exceeds_outstanding", fmt.Sprintf("%s.quantity %s is more than the %s still at the consignee",
				f, fmtQty(q), fmtQty(line.outstanding()))).WithDetails(map[string]any{"field": f + ".quantity", "outstanding": fmtQty(line.outstanding())})
		}
		out[line.ID] = q
	}
	return out, nil
}

// consignmentLineIn is a validated line of a new consignment.
type consignmentLineIn struct {
	variantID string
	quantity  decimal.Decimal
	price     *decimal.Decimal
}

// checkConsignmentInput validates a new consignment: its customer, source
// location and note go into row, and its lines are returned.
func checkConsignmentInput(in consignmentInput, row *consignmentRow) ([]consignmentLineIn, error) {
	var err error
	if row.CustomerID, err = sdk.UUID("customer_id", in.CustomerID); err != nil {
		return nil, err
	}
	if row.SourceLocationID, err = optionalID("source_location_id", in.SourceLocationID); err != nil {
		return nil, err
	}
	if row.Note, err = sdk.OptionalText("note", in.Note, 1000); err != nil {
		return nil, err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return nil, sdk.InvalidField("lines", "must list 1 to %d lines", maxLines)
	}
	lines := make([]consignmentLineIn, len(in.Lines))
	seen := map[string]bool{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if lines[i].variantID, err = sdk.UUID(f+".variant_id", l.VariantID); err != nil {
			return nil, err
		}
		if seen[lines[i].variantID] {
			return nil, sdk.InvalidField(f+".variant_id", "is listed twice")
		}
		seen[lines[i].variantID] = true
		if lines[i].quantity, err = money.QuantityLimits.Parse(f+".quantity", l.Quantity); err != nil {
			return nil, err
		}
		if l.UnitPrice != nil {
			p, err := money.PriceLimits.Parse(f+".unit_price", *l.UnitPrice)
			if err != nil {
				return nil, err
			}
			lines[i].price = &p
		}
	}
	return lines, nil
}

// placeConsignment checks that customer is a consignee and sends row from
// source (read as its source location; the principal location when none
// was named, principal) to the customer's consignee location.
func placeConsignment(row *consignmentRow, customer customerRow, source locationRow, principal string) error {
	if customer.LocationID == nil {
		return sdk.Unprocessable("not_a_consignee", "customer "+row.CustomerID+" has no consignee location: create it with \"consignee\": true")
	}
	if row.SourceLocationID == "" {
		row.SourceLocationID = principal
	} else if source.Kind == LocationConsignee {
		return sdk.InvalidField("source_location_id", "must be a store or warehouse")
	}
	row.LocationID = *customer.LocationID
	return nil
}

// priceConsignment builds row's lines from the checked lines and their
// variants — at the variant's price unless the line names one, at the
// variant's cost — and sets row's value at price (by the calculator) and
// at cost.
func (e *env) priceConsignment(row *consignmentRow, lines []consignmentLineIn, variants map[string]variantInfo) ([]consignmentLineRow, error) {
	lineRows := make([]consignmentLineRow, len(lines))
	for i, l := range lines {
		v := variants[l.variantID]
		price := v.Price
		if l.price != nil {
			price = *l.price
		}
		lineRows[i] = consignmentLineRow{ID: uuid.NewString(), ConsignmentID: row.ID, LineNo: i + 1, VariantID: v.ID,
			Quantity: l.quantity, UnitPrice: price, UnitCost: v.Cost, TaxCode: v.TaxCode, SKU: v.SKU}
	}
	all := func(l consignmentLineRow) decimal.Decimal { return l.Quantity }
	value, err := e.consignmentValue(lineRows, all)
	if err != nil {
		return nil, err
	}
	row.ValueAtPrice = money.AmountOf(value.Total)
	row.ValueAtCost = money.AmountOf(costOf(lineRows, all, e.currency))
	return lineRows, nil
}

// sellLines adds what a consignee sold (quantity per line id) to lines'
// sold quantities and returns the sales report's lines, in line order, with
// their amounts from value (the calculator's result over the sold lines,
// in the same order).
func sellLines(lines []consignmentLineRow, sold map[string]decimal.Decimal, value money.Result) []map[string]string {
	var out []map[string]string
	k := 0
	for i := range lines {
		l := &lines[i]
		q, ok := sold[l.ID]
		if !ok {
			continue
		}
		lr := value.Lines[k]
		k++
		out = append(out, map[string]string{"variant_id": l.VariantID, "quantity": fmtQty(q), "unit_price": fmtPrice(l.UnitPrice),
			"net": money.AmountOf(lr.Net).String(), "tax": money.AmountOf(lr.Tax).String(), "total": money.AmountOf(lr.Total).String()})
		l.SoldQuantity = l.SoldQuantity.Add(q)
	}
	return out
}

// consignmentLinesInput is POST /consignments/{id}/sales and /returns.
type consignmentLinesInput struct {
	LocationID string                `json:"location_id"`
	Lines      []consignmentQtyInput `json:"lines"`
}
