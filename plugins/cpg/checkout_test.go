package cpg

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rate(t *testing.T, country, code string) money.TaxRate {
	t.Helper()
	r, err := money.LookupRate(country, code)
	require.NoError(t, err)
	return r
}

func TestComputeSale(t *testing.T) {
	t.Parallel()
	iva16, iva21, iva105 := rate(t, "MX", "iva16"), rate(t, "AR", "iva21"), rate(t, "AR", "iva10_5")
	line := func(q, price string, tax money.TaxRate, disc *money.Discount) pricedLine {
		return pricedLine{Quantity: d(q), UnitPrice: d(price), Tax: tax, Discount: disc}
	}
	tests := []struct {
		name       string
		cur        money.Currency
		inclusive  bool
		lines      []pricedLine
		discount   *money.Discount
		tenders    []tender
		total      string
		tax        string
		lineTotals []string
		lineTaxes  []string
		change     string
		changes    []string
		code       string
	}{
		{
			name: "shelf prices include IVA, a line discount, card and cash with change",
			cur:  money.MXN, inclusive: true,
			lines: []pricedLine{
				line("2", "25.00", iva16, nil),                                      // 50.00 = 43.10 + 6.90
				line("1", "99.90", iva16, money.PercentOff(decimal.NewFromInt(10))), // 89.91 = 77.51 + 12.40
			},
			tenders: []tender{{Method: MethodCard, Amount: d("100.00")}, {Method: MethodCash, Amount: d("50.00")}},
			total:   "139.91", tax: "19.30",
			lineTotals: []string{"50.00", "89.91"}, lineTaxes: []string{"6.90", "12.40"},
			change: "10.09", changes: []string{"0.00", "10.09"},
		},
		{
			name:    "prices without tax",
			cur:     money.MXN,
			lines:   []pricedLine{line("3", "10.00", iva16, nil)}, // 30.00 + 4.80
			tenders: []tender{{Method: MethodTransfer, Amount: d("34.80")}},
			total:   "34.80", tax: "4.80", lineTotals: []string{"34.80"}, lineTaxes: []string{"4.80"},
			change: "0.00", changes: []string{"0.00"},
		},
		{
			name: "ticket discount prorated across lines",
			cur:  money.MXN, inclusive: true,
			lines:    []pricedLine{line("1", "100.00", iva16, nil), line("1", "50.00", iva16, nil)},
			discount: money.PercentOff(decimal.NewFromInt(10)), // 15.00 split 10.00 / 5.00
			tenders:  []tender{{Method: MethodCash, Amount: d("200.00")}},
			// 90.00 = 77.59 + 12.41 ; 45.00 = 38.79 + 6.21
			total: "135.00", tax: "18.62", lineTotals: []string{"90.00", "45.00"}, lineTaxes: []string{"12.41", "6.21"},
			change: "65.00", changes: []string{"65.00"},
		},
		{
			name: "Argentine rates 21 % and 10.5 %",
			cur:  money.ARS, inclusive: true,
			lines:   []pricedLine{line("1", "121.00", iva21, nil), line("2", "55.25", iva105, nil)},
			tenders: []tender{{Method: MethodMercadoPago, Amount: d("231.50")}},
			total:   "231.50", tax: "31.50", lineTotals: []string{"121.00", "110.50"}, lineTaxes: []string{"21.00", "10.50"},
			change: "0.00", changes: []string{"0.00"},
		},
		{
			name: "not enough paid",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, nil)},
			tenders: []tender{{Method: MethodCash, Amount: d("20.00")}},
			code:    "insufficient_payment",
		},
		{
			name: "card cannot give change",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, nil)},
			tenders: []tender{{Method: MethodCard, Amount: d("30.00")}},
			code:    "overpayment",
		},
		{
			name: "discount above the line",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, money.AmountOff(d("30.00")))},
			tenders: []tender{{Method: MethodCash, Amount: d("30.00")}},
			code:    "invalid_discount",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := computeSale(tt.cur, tt.inclusive, tt.lines, tt.discount, tt.tenders)
			if tt.code != "" {
				var e *sdk.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, tt.code, e.Code)
				require.Equal(t, http.StatusUnprocessableEntity, e.Status)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.total, got.Total.StringFixed(2))
			require.Equal(t, tt.tax, got.Tax.StringFixed(2))
			require.True(t, got.Net.Add(got.Tax).Equal(got.Total))
			for i := range tt.lineTotals {
				require.Equal(t, tt.lineTotals[i], got.Lines[i].Total.StringFixed(2), "line %d total", i)
				require.Equal(t, tt.lineTaxes[i], got.Lines[i].Tax.StringFixed(2), "line %d tax", i)
			}
			require.Equal(t, tt.change, got.Change.StringFixed(2))
			for i, ch := range tt.changes {
				require.Equal(t, ch, got.Tenders[i].Change.StringFixed(2), "tender %d change", i)
			}
		})
	}
}

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

