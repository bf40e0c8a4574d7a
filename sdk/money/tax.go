package money

import (
	"strings"

	"github.com/shopspring/decimal"
)

// TaxRate is a value-added tax rate a line is taxed at.
type TaxRate struct {
	// Code identifies the rate within its country, e.g. "iva16", "iva10_5".
	Code string
	// Rate is a fraction: 0.16 for 16 %. It is zero when Exempt.
	Rate decimal.Decimal
	// Exempt marks an exempt operation: no tax and, in a CFDI, TipoFactor
	// Exento; in AFIP it goes to ImpOpEx rather than AlicIva.
	Exempt bool
	// AFIPAlicIvaID is the AFIP AlicIva Id (5 = 21 %, 4 = 10.5 %, 6 = 27 %,
	// 3 = 0 %); zero for rates that are not Argentine or have no AlicIva.
	AFIPAlicIvaID int
	// CFDITasaOCuota is the CFDI Traslado TasaOCuota ("0.160000"); empty for
	// exempt or non-Mexican rates.
	CFDITasaOCuota string
}

// CFDITipoFactor is the CFDI Traslado TipoFactor of the rate: "Exento" for
// exempt rates, "Tasa" otherwise.
func (r TaxRate) CFDITipoFactor() string {
	if r.Exempt {
		return "Exento"
	}
	return "Tasa"
}

var taxRates = map[string][]TaxRate{
	"MX": {
		{Code: "iva16", Rate: decimal.RequireFromString("0.16"), CFDITasaOCuota: "0.160000"},
		{Code: "iva8", Rate: decimal.RequireFromString("0.08"), CFDITasaOCuota: "0.080000"},
		{Code: "iva0", Rate: decimal.Zero, CFDITasaOCuota: "0.000000"},
		{Code: "exempt", Rate: decimal.Zero, Exempt: true},
	},
	"AR": {
		{Code: "iva21", Rate: decimal.RequireFromString("0.21"), AFIPAlicIvaID: 5},
		{Code: "iva10_5", Rate: decimal.RequireFromString("0.105"), AFIPAlicIvaID: 4},
		{Code: "iva27", Rate: decimal.RequireFromString("0.27"), AFIPAlicIvaID: 6},
		{Code: "iva0", Rate: decimal.Zero, AFIPAlicIvaID: 3},
		{Code: "exempt", Rate: decimal.Zero, Exempt: true},
	},
}

// RatesFor returns the tax rates of a country ("MX" or "AR"), keyed by code.
// The map is a fresh copy the caller may modify.
func RatesFor(country string) (map[string]TaxRate, error) {
	rates, ok := taxRates[strings.ToUpper(strings.TrimSpace(country))]
	if !ok {
		return nil, newError(ErrUnknownCountry, NoLine, "country",
			"no tax rates for %q (MX, AR)", country)
	}
	out := make(map[string]TaxRate, len(rates))
	for _, r := range rates {
		out[r.Code] = r
	}
	return out, nil
}

// LookupRate returns the tax rate of a country with the given code.
func LookupRate(country, code string) (TaxRate, error) {
	rates, err := RatesFor(country)
	if err != nil {
		return TaxRate{}, err
	}
	r, ok := rates[code]
	if !ok {
		return TaxRate{}, newError(ErrUnknownTaxRate, NoLine, "tax",
			"%s has no tax rate %q", strings.ToUpper(strings.TrimSpace(country)), code)
	}
	return r, nil
}
