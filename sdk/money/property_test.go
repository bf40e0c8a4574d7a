package money_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

// propertyDocuments is how many random documents each property run checks.
const propertyDocuments = 5000

// randomDocument builds a valid document: 1–8 lines with integer or
// fractional quantities, prices with 0–4 decimals, any country's rates,
// optional percent or fixed line discounts and an optional document
// discount, with tax-exclusive or tax-inclusive prices.
func randomDocument(r *rand.Rand, currencies []money.Currency, rates []money.TaxRate) money.Document {
	c := currencies[r.IntN(len(currencies))]
	doc := money.Document{Currency: c, PricesIncludeTax: r.IntN(2) == 0}
	remaining := decimal.Zero
	for range 1 + r.IntN(8) {
		var qty decimal.Decimal
		switch r.IntN(3) {
		case 0:
			qty = decimal.New(r.Int64N(3000)+1, -3) // weighed goods, 0.001–3 kg
		default:
			qty = decimal.NewFromInt(r.Int64N(20) + 1)
		}
		price := decimal.New(r.Int64N(10_000_000), -int32(r.IntN(5)))
		l := money.Line{Quantity: qty, UnitPrice: price, Tax: rates[r.IntN(len(rates))]}
		gross := money.Round(qty.Mul(price), c)
		after := gross
		switch r.IntN(4) {
		case 0:
			pct := decimal.New(r.Int64N(10_001), -2) // 0.00–100.00 %
			l.Discount = money.PercentOff(pct)
			after = gross.Sub(money.Round(gross.Mul(pct).Shift(-2), c))
		case 1:
			amt := randomAmountUpTo(r, gross, c)
			l.Discount = money.AmountOff(amt)
			after = gross.Sub(amt)
		}
		remaining = remaining.Add(after)
		doc.Lines = append(doc.Lines, l)
	}
	switch r.IntN(3) {
	case 0:
		doc.Discount = money.PercentOff(decimal.New(r.Int64N(5_001), -2))
	case 1:
		doc.Discount = money.AmountOff(randomAmountUpTo(r, remaining, c))
	}
	return doc
}

// randomAmountUpTo returns a whole number of minor units in [0, limit].
func randomAmountUpTo(r *rand.Rand, limit decimal.Decimal, c money.Currency) decimal.Decimal {
	units := limit.Shift(c.MinorUnits).IntPart()
	return decimal.New(r.Int64N(units+1), -c.MinorUnits)
}

func allRates(t *testing.T) []money.TaxRate {
	t.Helper()
	var out []money.TaxRate
	for _, country := range []string{"MX", "AR"} {
		rates, err := money.RatesFor(country)
		require.NoError(t, err)
		for _, r := range rates {
			// Codes are prefixed so MX iva0 and AR iva0 stay distinct in one document.
			r.Code = country + "_" + r.Code
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b money.TaxRate) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func TestCalculateProperties(t *testing.T) {
	t.Parallel()
	rates := allRates(t)
	currencies := []money.Currency{money.MXN, money.ARS, money.USD}
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 0x6e65787573))
			for n := range propertyDocuments / 4 {
				doc := randomDocument(r, currencies, rates)
				res, err := money.Calculate(doc)
				require.NoError(t, err, "document %d: %+v", n, doc)
				checkInvariants(t, doc, res)
				if t.Failed() {
					t.Fatalf("seed %d document %d: %+v", seed, n, doc)
				}
			}
		})
	}
}

