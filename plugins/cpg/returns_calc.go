package cpg

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// The return's calculations: which sale lines come back, what each
// refunds and to which tenders, as pure functions of the request and of
// what the return read, tested without a database (returns_calc_test.go).

// returnedLine is a validated return line.
type returnedLine struct {
	line     saleLineRow
	quantity decimal.Decimal
}

// matchReturnLines resolves the return's lines against the sale's.
func matchReturnLines(in []returnLineInput, lines []saleLineRow) ([]returnedLine, error) {
	if len(in) == 0 {
		var out []returnedLine
		for _, l := range lines {
			if left := l.Quantity.Sub(l.ReturnedQuantity); left.IsPositive() {
				out = append(out, returnedLine{line: l, quantity: left})
			}
		}
		if len(out) == 0 {
			return nil, sdk.Conflict("nothing_to_return", "every unit of this sale was already returned")
		}
		return out, nil
	}
	if len(in) > maxLines {
		return nil, sdk.InvalidField("lines", "must list at most %d lines", maxLines)
	}
	byLine := map[string]int{}
	var out []returnedLine
	for i, l := range in {
		f := fmt.Sprintf("lines[%d]", i)
		q, err := money.QuantityLimits.Parse(f+".quantity", l.Quantity)
		if err != nil {
			return nil, err
		}
		idx := -1
		switch {
		case l.SaleLineID != "":
			id, err := sdk.UUID(f+".sale_line_id", l.SaleLineID)
			if err != nil {
				return nil, err
			}
			for j, sl := range lines {
				if sl.ID == id {
					idx = j
				}
			}
		case l.VariantID != "":
			id, err := sdk.UUID(f+".variant_id", l.VariantID)
			if err != nil {
				return nil, err
			}
			for j, sl := range lines {
				if sl.VariantID == id {
					if idx >= 0 {
						return nil, sdk.InvalidField(f+".variant_id", "is on several lines of the sale: name the sale_line_id")
					}
					idx = j
				}
			}
		default:
			return nil, sdk.InvalidField(f, "must name sale_line_id or variant_id")
		}
		if idx < 0 {
			return nil, sdk.InvalidField(f, "is not a line of this sale")
		}
		if _, dup := byLine[lines[idx].ID]; dup {
			return nil, sdk.InvalidField(f, "returns the same sale line twice")
		}
		byLine[lines[idx].ID] = i
		left := lines[idx].Quantity.Sub(lines[idx].ReturnedQuantity)
		if q.GreaterThan(left) {
			return nil, sdk.Unprocessable("return_exceeds_sale", fmt.Sprintf("%s.quantity %s is more than the %s not yet returned", f, fmtQty(q), fmtQty(left))).
				WithDetails(map[string]any{"field": f + ".quantity", "returnable": fmtQty(left)})
		}
		out = append(out, returnedLine{line: lines[idx], quantity: q})
	}
	return out, nil
}

// returnPlan is a return computed from its request and the sale before
// anything is written: what createReturn writes and previewReturn shows.
type returnPlan struct {
	sale       lockedSale
	lines      []saleLineRow
	pays       []paymentRow
	returned   []returnedLine
	shares     []refundShare
	net, tax   decimal.Decimal
	total      decimal.Decimal
	refunds    []tender
	suggested  bool
	sessionID  string
	locationID string
	reason     *string
}

// needsSession reports whether the plan pays cash without naming the open
// session whose drawer the cash leaves.
func (p *returnPlan) needsSession() bool {
	for _, r := range p.refunds {
		if r.Method == MethodCash && p.sessionID == "" {
			return true
		}
	}
	return false
}

// completes reports whether the return takes back every unit of the sale
// still out, which makes the sale returned rather than partially returned.
func (p *returnPlan) completes() bool {
	for _, l := range p.lines {
		back := decimal.Zero
		for _, r := range p.returned {
			if r.line.ID == l.ID {
				back = r.quantity
			}
		}
		if l.ReturnedQuantity.Add(back).LessThan(l.Quantity) {
			return false
		}
	}
	return true
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

// taxes is the return's refund per tax rate.
func (p *returnPlan) taxes(e *env) []taxView {
	amounts := make([]taxedAmount, len(p.returned))
	for i, r := range p.returned {
		amounts[i] = taxedAmount{code: r.line.TaxCode, net: p.shares[i].Net, tax: p.shares[i].Tax}
	}
	return e.taxViews(amounts)
}

// returnReads is what a return reads: the sale with its session's state,
// its lines and payments (refunds of earlier returns included), and the
// session the request names (nothing when it names none or one that does
// not exist).
type returnReads struct {
	sale     lockedSale
	lines    []saleLineRow
	pays     []paymentRow
	sessions []sessionState
}

// computeReturn checks a return request against what it read and computes
// what the return refunds per line and to which tenders: the tenders it
// names, which must add up to its worth, or else those suggestRefunds
// picks — or the 4xx the request deserves.
func computeReturn(req returnRequest, r returnReads, cur money.Currency) (*returnPlan, error) {
	s := r.sale
	if s.Status != SaleCompleted && s.Status != SalePartiallyReturned {
		return nil, sdk.Conflict("invalid_transition", "sale "+s.ID+" is "+s.Status+": it cannot be returned")
	}
	if req.sessionID != "" {
		switch {
		case len(r.sessions) == 0:
			return nil, unknownRef("session_id", req.sessionID)
		case r.sessions[0].Status != SessionOpen:
			return nil, sdk.Conflict("session_closed", "cash session "+req.sessionID+" is closed")
		}
	}
	locationID := req.locationID
	if locationID == "" {
		locationID = s.LocationID
	}
	returned, err := matchReturnLines(req.lines, r.lines)
	if err != nil {
		return nil, err
	}
	plan := &returnPlan{sale: s, lines: r.lines, pays: r.pays, returned: returned, shares: make([]refundShare, len(returned)),
		sessionID: req.sessionID, locationID: locationID, reason: req.reason}
	for i, rl := range returned {
		share := lineRefund(rl.line, rl.quantity, cur)
		plan.shares[i] = share
		plan.net, plan.tax = plan.net.Add(share.Net), plan.tax.Add(share.Tax)
	}
	plan.total = plan.net.Add(plan.tax)
	if req.refunds == nil {
		plan.refunds, plan.suggested = suggestRefunds(plan.total, r.pays), true
		return plan, nil
	}
	paid := decimal.Zero
	for _, t := range req.refunds {
		paid = paid.Add(t.Amount)
	}
	if !paid.Equal(plan.total) {
		return nil, sdk.Unprocessable("refund_mismatch", fmt.Sprintf("refunds add up to %s, the return is worth %s", money.AmountOf(paid), money.AmountOf(plan.total))).
			WithDetails(map[string]any{"refunds": money.AmountOf(paid), "total": money.AmountOf(plan.total)})
	}
	plan.refunds = req.refunds
	return plan, nil
}
