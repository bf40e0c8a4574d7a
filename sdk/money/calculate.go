package money

import (
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Discount reduces a line or a whole document by a percentage (Percent, from
// 0 to 100) or by a fixed amount (Amount, in the currency and in the same
// terms as the prices, i.e. tax included when the document's prices include
// tax). Set one of the two; the zero Discount reduces nothing.
type Discount struct {
	Percent decimal.Decimal
	Amount  decimal.Decimal
}

// PercentOff returns a discount of p percent.
func PercentOff(p decimal.Decimal) *Discount { return &Discount{Percent: p} }

// AmountOff returns a discount of a fixed amount.
func AmountOff(a decimal.Decimal) *Discount { return &Discount{Amount: a} }

// Line is one document line: Quantity units at UnitPrice, an optional line
// discount and the tax rate the line is taxed at.
type Line struct {
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	Discount  *Discount
	Tax       TaxRate
}

// Document is a sale, invoice or ticket to calculate. Currency must be one
// of the supported currencies (see CurrencyOf). Prices exclude tax unless
// PricesIncludeTax is set (Mexican and Argentine shelf prices include IVA);
// Discount applies to the whole document and is prorated across lines. Lines
// sharing a tax rate code must carry identical rates.
type Document struct {
	Currency         Currency
	Lines            []Line
	Discount         *Discount
	PricesIncludeTax bool
}

// LineResult is the calculated line. Gross and the discounts are in the
// document's price terms (tax included when PricesIncludeTax); Net is the
// taxable base without tax, and Total = Net + Tax always. So
// Gross − LineDiscount − DocumentDiscount equals Net for tax-exclusive prices
// and Total for tax-inclusive prices. Every amount is rounded to the
// currency's minor unit.
type LineResult struct {
	// Gross is quantity × unit price.
	Gross decimal.Decimal
	// LineDiscount is the line's own discount.
	LineDiscount decimal.Decimal
	// DocumentDiscount is the line's share of the document discount.
	DocumentDiscount decimal.Decimal
	// Net is the taxable base (CFDI Traslado Base, AFIP BaseImp).
	Net decimal.Decimal
	// Tax is the line's tax, rounded per line.
	Tax decimal.Decimal
	// Total is Net + Tax, what the customer pays for the line.
	Total decimal.Decimal
}

// TaxBreakdown sums the lines taxed at one rate: the figures of a CFDI
// Traslado or an AFIP AlicIva.
type TaxBreakdown struct {
	Rate   TaxRate
	Base   decimal.Decimal
	Amount decimal.Decimal
}

// Result is a calculated document. Each document amount is the sum of the
// corresponding rounded line amounts.
type Result struct {
	// Lines holds one result per document line, in order.
	Lines []LineResult
	// Subtotal is the sum of line Gross amounts.
	Subtotal decimal.Decimal
	// DocumentDiscount is the document-level discount before proration.
	DocumentDiscount decimal.Decimal
	// Discount is the sum of all line and document discounts.
	Discount decimal.Decimal
	// Net is the sum of taxable bases.
	Net decimal.Decimal
	// Tax is the sum of line taxes.
	Tax decimal.Decimal
	// Total is Net + Tax.
	Total decimal.Decimal
	// Taxes breaks Net and Tax down per tax rate, sorted by rate code.
	Taxes []TaxBreakdown
}

// Calculate validates doc and computes its lines, totals and tax breakdown.
//
// Per line: Gross = round(quantity × unit price); the line discount is taken
// from Gross; the document discount is then prorated across lines in
// proportion to what remains, with the rounding residue assigned by largest
// remainder so the shares sum exactly to it. With tax-exclusive prices the
// remainder is the Net and Tax = round(Net × rate); with tax-inclusive prices
// the remainder is the Total, Net = round(Total ÷ (1 + rate)) and
// Tax = Total − Net, so Net + Tax reproduces the rounded price exactly.
// Invalid input returns an *Error and no result.
func Calculate(doc Document) (Result, error) {
	c := doc.Currency
	if err := checkCurrency(c); err != nil {
		return Result{}, err
	}
	rates := make(map[string]rateUse, len(doc.Lines))
	lines := make([]LineResult, len(doc.Lines))
	remaining := make([]decimal.Decimal, len(doc.Lines))
	sumRemaining := decimal.Zero
	for i, l := range doc.Lines {
		if err := checkLine(i, l, rates); err != nil {
			return Result{}, err
		}
		gross := Round(l.Quantity.Mul(l.UnitPrice), c)
		disc, err := discountOf(l.Discount, gross, i, c)
		if err != nil {
			return Result{}, err
		}
		lines[i] = LineResult{Gross: gross, LineDiscount: disc}
		remaining[i] = gross.Sub(disc)
		sumRemaining = sumRemaining.Add(remaining[i])
	}
	docDisc, err := discountOf(doc.Discount, sumRemaining, NoLine, c)
	if err != nil {
		return Result{}, err
	}
	shares := allocate(docDisc, remaining, sumRemaining, c)

	res := Result{Lines: lines, DocumentDiscount: docDisc}
	sums := make(map[string]*TaxBreakdown, len(rates))
	for i, l := range doc.Lines {
		lr := &lines[i]
		lr.DocumentDiscount = shares[i]
		lr.Net, lr.Tax = taxOf(remaining[i].Sub(shares[i]), l.Tax, doc.PricesIncludeTax, c)
		lr.Total = lr.Net.Add(lr.Tax)

		res.Subtotal = res.Subtotal.Add(lr.Gross)
		res.Discount = res.Discount.Add(lr.LineDiscount).Add(lr.DocumentDiscount)
		res.Net = res.Net.Add(lr.Net)
		res.Tax = res.Tax.Add(lr.Tax)
		res.Total = res.Total.Add(lr.Total)
		b, ok := sums[l.Tax.Code]
		if !ok {
			b = &TaxBreakdown{Rate: l.Tax}
			sums[l.Tax.Code] = b
		}
		b.Base = b.Base.Add(lr.Net)
		b.Amount = b.Amount.Add(lr.Tax)
	}
	res.Taxes = make([]TaxBreakdown, 0, len(sums))
	for _, b := range sums {
		res.Taxes = append(res.Taxes, *b)
	}
	slices.SortFunc(res.Taxes, func(a, b TaxBreakdown) int { return strings.Compare(a.Rate.Code, b.Rate.Code) })
	return res, nil
}

// taxOf splits a line amount into taxable base and tax. amount is the Net
// for tax-exclusive prices and the Total for tax-inclusive ones.
func taxOf(amount decimal.Decimal, r TaxRate, inclusive bool, c Currency) (net, tax decimal.Decimal) {
	if r.Exempt || r.Rate.IsZero() {
		return amount, decimal.Zero
	}
	if !inclusive {
		return amount, Round(amount.Mul(r.Rate), c)
	}
	net = amount.DivRound(one.Add(r.Rate), c.MinorUnits)
	return net, amount.Sub(net)
}

// discountOf returns the rounded amount of d applied to base (a line's
// gross, or the document's amount after line discounts).
func discountOf(d *Discount, base decimal.Decimal, line int, c Currency) (decimal.Decimal, error) {
	if d == nil {
		return decimal.Zero, nil
	}
	if !d.Percent.IsZero() && !d.Amount.IsZero() {
		return decimal.Zero, newError(ErrInvalidDiscount, line, "discount",
			"set either a percent or an amount, not both")
	}
	if !d.Percent.IsZero() {
		if reason := checkNumber(d.Percent, true, hundred, maxInputDecimals); reason != "" {
			return decimal.Zero, newError(ErrInvalidDiscount, line, "discount", "percent %s", reason)
		}
		return Round(base.Mul(d.Percent).Shift(-2), c), nil
	}
	if reason := checkNumber(d.Amount, true, maxAmount, c.MinorUnits); reason != "" {
		return decimal.Zero, newError(ErrInvalidDiscount, line, "discount", "amount %s", reason)
	}
	if d.Amount.GreaterThan(base) {
		return decimal.Zero, newError(ErrInvalidDiscount, line, "discount",
			"amount %s exceeds the %s it applies to", d.Amount.StringFixed(c.MinorUnits), base.StringFixed(c.MinorUnits))
	}
	return d.Amount, nil
}

// sameRate reports whether a and b are the same rate in every field.
func sameRate(a, b TaxRate) bool {
	return a.Code == b.Code && a.Rate.Equal(b.Rate) && a.Exempt == b.Exempt &&
		a.AFIPAlicIvaID == b.AFIPAlicIvaID && a.CFDITasaOCuota == b.CFDITasaOCuota
}

// rateUse remembers the first line that used a tax rate code.
type rateUse struct {
	line int
	rate TaxRate
}

// checkLine validates the quantity, unit price and tax rate of line i and
// records its tax rate in rates so one code cannot mean two rates.
func checkLine(i int, l Line, rates map[string]rateUse) error {
	if reason := checkNumber(l.Quantity, false, maxQuantity, maxInputDecimals); reason != "" {
		return newError(ErrInvalidQuantity, i, "quantity", "%s", reason)
	}
	if reason := checkNumber(l.UnitPrice, true, maxUnitPrice, maxInputDecimals); reason != "" {
		return newError(ErrInvalidPrice, i, "unit_price", "%s", reason)
	}
	r := l.Tax
	switch {
	case r.Code == "":
		return newError(ErrInvalidTaxRate, i, "tax", "a tax rate code is required")
	case r.Exempt && !r.Rate.IsZero():
		return newError(ErrInvalidTaxRate, i, "tax", "exempt rate %q must have a zero rate", r.Code)
	}
	if reason := checkNumber(r.Rate, true, one, maxInputDecimals); reason != "" {
		return newError(ErrInvalidTaxRate, i, "tax", "rate %q %s", r.Code, reason)
	}
	if prev, ok := rates[r.Code]; ok {
		if !sameRate(prev.rate, r) {
			return newError(ErrInvalidTaxRate, i, "tax",
				"rate %q differs from the one on line %d", r.Code, prev.line)
		}
		return nil
	}
	rates[r.Code] = rateUse{line: i, rate: r}
	return nil
}
