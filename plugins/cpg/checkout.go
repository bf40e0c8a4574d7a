package cpg

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Payment methods.
const (
	MethodCash        = "cash"
	MethodCard        = "card"
	MethodTransfer    = "transfer"
	MethodMercadoPago = "mercadopago"
)

// validMethod reports whether m is a payment method.
func validMethod(m string) bool {
	switch m {
	case MethodCash, MethodCard, MethodTransfer, MethodMercadoPago:
		return true
	}
	return false
}

// tender is one payment handed over at checkout.
type tender struct {
	Method    string
	Amount    decimal.Decimal
	Reference *string
}

// tenderResult is a tender with the change given back from it.
type tenderResult struct {
	tender
	Change decimal.Decimal
}

// settleTenders checks that tenders pay total and computes the change: only
// cash gives change, so the other methods may not add up to more than the
// total; the change is taken from the cash tenders, last first.
func settleTenders(total decimal.Decimal, tenders []tender) ([]tenderResult, decimal.Decimal, decimal.Decimal, error) {
	paid, nonCash := decimal.Zero, decimal.Zero
	for _, t := range tenders {
		paid = paid.Add(t.Amount)
		if t.Method != MethodCash {
			nonCash = nonCash.Add(t.Amount)
		}
	}
	if paid.LessThan(total) {
		return nil, decimal.Zero, decimal.Zero, sdk.Unprocessable("insufficient_payment",
			fmt.Sprintf("payments add up to %s, the total is %s", fmtMoney(paid), fmtMoney(total))).
			WithDetails(map[string]any{"paid": fmtMoney(paid), "total": fmtMoney(total)})
	}
	if nonCash.GreaterThan(total) {
		return nil, decimal.Zero, decimal.Zero, sdk.Unprocessable("overpayment",
			fmt.Sprintf("card, transfer and mercadopago payments add up to %s, more than the total %s: only cash gives change",
				fmtMoney(nonCash), fmtMoney(total))).
			WithDetails(map[string]any{"non_cash": fmtMoney(nonCash), "total": fmtMoney(total)})
	}
	change := paid.Sub(total)
	out := make([]tenderResult, len(tenders))
	left := change
	for i := len(tenders) - 1; i >= 0; i-- {
		out[i] = tenderResult{tender: tenders[i], Change: decimal.Zero}
		if tenders[i].Method == MethodCash && left.IsPositive() {
			give := decimal.Min(left, tenders[i].Amount)
			out[i].Change = give
			left = left.Sub(give)
		}
	}
	return out, paid, change, nil
}

// pricedLine is a checkout line with everything the calculator needs.
type pricedLine struct {
	Variant   variantInfo
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	Discount  *money.Discount
	Tax       money.TaxRate
}

// saleCalc is a calculated checkout.
type saleCalc struct {
	money.Result
	Tenders []tenderResult
	Paid    decimal.Decimal
	Change  decimal.Decimal
}

// computeSale runs the financial calculator over the lines and settles the
// tenders against its total.
func computeSale(cur money.Currency, includeTax bool, lines []pricedLine, discount *money.Discount, tenders []tender) (saleCalc, error) {
	doc := money.Document{Currency: cur, PricesIncludeTax: includeTax, Discount: discount, Lines: make([]money.Line, len(lines))}
	for i, l := range lines {
		doc.Lines[i] = money.Line{Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount, Tax: l.Tax}
	}
	res, err := money.Calculate(doc)
	if err != nil {
		return saleCalc{}, moneyError(err, "lines")
	}
	ts, paid, change, err := settleTenders(res.Total, tenders)
	if err != nil {
		return saleCalc{}, err
	}
	return saleCalc{Result: res, Tenders: ts, Paid: paid, Change: change}, nil
}

// refundShare is the part of a sale line a return refunds.
type refundShare struct {
	Net, Tax decimal.Decimal
}

// lineRefund computes what returning quantity units of a sale line refunds.
// The line's total (net plus tax, after its line and ticket discounts) is
// prorated first: the fair share is total × quantity ÷ line quantity,
// rounded to the currency. That share is then split into net and tax in the
// line's own proportion (net rounded, tax the rest), as the calculator
// splits a tax-included total, so net + tax is always the share. The last
// units returned refund exactly what is left of the line's net and tax, so
// the refunds of a line always sum to what was paid for it.
func lineRefund(line saleLineRow, quantity decimal.Decimal, cur money.Currency) refundShare {
	remaining := line.Quantity.Sub(line.ReturnedQuantity)
	if quantity.Equal(remaining) {
		return refundShare{Net: line.Net.Sub(line.RefundedNet), Tax: line.Tax.Sub(line.RefundedTax)}
	}
	total := line.Net.Add(line.Tax)
	if total.IsZero() {
		return refundShare{}
	}
	share := money.Round(total.Mul(quantity).Div(line.Quantity), cur)
	net := money.Round(share.Mul(line.Net).Div(total), cur)
	return refundShare{Net: net, Tax: share.Sub(net)}
}