// checkInvariants asserts what must hold for every calculated document.
func checkInvariants(t *testing.T, doc money.Document, res money.Result) {
	t.Helper()
	c := doc.Currency
	half := decimal.New(5, -c.MinorUnits-1)
	unit := decimal.New(1, -c.MinorUnits)
	sum := func(f func(money.LineResult) decimal.Decimal) decimal.Decimal {
		s := decimal.Zero
		for _, l := range res.Lines {
			s = s.Add(f(l))
		}
		return s
	}
	rounded := func(d decimal.Decimal, what string) {
		require.True(t, d.Equal(money.Round(d, c)), "%s %s has more than %d decimals", what, d, c.MinorUnits)
		require.False(t, d.IsNegative(), "%s %s is negative", what, d)
	}

	require.Len(t, res.Lines, len(doc.Lines))
	for i, l := range res.Lines {
		for _, a := range []struct {
			what string
			d    decimal.Decimal
		}{{"gross", l.Gross}, {"line discount", l.LineDiscount}, {"document discount", l.DocumentDiscount}, {"net", l.Net}, {"tax", l.Tax}, {"total", l.Total}} {
			rounded(a.d, fmt.Sprintf("line %d %s", i, a.what))
		}
		in := doc.Lines[i]
		requireDec(t, money.Round(in.Quantity.Mul(in.UnitPrice), c).String(), l.Gross, "line", i, "gross")
		requireDec(t, l.Net.Add(l.Tax).String(), l.Total, "line", i, "total = net + tax")
		afterDiscounts := l.Gross.Sub(l.LineDiscount).Sub(l.DocumentDiscount)
		rate := in.Tax.Rate
		if doc.PricesIncludeTax {
			// The customer pays exactly the rounded shelf price less discounts.
			requireDec(t, afterDiscounts.String(), l.Total, "line", i, "inclusive total")
			// Tax − rate × Net = −(1 + rate) × (rounding error of Net).
			bound := half.Mul(decimal.NewFromInt(1).Add(rate))
			require.True(t, l.Tax.Sub(l.Net.Mul(rate)).Abs().LessThanOrEqual(bound),
				"line %d: tax %s too far from %s × %s", i, l.Tax, l.Net, rate)
		} else {
			requireDec(t, afterDiscounts.String(), l.Net, "line", i, "exclusive net")
			requireDec(t, money.Round(l.Net.Mul(rate), c).String(), l.Tax, "line", i, "tax")
		}
		if in.Tax.Exempt || rate.IsZero() {
			require.True(t, l.Tax.IsZero(), "line %d: untaxed line has tax %s", i, l.Tax)
		}
	}

	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.Gross }).String(), res.Subtotal, "subtotal")
	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.Net }).String(), res.Net, "net")
	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.Tax }).String(), res.Tax, "tax")
	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.Total }).String(), res.Total, "Σ line totals")
	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.DocumentDiscount }).String(), res.DocumentDiscount, "Σ prorated discounts")
	requireDec(t, sum(func(l money.LineResult) decimal.Decimal { return l.LineDiscount.Add(l.DocumentDiscount) }).String(), res.Discount, "discount")
	requireDec(t, res.Net.Add(res.Tax).String(), res.Total, "total = net + tax")
	for _, d := range []decimal.Decimal{res.Subtotal, res.DocumentDiscount, res.Discount, res.Net, res.Tax, res.Total} {
		rounded(d, "document amount")
	}

	// Each share of the document discount is within one minor unit of its
	// exact proportional value.
	weights := decimal.Zero
	for _, l := range res.Lines {
		weights = weights.Add(l.Gross.Sub(l.LineDiscount))
	}
	if !weights.IsZero() {
		for i, l := range res.Lines {
			exact := res.DocumentDiscount.Mul(l.Gross.Sub(l.LineDiscount)).DivRound(weights, 20)
			require.True(t, l.DocumentDiscount.Sub(exact).Abs().LessThan(unit),
				"line %d: share %s too far from %s", i, l.DocumentDiscount, exact)
		}
	}

	base, amount := decimal.Zero, decimal.Zero
	codes := map[string]bool{}
	for i, b := range res.Taxes {
		base, amount = base.Add(b.Base), amount.Add(b.Amount)
		if i > 0 {
			require.Less(t, res.Taxes[i-1].Rate.Code, b.Rate.Code, "breakdown sorted and unique")
		}
		codes[b.Rate.Code] = true
	}
	for _, l := range doc.Lines {
		require.True(t, codes[l.Tax.Code], "rate %s missing from breakdown", l.Tax.Code)
	}
	requireDec(t, res.Tax.String(), amount, "Σ breakdown amounts")
	requireDec(t, res.Net.String(), base, "Σ breakdown bases")
}

func TestAllocateProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 0x616c6c6f63))
	for n := range 2000 {
		amount := decimal.New(r.Int64N(2_000_001)-1_000_000, -2)
		weights := make([]decimal.Decimal, 1+r.IntN(10))
		for i := range weights {
			if r.IntN(5) > 0 {
				weights[i] = decimal.New(r.Int64N(1_000_000), -int32(r.IntN(4)))
			}
		}
		weights[r.IntN(len(weights))] = decimal.NewFromInt(1 + r.Int64N(100))
		parts, err := money.Allocate(amount, weights, money.MXN)
		require.NoError(t, err, "case %d", n)
		requireDec(t, amount.String(), decimal.Sum(decimal.Zero, parts...), "case", n, "sum")
		again, err := money.Allocate(amount, weights, money.MXN)
		require.NoError(t, err)
		require.Equal(t, parts, again, "deterministic")
		total := decimal.Sum(decimal.Zero, weights...)
		for i, p := range parts {
			require.True(t, p.Equal(money.Round(p, money.MXN)), "case %d part %d: %s", n, i, p)
			exact := amount.Mul(weights[i]).DivRound(total, 20)
			require.True(t, p.Sub(exact).Abs().LessThan(decimal.New(1, -2)), "case %d part %d: %s vs %s", n, i, p, exact)
			if weights[i].IsZero() {
				require.True(t, p.IsZero(), "case %d: zero weight got %s", n, p)
			}
		}
	}
}

// FuzzCalculate feeds arbitrary numbers into a two-line document: Calculate
// must never panic, and whatever it accepts must satisfy the invariants.
func FuzzCalculate(f *testing.F) {
	f.Add("3", "10.00", "0.16", "10", "", "", false)
	f.Add("0.345", "189.90", "0.105", "", "5.00", "1.00", true)
	f.Add("1", "0", "0", "100", "", "", false)
	f.Add("-1", "10", "0.16", "", "", "", false)
	f.Add("1e10000", "1e-10000", "2", "101", "-1", "x", true)
	f.Add("1000000000", "1000000000000", "1", "", "0.01", "", false)
	f.Fuzz(func(t *testing.T, qty, price, rateStr, percent, amount, docAmount string, inclusive bool) {
		parse := func(s string) decimal.Decimal {
			d, err := decimal.NewFromString(s)
			if err != nil {
				return decimal.Zero
			}
			return d
		}
		tax := money.TaxRate{Code: "r", Rate: parse(rateStr)}
		first := money.Line{Quantity: parse(qty), UnitPrice: parse(price), Tax: tax,
			Discount: &money.Discount{Percent: parse(percent), Amount: parse(amount)}}
		second := money.Line{Quantity: decimal.NewFromInt(1), UnitPrice: parse(price), Tax: tax}
		doc := money.Document{Currency: money.MXN, Lines: []money.Line{first, second},
			Discount: money.AmountOff(parse(docAmount)), PricesIncludeTax: inclusive}
		res, err := money.Calculate(doc)
		if err != nil {
			var me *money.Error
			require.ErrorAs(t, err, &me)
			return
		}
		checkInvariants(t, doc, res)
	})
}
