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

func TestLineRefund(t *testing.T) {
	t.Parallel()
	line := saleLineRow{Quantity: d("3"), Net: d("77.59"), Tax: d("12.41")}
	first := lineRefund(line, d("1"), money.MXN)
	require.Equal(t, "25.86", first.Net.StringFixed(2)) // 77.59 / 3 = 25.863
	require.Equal(t, "4.14", first.Tax.StringFixed(2))  // 12.41 / 3 = 4.137

	line.ReturnedQuantity, line.RefundedNet, line.RefundedTax = d("1"), first.Net, first.Tax
	rest := lineRefund(line, d("2"), money.MXN)
	require.Equal(t, "51.73", rest.Net.StringFixed(2), "the last units refund exactly what is left")
	require.Equal(t, "8.27", rest.Tax.StringFixed(2))
	require.Equal(t, "90.00", first.Net.Add(first.Tax).Add(rest.Net).Add(rest.Tax).StringFixed(2))
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
