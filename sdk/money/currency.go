// Package money is the financial calculator shared by the host and the
// verticals: currencies and rounding, tax rates per country, line and
// document discounts, per-line taxes, the tax breakdown that CFDI Traslados
// and AFIP AlicIva need, and helpers to allocate amounts and give change.
//
// All amounts are shopspring/decimal values; no float type appears in this
// package (a test enforces it). Rounding is half away from zero to the
// currency's minor unit, taxes are rounded per line and document totals are
// sums of rounded lines.
//
// The package is pure computation: it must not do I/O, read configuration or
// know about HTTP or the database. Bad input is reported as an *Error.
package money

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 currency and the number of decimals of its minor unit.
type Currency struct {
	Code       string
	MinorUnits int32
}

// Supported currencies.
var (
	// MXN is the Mexican peso.
	MXN = Currency{Code: "MXN", MinorUnits: 2}
	// ARS is the Argentine peso.
	ARS = Currency{Code: "ARS", MinorUnits: 2}
	// USD is the United States dollar.
	USD = Currency{Code: "USD", MinorUnits: 2}
)

var currencies = map[string]Currency{
	"MXN": {Code: "MXN", MinorUnits: 2},
	"ARS": {Code: "ARS", MinorUnits: 2},
	"USD": {Code: "USD", MinorUnits: 2},
}

// CurrencyOf returns the supported currency with the given ISO 4217 code
// (case and surrounding spaces are ignored).
func CurrencyOf(code string) (Currency, error) {
	c, ok := currencies[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Currency{}, newError(ErrUnknownCurrency, NoLine, "currency",
			"%q is not supported (MXN, ARS, USD)", code)
	}
	return c, nil
}

// Round rounds d half away from zero to the minor unit of c.
func Round(d decimal.Decimal, c Currency) decimal.Decimal {
	return d.Round(c.MinorUnits)
}

// checkCurrency reports whether c is exactly a supported currency.
func checkCurrency(c Currency) error {
	known, ok := currencies[c.Code]
	if !ok {
		return newError(ErrUnknownCurrency, NoLine, "currency",
			"%q is not supported (MXN, ARS, USD)", c.Code)
	}
	if known != c {
		return newError(ErrUnknownCurrency, NoLine, "currency",
			"%s has %d minor units, not %d", c.Code, known.MinorUnits, c.MinorUnits)
	}
	return nil
}
