package money_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func rate(t testing.TB, country, code string) money.TaxRate {
	t.Helper()
	r, err := money.LookupRate(country, code)
	require.NoError(t, err)
	return r
}

func line(qty, price string, tax money.TaxRate, d *money.Discount) money.Line {
	return money.Line{Quantity: dec(qty), UnitPrice: dec(price), Tax: tax, Discount: d}
}

// wantLine is a LineResult as strings: gross, line discount, document
// discount share, net, tax, total.
type wantLine [6]string

// wantTax is a TaxBreakdown as strings: code, base, amount.
type wantTax [3]string

// wantDoc is a Result as strings.
type wantDoc struct {
	lines                                            []wantLine
	subtotal, docDiscount, discount, net, tax, total string
	taxes                                            []wantTax
}

func requireResult(t *testing.T, want wantDoc, got money.Result) {
	t.Helper()
	require.Len(t, got.Lines, len(want.lines))
	for i, w := range want.lines {
		l := got.Lines[i]
		for j, g := range []decimal.Decimal{l.Gross, l.LineDiscount, l.DocumentDiscount, l.Net, l.Tax, l.Total} {
			requireDec(t, w[j], g, "line", i, "field", j)
		}
	}
	requireDec(t, want.subtotal, got.Subtotal, "subtotal")
	requireDec(t, want.docDiscount, got.DocumentDiscount, "document discount")
	requireDec(t, want.discount, got.Discount, "discount")
	requireDec(t, want.net, got.Net, "net")
	requireDec(t, want.tax, got.Tax, "tax")
	requireDec(t, want.total, got.Total, "total")
	require.Len(t, got.Taxes, len(want.taxes))
	for i, w := range want.taxes {
		require.Equal(t, w[0], got.Taxes[i].Rate.Code)
		requireDec(t, w[1], got.Taxes[i].Base, "base", w[0])
		requireDec(t, w[2], got.Taxes[i].Amount, "amount", w[0])
	}
}

