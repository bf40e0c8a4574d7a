package money

import "github.com/shopspring/decimal"

// Input limits. They reject absurd values before any arithmetic, so a
// hostile number such as 1e999999999 costs nothing.
const (
	// maxInputDecimals is the precision of quantities, unit prices, percents
	// and tax rates (CFDI Cantidad, ValorUnitario and TasaOCuota use six).
	maxInputDecimals = 6
)

var (
	maxQuantity  = decimal.New(1, 9)
	maxUnitPrice = decimal.New(1, 12)
	maxAmount    = decimal.New(1, 18)
	hundred      = decimal.New(1, 2)
	one          = decimal.New(1, 0)
)

// hasAtMostDecimals reports whether d has no more than places significant
// decimals. It never rescales by more digits than d's coefficient has.
func hasAtMostDecimals(d decimal.Decimal, places int32) bool {
	if d.Exponent() >= -places {
		return true
	}
	extra := -int64(places) - int64(d.Exponent())
	if extra >= int64(d.NumDigits()) {
		return d.IsZero()
	}
	return d.Equal(d.Truncate(places))
}

// exceeds reports whether |d| > limit for a limit of at least one. Numbers
// below one or with far more integer digits than the limit are decided
// without rescaling, so the comparison costs at most the size of d.
func exceeds(d, limit decimal.Decimal) bool {
	digits := intDigits(d)
	switch {
	case digits <= 0:
		return false
	case digits > intDigits(limit)+1:
		return true
	}
	return d.Abs().GreaterThan(limit)
}

func intDigits(d decimal.Decimal) int64 {
	return int64(d.NumDigits()) + int64(d.Exponent())
}

// checkNumber validates d against sign, magnitude and precision rules and
// returns a human-readable reason, or "" when d is acceptable.
func checkNumber(d decimal.Decimal, allowZero bool, limit decimal.Decimal, places int32) string {
	switch {
	case d.IsNegative():
		return "must not be negative"
	case d.IsZero() && !allowZero:
		return "must be greater than zero"
	case !hasAtMostDecimals(d, places):
		return "must have at most " + decimal.NewFromInt32(places).String() + " decimals"
	case exceeds(d, limit):
		return "must not exceed " + limit.String()
	}
	return ""
}
