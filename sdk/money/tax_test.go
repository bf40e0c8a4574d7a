package money_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func TestRatesFor(t *testing.T) {
	t.Parallel()
	type want struct {
		rate    string
		exempt  bool
		alicIva int
		tasa    string
		factor  string
	}
	tests := []struct {
		country string
		want    map[string]want
	}{
		{"MX", map[string]want{
			"iva16":  {"0.16", false, 0, "0.160000", "Tasa"},
			"iva8":   {"0.08", false, 0, "0.080000", "Tasa"},
			"iva0":   {"0", false, 0, "0.000000", "Tasa"},
			"exempt": {"0", true, 0, "", "Exento"},
		}},
		{" ar ", map[string]want{
			"iva21":   {"0.21", false, 5, "", "Tasa"},
			"iva10_5": {"0.105", false, 4, "", "Tasa"},
			"iva27":   {"0.27", false, 6, "", "Tasa"},
			"iva0":    {"0", false, 3, "", "Tasa"},
			"exempt":  {"0", true, 0, "", "Exento"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.country, func(t *testing.T) {
			t.Parallel()
			rates, err := money.RatesFor(tc.country)
			require.NoError(t, err)
			require.Len(t, rates, len(tc.want))
			for code, w := range tc.want {
				r, ok := rates[code]
				require.True(t, ok, code)
				require.Equal(t, code, r.Code)
				requireDec(t, w.rate, r.Rate, code)
				require.Equal(t, w.exempt, r.Exempt, code)
				require.Equal(t, w.alicIva, r.AFIPAlicIvaID, code)
				require.Equal(t, w.tasa, r.CFDITasaOCuota, code)
				require.Equal(t, w.factor, r.CFDITipoFactor(), code)
			}
		})
	}
}

func TestRatesForReturnsACopy(t *testing.T) {
	t.Parallel()
	rates, err := money.RatesFor("MX")
	require.NoError(t, err)
	delete(rates, "iva16")
	again, err := money.RatesFor("MX")
	require.NoError(t, err)
	require.Contains(t, again, "iva16")
}

func TestRatesForErrors(t *testing.T) {
	t.Parallel()
	_, err := money.RatesFor("BR")
	requireMoneyError(t, err, money.ErrUnknownCountry, money.NoLine, "country")

	_, err = money.LookupRate("BR", "iva16")
	requireMoneyError(t, err, money.ErrUnknownCountry, money.NoLine, "country")

	_, err = money.LookupRate("AR", "iva16")
	requireMoneyError(t, err, money.ErrUnknownTaxRate, money.NoLine, "tax")
	require.EqualError(t, err, `tax: unknown tax rate: AR has no tax rate "iva16"`)

	r, err := money.LookupRate("mx", "iva8")
	require.NoError(t, err)
	require.Equal(t, "0.080000", r.CFDITasaOCuota)
}
