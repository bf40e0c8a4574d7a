package cpg

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

// TestLineRefund checks hand-computed refunds of partial returns: the
// line's total is prorated first (rounded to the centavo), then split into
// net and tax, and the last return takes exactly what is left.
func TestLineRefund(t *testing.T) {
	t.Parallel()
	iva16 := rate(t, "MX", "iva16")
	type refund struct{ quantity, net, tax string }
	tests := []struct {
		name string
		// line is the sale line as the calculator priced it.
		line     pricedLine
		others   []pricedLine
		discount *money.Discount
		// net and tax of the line after discounts.
		net, tax string
		returns  []refund
	}{
		{
			// 36.00 → net round(36.00 ÷ 1.16 = 31.0345) = 31.03, tax 4.97.
			// Share of 1: 18.00; net round(18.00 × 31.03 ÷ 36.00 = 15.515) = 15.52.
			// Net and tax prorated apart gave 15.52 + 2.49 = 18.01.
			name: "2 × 18.00 returned 1 + 1",
			line: pricedLine{Quantity: d("2"), UnitPrice: d("18.00"), Tax: iva16},
			net:  "31.03", tax: "4.97",
			returns: []refund{{"1", "15.52", "2.48"}, {"1", "15.51", "2.49"}},
		},
		{
			// 30.00 → net round(25.862) = 25.86, tax 4.14.
			// Share of 1: 10.00; net round(10.00 × 25.86 ÷ 30.00 = 8.62) = 8.62.
			name: "3 × 10.00 with IVA 16 % included returned 1 + 1 + 1",
			line: pricedLine{Quantity: d("3"), UnitPrice: d("10.00"), Tax: iva16},
			net:  "25.86", tax: "4.14",
			returns: []refund{{"1", "8.62", "1.38"}, {"1", "8.62", "1.38"}, {"1", "8.62", "1.38"}},
		},
		{
			// 7 × 12.35 = 86.45 → net round(74.526) = 74.53, tax 11.92.
			// Share of 3: round(86.45 × 3 ÷ 7 = 37.05) = 37.05; net round(37.05 × 74.53 ÷ 86.45 = 31.9414) = 31.94.
			// The other 4 take the rest: 86.45 − 37.05 = 49.40 (net 42.59, tax 6.81).
			name: "7 units returned 3 + 4",
			line: pricedLine{Quantity: d("7"), UnitPrice: d("12.35"), Tax: iva16},
			net:  "74.53", tax: "11.92",
			returns: []refund{{"3", "31.94", "5.11"}, {"4", "42.59", "6.81"}},
		},
		{
			// Gross 36.00, 10 % line discount 3.60 → 32.40; the ticket's 5.00 is
			// prorated over 32.40 + 86.45 + 30.00 = 148.85: this line's share is
			// 5.00 × 32.40 ÷ 148.85 = 1.0883 → 1.09 (largest remainder), so the
			// line is 31.31 → net round(26.991) = 26.99, tax 4.32.
			// Share of 1: round(15.655) = 15.66; net round(15.66 × 26.99 ÷ 31.31 = 13.4993) = 13.50.
			name:     "line and ticket discounts, 2 returned 1 + 1",
			line:     pricedLine{Quantity: d("2"), UnitPrice: d("18.00"), Tax: iva16, Discount: money.PercentOff(d("10"))},
			others:   []pricedLine{{Quantity: d("7"), UnitPrice: d("12.35"), Tax: iva16}, {Quantity: d("3"), UnitPrice: d("10.00"), Tax: iva16}},
			discount: money.AmountOff(d("5.00")),
			net:      "26.99", tax: "4.32",
			returns: []refund{{"1", "13.50", "2.16"}, {"1", "13.49", "2.16"}},
		},
		{
			// Same ticket: the 7 × 12.35 line takes 5.00 × 86.45 ÷ 148.85 = 2.9039
			// → 2.90 of the ticket discount: 83.55 → net round(72.026) = 72.03, tax 11.52.
			// Share of 3: round(35.807) = 35.81; net round(35.81 × 72.03 ÷ 83.55 = 30.8725) = 30.87.
			name:     "line and ticket discounts, 7 returned 3 + 4",
			line:     pricedLine{Quantity: d("7"), UnitPrice: d("12.35"), Tax: iva16},
			others:   []pricedLine{{Quantity: d("2"), UnitPrice: d("18.00"), Tax: iva16, Discount: money.PercentOff(d("10"))}, {Quantity: d("3"), UnitPrice: d("10.00"), Tax: iva16}},
			discount: money.AmountOff(d("5.00")),
			net:      "72.03", tax: "11.52",
			returns: []refund{{"3", "30.87", "4.94"}, {"4", "41.16", "6.58"}},
		},
		{
			// Same ticket: the 3 × 10.00 line takes 1.01 → 28.99, net round(24.991) = 24.99, tax 4.00.
			// Share of 1: round(9.6633) = 9.66; net round(9.66 × 24.99 ÷ 28.99 = 8.3271) = 8.33.
			name:     "line and ticket discounts, 3 returned 1 + 1 + 1",
			line:     pricedLine{Quantity: d("3"), UnitPrice: d("10.00"), Tax: iva16},
			others:   []pricedLine{{Quantity: d("2"), UnitPrice: d("18.00"), Tax: iva16, Discount: money.PercentOff(d("10"))}, {Quantity: d("7"), UnitPrice: d("12.35"), Tax: iva16}},
			discount: money.AmountOff(d("5.00")),
			net:      "24.99", tax: "4.00",
			returns: []refund{{"1", "8.33", "1.33"}, {"1", "8.33", "1.33"}, {"1", "8.33", "1.34"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calc, err := computeSale(money.MXN, true, append([]pricedLine{tt.line}, tt.others...), tt.discount,
				[]tender{{Method: MethodCash, Amount: d("1000")}})
			require.NoError(t, err)
			priced := calc.Lines[0]
			require.Equal(t, tt.net, priced.Net.StringFixed(2), "line net")
			require.Equal(t, tt.tax, priced.Tax.StringFixed(2), "line tax")
			line := saleLineRow{Quantity: tt.line.Quantity, Net: priced.Net, Tax: priced.Tax, Total: priced.Total}
			sum := decimal.Zero
			for i, r := range tt.returns {
				got := lineRefund(line, d(r.quantity), money.MXN)
				require.Equal(t, r.net, got.Net.StringFixed(2), "return %d net", i)
				require.Equal(t, r.tax, got.Tax.StringFixed(2), "return %d tax", i)
				if i < len(tt.returns)-1 {
					fair := money.Round(priced.Total.Mul(d(r.quantity)).Div(line.Quantity), money.MXN)
					require.Equal(t, fair.StringFixed(2), got.Net.Add(got.Tax).StringFixed(2), "return %d is the fair share of the total", i)
				}
				sum = sum.Add(got.Net).Add(got.Tax)
				line.ReturnedQuantity = line.ReturnedQuantity.Add(d(r.quantity))
				line.RefundedNet, line.RefundedTax = line.RefundedNet.Add(got.Net), line.RefundedTax.Add(got.Tax)
			}
			require.Equal(t, priced.Total.StringFixed(2), sum.StringFixed(2), "the refunds sum to the line")
			require.Equal(t, priced.Net.StringFixed(2), line.RefundedNet.StringFixed(2))
			require.Equal(t, priced.Tax.StringFixed(2), line.RefundedTax.StringFixed(2))
		})
	}
}

func TestSuggestRefunds(t *testing.T) {
	t.Parallel()
	ref := func(s string) *string { return &s }
	ret := ref("earlier return")
	pay := func(method, amount, change string, reference *string) paymentRow {
		return paymentRow{Method: method, Amount: d(amount), Change: d(change), Reference: reference}
	}
	refund := func(method, amount string) paymentRow {
		return paymentRow{Method: method, Amount: d(amount).Neg(), ReturnID: ret}
	}
	type want struct {
		method, amount string
		reference      *string
	}
	tests := []struct {
		name  string
		total string
		pays  []paymentRow
		want  []want
	}{
		{"a cash sale refunds cash", "25.00", []paymentRow{pay("cash", "50.00", "25.00", nil)}, []want{{"cash", "25.00", nil}}},
		{"a card sale refunds the card with its reference", "25.00", []paymentRow{pay("card", "50.00", "0", ref("auth-1"))},
			[]want{{"card", "25.00", ref("auth-1")}}},
		{"card first, then cash", "120.00", []paymentRow{pay("cash", "100.00", "30.09", nil), pay("card", "100.00", "0", ref("auth-1"))},
			[]want{{"card", "100.00", ref("auth-1")}, {"cash", "20.00", nil}}},
		{"earlier card refunds leave less on the card", "60.00",
			[]paymentRow{pay("card", "100.00", "0", ref("auth-1")), pay("cash", "50.00", "10.09", nil), refund("card", "70.00")},
			[]want{{"card", "30.00", ref("auth-1")}, {"cash", "30.00", nil}}},
		{"two cards, each up to what it paid", "80.00",
			[]paymentRow{pay("card", "50.00", "0", ref("a")), pay("card", "40.00", "0", ref("b"))},
			[]want{{"card", "50.00", ref("a")}, {"card", "30.00", ref("b")}}},
		{"mercadopago and transfer go back too, before cash", "90.00",
			[]paymentRow{pay("cash", "40.00", "0", nil), pay("transfer", "30.00", "0", ref("SPEI 1")), pay("mercadopago", "20.00", "0", ref("mp-9"))},
			[]want{{"mercadopago", "20.00", ref("mp-9")}, {"transfer", "30.00", ref("SPEI 1")}, {"cash", "40.00", nil}}},
		{"a free line refunds nothing", "0.00", []paymentRow{pay("card", "10.00", "0", ref("auth-1"))}, nil},
		{"several cash tenders make one cash refund", "30.00",
			[]paymentRow{pay("cash", "20.00", "0", nil), pay("cash", "20.00", "10.00", nil)}, []want{{"cash", "30.00", nil}}},
		{"what no tender can take back goes to cash", "40.00",
			[]paymentRow{pay("card", "40.00", "0", ref("auth-1")), refund("transfer", "10.00"), refund("card", "10.00")},
			[]want{{"card", "30.00", ref("auth-1")}, {"cash", "10.00", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := suggestRefunds(d(tt.total), tt.pays)
			require.Len(t, got, len(tt.want), "%+v", got)
			sum := decimal.Zero
			for i, w := range tt.want {
				require.Equal(t, w.method, got[i].Method, "refund %d", i)
				require.Equal(t, w.amount, got[i].Amount.StringFixed(2), "refund %d", i)
				require.Equal(t, w.reference, got[i].Reference, "refund %d", i)
				sum = sum.Add(got[i].Amount)
			}
			require.Equal(t, tt.total, sum.StringFixed(2), "the refunds pay the return")
		})
	}
}

// returnSale is a sale of two lines, the second partly returned already:
// 2 × 25.00 (50.00 = 43.10 + 6.90) and 3 × 10.00 (30.00 = 25.86 + 4.14),
// one unit of which (10.00 = 8.62 + 1.38) came back.
func returnSale() (lockedSale, []saleLineRow) {
	s := lockedSale{ID: "sale", SessionID: "sess", LocationID: "loc", Status: SalePartiallyReturned, Total: money.AmountOf(d("80.00")), Refunded: money.AmountOf(d("10.00"))}
	lines := []saleLineRow{
		{ID: "l1", VariantID: "v1", TaxCode: "iva16", Quantity: d("2"), Net: d("43.10"), Tax: d("6.90"), Total: d("50.00")},
		{ID: "l2", VariantID: "v2", TaxCode: "iva16", Quantity: d("3"), Net: d("25.86"), Tax: d("4.14"), Total: d("30.00"),
			ReturnedQuantity: d("1"), RefundedNet: d("8.62"), RefundedTax: d("1.38")},
	}
	return s, lines
}

func TestMatchReturnLines(t *testing.T) {
	t.Parallel()
	_, lines := returnSale()
	type want struct {
		line, quantity string
	}
	tests := []struct {
		name   string
		in     []returnLineInput
		lines  []saleLineRow
		want   []want
		status int
		code   string
		field  string
	}{
		{name: "no lines returns every unit still out", lines: lines, want: []want{{"l1", "2"}, {"l2", "2"}}},
		{name: "a sale line not of this sale", lines: lines, in: []returnLineInput{{SaleLineID: "00000000-0000-0000-0000-000000000000", Quantity: "1"}},
			status: 422, code: "invalid_field", field: "lines[0]"},
		{name: "a variant not on the sale", lines: lines, in: []returnLineInput{{VariantID: "6f1c1b2e-0000-4000-8000-000000000002", Quantity: "1"}},
			status: 422, code: "invalid_field", field: "lines[0]"},
		{name: "neither sale line nor variant", lines: lines, in: []returnLineInput{{Quantity: "1"}},
			status: 422, code: "invalid_field", field: "lines[0]"},
		{name: "bad quantity", lines: lines, in: []returnLineInput{{SaleLineID: "x", Quantity: "0"}},
			status: 422, code: "invalid_field", field: "lines[0].quantity"},
		{name: "bad sale line id", lines: lines, in: []returnLineInput{{SaleLineID: "x", Quantity: "1"}},
			status: 422, code: "invalid_field", field: "lines[0].sale_line_id"},
		{name: "everything already returned", lines: []saleLineRow{{ID: "l1", Quantity: d("1"), ReturnedQuantity: d("1")}},
			status: 409, code: "nothing_to_return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := matchReturnLines(tt.in, tt.lines)
			if tt.code != "" {
				requireError(t, err, tt.status, tt.code, tt.field)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				require.Equal(t, w.line, got[i].line.ID)
				require.Equal(t, w.quantity, got[i].quantity.String())
			}
		})
	}

	// Lines named by their ids or their variants'.
	const l1, l2, v1 = "6f1c1b2e-0000-4000-8000-000000000001", "6f1c1b2e-0000-4000-8000-000000000002", "6f1c1b2e-0000-4000-8000-0000000000a1"
	byID := []saleLineRow{{ID: l1, VariantID: v1, Quantity: d("2")}, {ID: l2, VariantID: "other", Quantity: d("3"), ReturnedQuantity: d("1")}}
	got, err := matchReturnLines([]returnLineInput{{SaleLineID: l2, Quantity: "2"}, {VariantID: v1, Quantity: "1"}}, byID)
	require.NoError(t, err)
	require.Equal(t, []returnedLine{{line: byID[1], quantity: d("2")}, {line: byID[0], quantity: d("1")}}, got)

	_, err = matchReturnLines([]returnLineInput{{SaleLineID: l2, Quantity: "3"}}, byID)
	requireError(t, err, 422, "return_exceeds_sale", "lines[0].quantity")
	_, err = matchReturnLines([]returnLineInput{{SaleLineID: l1, Quantity: "1"}, {VariantID: v1, Quantity: "1"}}, byID)
	requireError(t, err, 422, "invalid_field", "lines[1]")
	_, err = matchReturnLines([]returnLineInput{{VariantID: v1, Quantity: "1"}}, append(byID, saleLineRow{ID: "l3", VariantID: v1, Quantity: d("1")}))
	requireError(t, err, 422, "invalid_field", "lines[0].variant_id")
	_, err = matchReturnLines(make([]returnLineInput, maxLines+1), lines)
	requireError(t, err, 422, "invalid_field", "lines")
}

func TestComputeReturn(t *testing.T) {
	t.Parallel()
	sale, lines := returnSale()
	pays := []paymentRow{
		{Method: MethodCard, Amount: d("60.00"), Reference: ptr("auth-1")},
		{Method: MethodCash, Amount: d("30.00"), Change: d("10.00")},
		{Method: MethodCash, Amount: d("-10.00"), ReturnID: ptr("earlier")},
	}
	reads := func(edit func(*returnReads)) returnReads {
		r := returnReads{sale: sale, lines: lines, pays: pays}
		if edit != nil {
			edit(&r)
		}
		return r
	}
	open := []sessionState{{ID: "sess2", Status: SessionOpen}}
	tests := []struct {
		name      string
		req       returnRequest
		reads     returnReads
		status    int
		code      string
		total     string
		refunds   []tender
		suggested bool
		location  string
		completes bool
		session   bool
	}{
		{name: "everything still out, refunds suggested card first", reads: reads(nil),
			total: "70.00", suggested: true, location: "loc", completes: true,
			refunds: []tender{{Method: MethodCard, Amount: d("60.00"), Reference: ptr("auth-1")}, {Method: MethodCash, Amount: d("10.00")}}, session: true},
		{name: "named refunds that pay the return, to another location, in a session",
			req:   returnRequest{sessionID: "sess2", locationID: "loc2", refunds: []tender{{Method: MethodCash, Amount: d("70.00")}}},
			reads: reads(func(r *returnReads) { r.sessions = open }),
			total: "70.00", location: "loc2", completes: true, refunds: []tender{{Method: MethodCash, Amount: d("70.00")}}},
		{name: "refunds that do not pay the return",
			req:   returnRequest{refunds: []tender{{Method: MethodCard, Amount: d("69.99")}}},
			reads: reads(nil), status: 422, code: "refund_mismatch"},
		{name: "a voided sale", reads: reads(func(r *returnReads) { r.sale.Status = SaleVoided }), status: 409, code: "invalid_transition"},
		{name: "a returned sale", reads: reads(func(r *returnReads) { r.sale.Status = SaleReturned }), status: 409, code: "invalid_transition"},
		{name: "an unknown session", req: returnRequest{sessionID: "sess2"}, reads: reads(nil), status: 422, code: "unknown_session"},
		{name: "a closed session", req: returnRequest{sessionID: "sess2"},
			reads: reads(func(r *returnReads) { r.sessions = []sessionState{{ID: "sess2", Status: SessionClosed}} }), status: 409, code: "session_closed"},
		{name: "status is checked before the session", req: returnRequest{sessionID: "sess2"},
			reads: reads(func(r *returnReads) { r.sale.Status = SaleVoided }), status: 409, code: "invalid_transition"},
		{name: "nothing left to return",
			reads: reads(func(r *returnReads) {
				r.lines = []saleLineRow{{ID: "l1", Quantity: d("1"), ReturnedQuantity: d("1")}}
			}), status: 409, code: "nothing_to_return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plan, err := computeReturn(tt.req, tt.reads, money.MXN)
			if tt.code != "" {
				requireError(t, err, tt.status, tt.code, "")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.total, plan.total.StringFixed(2))
			require.True(t, plan.net.Add(plan.tax).Equal(plan.total))
			require.Equal(t, tt.refunds, plan.refunds)
			require.Equal(t, tt.suggested, plan.suggested)
			require.Equal(t, tt.location, plan.locationID)
			require.Equal(t, tt.completes, plan.completes())
			require.Equal(t, tt.session, plan.needsSession())
			// Each line's share: l1 in full, l2's two units left exactly
			// what it has not refunded yet.
			require.Equal(t, []refundShare{{Net: d("43.10"), Tax: d("6.90")}, {Net: d("17.24"), Tax: d("2.76")}}, plan.shares)
		})
	}
}