func TestComputeClose(t *testing.T) {
	t.Parallel()
	received := map[string]decimal.Decimal{
		MethodCash: d("1100.50"), // 1200.50 of sales net of change, −100.00 cash refund
		MethodCard: d("830.50"),
	}
	tests := []struct {
		name        string
		counted     map[string]decimal.Decimal
		expected    map[string]string
		differences map[string]string
		total       [3]string
		over        bool
	}{
		{
			name:        "within the limit",
			counted:     map[string]decimal.Decimal{MethodCash: d("1590.50"), MethodCard: d("830.50")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50"},
			differences: map[string]string{MethodCash: "-10.00", MethodCard: "0.00"},
			total:       [3]string{"2431.00", "2421.00", "-10.00"},
		},
		{
			name:        "short by more than the limit",
			counted:     map[string]decimal.Decimal{MethodCash: d("1540.50"), MethodCard: d("830.50")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50"},
			differences: map[string]string{MethodCash: "-60.00", MethodCard: "0.00"},
			total:       [3]string{"2431.00", "2371.00", "-60.00"},
			over:        true,
		},
		{
			name:        "a method not counted counts as zero; one not expected is all difference",
			counted:     map[string]decimal.Decimal{MethodCash: d("1600.50"), MethodTransfer: d("20.00")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50", MethodTransfer: "0.00"},
			differences: map[string]string{MethodCash: "0.00", MethodCard: "-830.50", MethodTransfer: "20.00"},
			total:       [3]string{"2431.00", "1620.50", "-810.50"},
			over:        true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := computeClose(d("500.00"), received, tt.counted, d("50"))
			require.Len(t, got.Counts, len(tt.expected))
			for _, m := range got.Counts {
				require.Equal(t, tt.expected[m.Method], m.Expected.StringFixed(2), m.Method)
				require.Equal(t, tt.differences[m.Method], m.Difference.StringFixed(2), m.Method)
			}
			require.Equal(t, tt.total, [3]string{got.Expected.StringFixed(2), got.Counted.StringFixed(2), got.Difference.StringFixed(2)})
			require.Equal(t, tt.over, got.OverLimit)
		})
	}
	open := computeClose(d("300"), nil, nil, d("0"))
	require.Len(t, open.Counts, 1, "a session without sales expects its float in cash")
	require.Equal(t, "300.00", open.Counts[0].Expected.StringFixed(2))
}

func TestMovingAverage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                             string
		onHand, cost, quantity, unitCost string
		want                             string
	}{
		{"two receipts at different costs", "10", "12.00", "5", "15.00", "13"},   // (120 + 75) / 15
		{"uneven", "3", "10", "7", "11", "10.7"},                                 // (30 + 77) / 10
		{"four decimals", "3", "10", "1", "11.11", "10.2775"},                    // 41.11 / 4
		{"rounded to six decimals", "1", "1", "2", "2", "1.666667"},              // 5 / 3
		{"no stock takes the receipt's cost", "0", "12.00", "5", "15.00", "15"},  // nothing to average
		{"negative stock takes the receipt's cost", "-2", "12", "5", "15", "15"}, // oversold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := movingAverage(d(tt.onHand), d(tt.cost), d(tt.quantity), d(tt.unitCost))
			require.True(t, d(tt.want).Equal(got), "got %s", got)
		})
	}
}

func TestSettleTendersSplitsChangeOverCash(t *testing.T) {
	t.Parallel()
	got, paid, change, err := settleTenders(d("90.00"), []tender{
		{Method: MethodCash, Amount: d("50.00")}, {Method: MethodCard, Amount: d("30.00")}, {Method: MethodCash, Amount: d("20.00")},
	})
	require.NoError(t, err)
	require.Equal(t, "100.00", paid.StringFixed(2))
	require.Equal(t, "10.00", change.StringFixed(2))
	require.Equal(t, []string{"0.00", "0.00", "10.00"}, []string{got[0].Change.StringFixed(2), got[1].Change.StringFixed(2), got[2].Change.StringFixed(2)})
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
