package money

import (
	"slices"

	"github.com/shopspring/decimal"
)

// Allocate splits amount into len(weights) parts proportional to weights,
// each a whole number of the currency's minor unit, that sum exactly to
// amount. The rounding residue goes one minor unit at a time to the parts
// with the largest remainders (ties to the lower index), so the result is
// deterministic. A negative amount is allocated like its absolute value and
// negated. Weights must be non-negative and, unless amount is zero, not all zero.
func Allocate(amount decimal.Decimal, weights []decimal.Decimal, c Currency) ([]decimal.Decimal, error) {
	if err := checkCurrency(c); err != nil {
		return nil, err
	}
	if !hasAtMostDecimals(amount, c.MinorUnits) {
		return nil, newError(ErrInvalidAmount, NoLine, "amount",
			"must have at most %d decimals for %s", c.MinorUnits, c.Code)
	}
	if exceeds(amount, maxAmount) {
		return nil, newError(ErrInvalidAmount, NoLine, "amount", "must not exceed %s", maxAmount)
	}
	total := decimal.Zero
	for i, w := range weights {
		if reason := checkNumber(w, true, maxAmount, maxInputDecimals); reason != "" {
			return nil, newError(ErrInvalidWeights, NoLine, "weights", "weight %d %s", i, reason)
		}
		total = total.Add(w)
	}
	if !amount.IsZero() && total.IsZero() {
		return nil, newError(ErrInvalidWeights, NoLine, "weights",
			"cannot allocate a non-zero amount over %d weights that sum to zero", len(weights))
	}
	return allocate(amount, weights, total, c), nil
}

// allocate is Allocate for validated input: non-negative weights summing to
// total, which is non-zero unless amount is zero.
func allocate(amount decimal.Decimal, weights []decimal.Decimal, total decimal.Decimal, c Currency) []decimal.Decimal {
	parts := make([]decimal.Decimal, len(weights))
	if amount.IsZero() {
		for i := range parts {
			parts[i] = decimal.Zero
		}
		return parts
	}
	units := amount.Abs().Shift(c.MinorUnits)
	remainders := make([]decimal.Decimal, len(weights))
	allocated := decimal.Zero
	for i, w := range weights {
		parts[i], remainders[i] = units.Mul(w).QuoRem(total, 0)
		allocated = allocated.Add(parts[i])
	}
	residue := units.Sub(allocated).IntPart()

	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return remainders[b].Cmp(remainders[a])
	})
	for _, i := range order[:residue] {
		parts[i] = parts[i].Add(one)
	}
	for i := range parts {
		parts[i] = parts[i].Shift(-c.MinorUnits)
		if amount.IsNegative() {
			parts[i] = parts[i].Neg()
		}
	}
	return parts
}

// Split divides amount into n parts that differ by at most one minor unit
// and sum exactly to amount; the larger parts come first.
func Split(amount decimal.Decimal, n int, c Currency) ([]decimal.Decimal, error) {
	if n <= 0 {
		return nil, newError(ErrInvalidWeights, NoLine, "parts",
			"cannot split into %d parts", n)
	}
	weights := make([]decimal.Decimal, n)
	for i := range weights {
		weights[i] = decimal.NewFromInt(1)
	}
	return Allocate(amount, weights, c)
}

// Change returns the change due when tendered is paid for total. Both must
// be non-negative amounts of c.
func Change(total, tendered decimal.Decimal, c Currency) (decimal.Decimal, error) {
	if err := checkCurrency(c); err != nil {
		return decimal.Zero, err
	}
	if reason := checkNumber(total, true, maxAmount, c.MinorUnits); reason != "" {
		return decimal.Zero, newError(ErrInvalidAmount, NoLine, "total", "%s", reason)
	}
	if reason := checkNumber(tendered, true, maxAmount, c.MinorUnits); reason != "" {
		return decimal.Zero, newError(ErrInvalidAmount, NoLine, "tendered", "%s", reason)
	}
	if tendered.LessThan(total) {
		return decimal.Zero, newError(ErrInsufficientTender, NoLine, "tendered",
			"%s tendered is less than the total %s", tendered, total)
	}
	return tendered.Sub(total), nil
}