func TestCalculate(t *testing.T) {
	t.Parallel()
	iva16, iva8, iva0, exempt := rate(t, "MX", "iva16"), rate(t, "MX", "iva8"), rate(t, "MX", "iva0"), rate(t, "MX", "exempt")
	iva21, iva105, iva27 := rate(t, "AR", "iva21"), rate(t, "AR", "iva10_5"), rate(t, "AR", "iva27")
	tenPercent := money.TaxRate{Code: "t10", Rate: dec("0.10")}

	tests := []struct {
		name string
		doc  money.Document
		want wantDoc
	}{
		{
			name: "single line",
			doc:  money.Document{Currency: money.MXN, Lines: []money.Line{line("3", "10.00", iva16, nil)}},
			want: wantDoc{
				lines:    []wantLine{{"30.00", "0", "0", "30.00", "4.80", "34.80"}},
				subtotal: "30", docDiscount: "0", discount: "0", net: "30", tax: "4.80", total: "34.80",
				taxes: []wantTax{{"iva16", "30", "4.80"}},
			},
		},
		{
			// CFDI-style ticket, three conceptos at 16 % and a 10 % ticket discount:
			// gross 91.00 + 120.00 + 47.97 = 258.97; discount 25.897 → 25.90.
			// Shares of 2590 cents ∝ gross: 910.105, 1200.139, 479.756 → floors
			// 910, 1200, 479, one cent of residue to the largest remainder (line 3).
			// Nets 81.90, 108.00, 43.17; IVA 13.104 → 13.10, 17.28, 6.9072 → 6.91.
			name: "CFDI three lines at 16% with 10% ticket discount",
			doc: money.Document{
				Currency: money.MXN,
				Lines: []money.Line{
					line("2", "45.50", iva16, nil),
					line("1", "120.00", iva16, nil),
					line("3", "15.99", iva16, nil),
				},
				Discount: money.PercentOff(dec("10")),
			},
			want: wantDoc{
				lines: []wantLine{
					{"91.00", "0", "9.10", "81.90", "13.10", "95.00"},
					{"120.00", "0", "12.00", "108.00", "17.28", "125.28"},
					{"47.97", "0", "4.80", "43.17", "6.91", "50.08"},
				},
				subtotal: "258.97", docDiscount: "25.90", discount: "25.90",
				net: "233.07", tax: "37.29", total: "270.36",
				taxes: []wantTax{{"iva16", "233.07", "37.29"}},
			},
		},
		{
			// 99.98 × 15 % = 14.997 → 15.00; 84.98 × 0.16 = 13.5968 → 13.60.
			name: "percent and fixed line discounts",
			doc: money.Document{Currency: money.MXN, Lines: []money.Line{
				line("2", "49.99", iva16, money.PercentOff(dec("15"))),
				line("1", "20.00", iva16, money.AmountOff(dec("5.00"))),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"99.98", "15.00", "0", "84.98", "13.60", "98.58"},
					{"20.00", "5.00", "0", "15.00", "2.40", "17.40"},
				},
				subtotal: "119.98", docDiscount: "0", discount: "20.00", net: "99.98", tax: "16.00", total: "115.98",
				taxes: []wantTax{{"iva16", "99.98", "16.00"}},
			},
		},
		{
			// 0.10 × 0.16 = 0.016 → 0.02 per line: 0.06, not round(0.048) = 0.05.
			name: "taxes rounded per line",
			doc: money.Document{Currency: money.MXN, Lines: []money.Line{
				line("1", "0.10", iva16, nil), line("1", "0.10", iva16, nil), line("1", "0.10", iva16, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"0.10", "0", "0", "0.10", "0.02", "0.12"},
					{"0.10", "0", "0", "0.10", "0.02", "0.12"},
					{"0.10", "0", "0", "0.10", "0.02", "0.12"},
				},
				subtotal: "0.30", docDiscount: "0", discount: "0", net: "0.30", tax: "0.06", total: "0.36",
				taxes: []wantTax{{"iva16", "0.30", "0.06"}},
			},
		},
		{
			// 10.00 ÷ 1.16 = 8.6207 → 8.62, IVA 1.38; 59.70 ÷ 1.16 = 51.4655 → 51.47, IVA 8.23.
			name: "prices include tax",
			doc: money.Document{Currency: money.MXN, PricesIncludeTax: true, Lines: []money.Line{
				line("1", "10.00", iva16, nil), line("3", "19.90", iva16, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"10.00", "0", "0", "8.62", "1.38", "10.00"},
					{"59.70", "0", "0", "51.47", "8.23", "59.70"},
				},
				subtotal: "69.70", docDiscount: "0", discount: "0", net: "60.09", tax: "9.61", total: "69.70",
				taxes: []wantTax{{"iva16", "60.09", "9.61"}},
			},
		},
		{
			// 10 % of 224.00 = 22.40, split 11.60 / 10.80; 104.40 ÷ 1.16 = 90, 97.20 ÷ 1.08 = 90.
			name: "prices include tax with ticket discount and two rates",
			doc: money.Document{Currency: money.MXN, PricesIncludeTax: true, Discount: money.PercentOff(dec("10")), Lines: []money.Line{
				line("1", "116.00", iva16, nil), line("1", "108.00", iva8, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"116.00", "0", "11.60", "90.00", "14.40", "104.40"},
					{"108.00", "0", "10.80", "90.00", "7.20", "97.20"},
				},
				subtotal: "224.00", docDiscount: "22.40", discount: "22.40", net: "180.00", tax: "21.60", total: "201.60",
				taxes: []wantTax{{"iva16", "90", "14.40"}, {"iva8", "90", "7.20"}},
			},
		},
		{
			name: "Mexican rates including zero and exempt",
			doc: money.Document{Currency: money.MXN, Lines: []money.Line{
				line("1", "100", iva16, nil), line("1", "100", iva8, nil),
				line("1", "50", iva0, nil), line("2", "12.50", exempt, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"100", "0", "0", "100", "16", "116"},
					{"100", "0", "0", "100", "8", "108"},
					{"50", "0", "0", "50", "0", "50"},
					{"25", "0", "0", "25", "0", "25"},
				},
				subtotal: "275", docDiscount: "0", discount: "0", net: "275", tax: "24", total: "299",
				taxes: []wantTax{{"exempt", "25", "0"}, {"iva0", "50", "0"}, {"iva16", "100", "16"}, {"iva8", "100", "8"}},
			},
		},
		{
			// 66.66 × 0.105 = 6.9993 → 7.00; 10.10 × 0.27 = 2.727 → 2.73.
			name: "Argentine rates",
			doc: money.Document{Currency: money.ARS, Lines: []money.Line{
				line("1", "100", iva21, nil), line("2", "33.33", iva105, nil), line("1", "10.10", iva27, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"100", "0", "0", "100", "21", "121"},
					{"66.66", "0", "0", "66.66", "7.00", "73.66"},
					{"10.10", "0", "0", "10.10", "2.73", "12.83"},
				},
				subtotal: "176.76", docDiscount: "0", discount: "0", net: "176.76", tax: "30.73", total: "207.49",
				taxes: []wantTax{{"iva10_5", "66.66", "7.00"}, {"iva21", "100", "21"}, {"iva27", "10.10", "2.73"}},
			},
		},
		{
			// 0.345 kg × 189.90 = 65.5155 → 65.52.
			name: "fractional quantity",
			doc:  money.Document{Currency: money.MXN, Lines: []money.Line{line("0.345", "189.90", iva0, nil)}},
			want: wantDoc{
				lines:    []wantLine{{"65.52", "0", "0", "65.52", "0", "65.52"}},
				subtotal: "65.52", docDiscount: "0", discount: "0", net: "65.52", tax: "0", total: "65.52",
				taxes: []wantTax{{"iva0", "65.52", "0"}},
			},
		},
		{
			// 0.25 × 0.10 = 0.025 → 0.03: half away from zero, not to even.
			name: "tax half away from zero",
			doc:  money.Document{Currency: money.USD, Lines: []money.Line{line("1", "0.25", tenPercent, nil)}},
			want: wantDoc{
				lines:    []wantLine{{"0.25", "0", "0", "0.25", "0.03", "0.28"}},
				subtotal: "0.25", docDiscount: "0", discount: "0", net: "0.25", tax: "0.03", total: "0.28",
				taxes: []wantTax{{"t10", "0.25", "0.03"}},
			},
		},
		{
			// 100 cents × 10/30 = 33 r 10, × 20/30 = 66 r 20: the residue cent goes to line 2.
			name: "fixed document discount prorated by largest remainder",
			doc: money.Document{Currency: money.MXN, Discount: money.AmountOff(dec("1.00")), Lines: []money.Line{
				line("1", "10.00", iva16, nil), line("1", "20.00", iva16, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"10.00", "0", "0.33", "9.67", "1.55", "11.22"},
					{"20.00", "0", "0.67", "19.33", "3.09", "22.42"},
				},
				subtotal: "30.00", docDiscount: "1.00", discount: "1.00", net: "29.00", tax: "4.64", total: "33.64",
				taxes: []wantTax{{"iva16", "29.00", "4.64"}},
			},
		},
		{
			name: "fully discounted line takes no document discount",
			doc: money.Document{Currency: money.MXN, Discount: money.PercentOff(dec("10")), Lines: []money.Line{
				line("1", "50", iva16, money.PercentOff(dec("100"))), line("1", "10", iva16, nil),
			}},
			want: wantDoc{
				lines: []wantLine{
					{"50", "50", "0", "0", "0", "0"},
					{"10", "0", "1", "9", "1.44", "10.44"},
				},
				subtotal: "60", docDiscount: "1", discount: "51", net: "9", tax: "1.44", total: "10.44",
				taxes: []wantTax{{"iva16", "9", "1.44"}},
			},
		},
		{
			name: "free item",
			doc:  money.Document{Currency: money.MXN, Lines: []money.Line{line("1", "0", iva16, nil)}},
			want: wantDoc{
				lines:    []wantLine{{"0", "0", "0", "0", "0", "0"}},
				subtotal: "0", docDiscount: "0", discount: "0", net: "0", tax: "0", total: "0",
				taxes: []wantTax{{"iva16", "0", "0"}},
			},
		},
		{
			name: "empty document",
			doc:  money.Document{Currency: money.MXN},
			want: wantDoc{subtotal: "0", docDiscount: "0", discount: "0", net: "0", tax: "0", total: "0"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := money.Calculate(tc.doc)
			require.NoError(t, err)
			requireResult(t, tc.want, got)
		})
	}
}