// refundOrder is the order in which a return's refund goes back to a sale's
// tenders when the return names no refunds: the electronic methods first,
// each to where it came from, then cash.
var refundOrder = []string{MethodCard, MethodMercadoPago, MethodTransfer, MethodCash}

// suggestRefunds splits a return's total over the tenders that paid the
// sale (pays holds the sale's payments and the refunds of earlier returns,
// negative with a return id): card back to card, Mercado Pago and transfer
// back to where they came from, with their references, then cash. A
// tender can take back what it paid (net of change) less what earlier
// refunds by its method already took; what no tender can take (refunds
// earlier returns made by another method) goes to cash.
func suggestRefunds(total decimal.Decimal, pays []paymentRow) []tender {
	refunded := map[string]decimal.Decimal{}
	for _, p := range pays {
		if p.ReturnID != nil {
			refunded[p.Method] = refunded[p.Method].Add(p.Amount.Neg())
		}
	}
	var out []tender
	left := total
	for _, method := range refundOrder {
		for _, p := range pays {
			if p.ReturnID != nil || p.Method != method || !left.IsPositive() {
				continue
			}
			room := p.Amount.Sub(p.Change)
			taken := decimal.Min(room, refunded[method])
			refunded[method] = refunded[method].Sub(taken)
			room = room.Sub(taken)
			if !room.IsPositive() {
				continue
			}
			amount := decimal.Min(room, left)
			out = appendRefund(out, tender{Method: method, Amount: amount, Reference: p.Reference})
			left = left.Sub(amount)
		}
	}
	if left.IsPositive() {
		out = appendRefund(out, tender{Method: MethodCash, Amount: left})
	}
	return out
}

// appendRefund appends r to refunds, adding it to the last refund instead
// when that one has the same method and reference (several cash tenders
// make one cash refund).
func appendRefund(refunds []tender, r tender) []tender {
	if n := len(refunds); n > 0 && refunds[n-1].Method == r.Method && equalRef(refunds[n-1].Reference, r.Reference) {
		refunds[n-1].Amount = refunds[n-1].Amount.Add(r.Amount)
		return refunds
	}
	return append(refunds, r)
}

// equalRef reports whether two optional references are the same.
func equalRef(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// methodCount is the expected, counted and difference of one payment method
// when a cash session closes.
type methodCount struct {
	Method     string          `json:"method"`
	Expected   decimal.Decimal `json:"expected"`
	Counted    decimal.Decimal `json:"counted"`
	Difference decimal.Decimal `json:"difference"`
}

// sessionClose is the server's computation of a session's close.
type sessionClose struct {
	Counts                        []methodCount
	Expected, Counted, Difference decimal.Decimal
	OverLimit                     bool
}

// computeClose compares what a session should hold per payment method (the
// opening float plus cash received, net of change and refunds, for cash;
// what was received for the others) with what was counted. A method not
// counted counts as zero. OverLimit is set when any method's difference
// exceeds limit in either direction.
func computeClose(openingFloat decimal.Decimal, received map[string]decimal.Decimal, counted map[string]decimal.Decimal, limit decimal.Decimal) sessionClose {
	expected := map[string]decimal.Decimal{MethodCash: openingFloat}
	for m, amt := range received {
		expected[m] = expected[m].Add(amt)
	}
	var out sessionClose
	for _, m := range []string{MethodCash, MethodCard, MethodTransfer, MethodMercadoPago} {
		exp, hasExp := expected[m]
		cnt, hasCnt := counted[m]
		if !hasExp && !hasCnt {
			continue
		}
		diff := cnt.Sub(exp)
		out.Counts = append(out.Counts, methodCount{Method: m, Expected: exp, Counted: cnt, Difference: diff})
		out.Expected = out.Expected.Add(exp)
		out.Counted = out.Counted.Add(cnt)
		out.Difference = out.Difference.Add(diff)
		if diff.Abs().GreaterThan(limit) {
			out.OverLimit = true
		}
	}
	return out
}

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