func TestCalculateRejects(t *testing.T) {
	t.Parallel()
	iva16 := rate(t, "MX", "iva16")
	ok := line("1", "10", iva16, nil)
	doc := func(lines ...money.Line) money.Document {
		return money.Document{Currency: money.MXN, Lines: lines}
	}
	withLine := func(l money.Line) money.Document { return doc(ok, l) }
	withDiscount := func(d *money.Discount) money.Document {
		dd := doc(ok, ok)
		dd.Discount = d
		return dd
	}
	absurd := decimal.New(1, 999999999)
	tiny := decimal.New(1, -999999999)

	tests := []struct {
		name  string
		doc   money.Document
		kind  error
		line  int
		field string
		msg   string
	}{
		{"unknown currency", money.Document{Currency: money.Currency{Code: "EUR", MinorUnits: 2}}, money.ErrUnknownCurrency, money.NoLine, "currency",
			`currency: unknown currency: "EUR" is not supported (MXN, ARS, USD)`},
		{"zero currency", money.Document{}, money.ErrUnknownCurrency, money.NoLine, "currency", ""},
		{"wrong minor units", money.Document{Currency: money.Currency{Code: "MXN", MinorUnits: 3}}, money.ErrUnknownCurrency, money.NoLine, "currency",
			"currency: unknown currency: MXN has 2 minor units, not 3"},
		{"zero quantity", withLine(line("0", "10", iva16, nil)), money.ErrInvalidQuantity, 1, "quantity",
			"line 1: quantity: invalid quantity: must be greater than zero"},
		{"negative quantity", withLine(line("-1", "10", iva16, nil)), money.ErrInvalidQuantity, 1, "quantity", ""},
		{"quantity too large", withLine(line("1000000000.5", "10", iva16, nil)), money.ErrInvalidQuantity, 1, "quantity",
			"line 1: quantity: invalid quantity: must not exceed 1000000000"},
		{"quantity too precise", withLine(line("1.0000001", "10", iva16, nil)), money.ErrInvalidQuantity, 1, "quantity",
			"line 1: quantity: invalid quantity: must have at most 6 decimals"},
		{"absurd quantity", withLine(money.Line{Quantity: absurd, UnitPrice: dec("1"), Tax: iva16}), money.ErrInvalidQuantity, 1, "quantity", ""},
		{"absurdly precise quantity", withLine(money.Line{Quantity: tiny, UnitPrice: dec("1"), Tax: iva16}), money.ErrInvalidQuantity, 1, "quantity", ""},
		{"negative price", withLine(line("1", "-0.01", iva16, nil)), money.ErrInvalidPrice, 1, "unit_price", ""},
		{"price too large", withLine(line("1", "1000000000000.01", iva16, nil)), money.ErrInvalidPrice, 1, "unit_price", ""},
		{"absurd price", withLine(money.Line{Quantity: dec("1"), UnitPrice: absurd, Tax: iva16}), money.ErrInvalidPrice, 1, "unit_price", ""},
		{"missing tax", withLine(line("1", "10", money.TaxRate{}, nil)), money.ErrInvalidTaxRate, 1, "tax",
			"line 1: tax: invalid tax rate: a tax rate code is required"},
		{"exempt with a rate", withLine(line("1", "10", money.TaxRate{Code: "x", Rate: dec("0.16"), Exempt: true}, nil)), money.ErrInvalidTaxRate, 1, "tax", ""},
		{"rate above one", withLine(line("1", "10", money.TaxRate{Code: "x", Rate: dec("16")}, nil)), money.ErrInvalidTaxRate, 1, "tax", ""},
		{"negative rate", withLine(line("1", "10", money.TaxRate{Code: "x", Rate: dec("-0.16")}, nil)), money.ErrInvalidTaxRate, 1, "tax", ""},
		{"one code two rates", withLine(line("1", "10", money.TaxRate{Code: "iva16", Rate: dec("0.15")}, nil)), money.ErrInvalidTaxRate, 1, "tax",
			`line 1: tax: invalid tax rate: rate "iva16" differs from the one on line 0`},
		{"one code two AlicIva ids", withLine(line("1", "10", money.TaxRate{Code: "iva16", Rate: dec("0.16"), AFIPAlicIvaID: 5}, nil)), money.ErrInvalidTaxRate, 1, "tax", ""},
		{"line discount both kinds", withLine(line("1", "10", iva16, &money.Discount{Percent: dec("1"), Amount: dec("1")})), money.ErrInvalidDiscount, 1, "discount", ""},
		{"line percent above 100", withLine(line("1", "10", iva16, money.PercentOff(dec("100.5")))), money.ErrInvalidDiscount, 1, "discount", ""},
		{"line percent negative", withLine(line("1", "10", iva16, money.PercentOff(dec("-5")))), money.ErrInvalidDiscount, 1, "discount", ""},
		{"line amount above gross", withLine(line("2", "5", iva16, money.AmountOff(dec("10.01")))), money.ErrInvalidDiscount, 1, "discount",
			"line 1: discount: invalid discount: amount 10.01 exceeds the 10.00 it applies to"},
		{"line amount negative", withLine(line("1", "10", iva16, money.AmountOff(dec("-1")))), money.ErrInvalidDiscount, 1, "discount", ""},
		{"line amount sub-cent", withLine(line("1", "10", iva16, money.AmountOff(dec("1.005")))), money.ErrInvalidDiscount, 1, "discount", ""},
		{"document amount above net", withDiscount(money.AmountOff(dec("20.01"))), money.ErrInvalidDiscount, money.NoLine, "discount",
			"discount: invalid discount: amount 20.01 exceeds the 20.00 it applies to"},
		{"document percent above 100", withDiscount(money.PercentOff(dec("101"))), money.ErrInvalidDiscount, money.NoLine, "discount", ""},
		{"document amount on empty document", money.Document{Currency: money.MXN, Discount: money.AmountOff(dec("1"))}, money.ErrInvalidDiscount, money.NoLine, "discount", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := money.Calculate(tc.doc)
			requireMoneyError(t, err, tc.kind, tc.line, tc.field)
			if tc.msg != "" {
				require.EqualError(t, err, tc.msg)
			}
			require.Empty(t, got.Lines)
		})
	}
}

func BenchmarkCalculate3Lines(b *testing.B) {
	iva16 := rate(b, "MX", "iva16")
	doc := money.Document{
		Currency: money.MXN,
		Lines: []money.Line{
			line("2", "45.50", iva16, nil),
			line("1", "120.00", iva16, money.PercentOff(dec("5"))),
			line("3", "15.99", iva16, nil),
		},
		Discount: money.PercentOff(dec("10")),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := money.Calculate(doc); err != nil {
			b.Fatal(err)
		}
	}
}
