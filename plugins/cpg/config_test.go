package cpg

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		country  string
		raw      string
		problems int
		check    func(t *testing.T, c Config)
	}{
		{"defaults in Mexico", "MX", `{}`, 0, func(t *testing.T, c Config) {
			require.Equal(t, "iva16", c.DefaultTaxRate)
			require.True(t, c.PricesIncludeTax)
			require.False(t, c.AllowNegativeStock)
			require.Equal(t, "10000", c.BigTransactionThreshold.String())
			require.Equal(t, "50", c.CashDifferenceLimit.String())
			require.Equal(t, DefaultSizes, c.Sizes)
		}},
		{"defaults in Argentina", "AR", ``, 0, func(t *testing.T, c Config) {
			require.Equal(t, "iva21", c.DefaultTaxRate)
		}},
		{"overrides", "MX", `{"sizes":["Chico","Grande"],"colors":[],"default_tax_rate":"iva8","prices_include_tax":false,
			"big_transaction_threshold":"25000.50","allow_negative_stock":true,"cash_difference_limit":"0"}`, 0, func(t *testing.T, c Config) {
			require.Equal(t, []string{"Chico", "Grande"}, c.Sizes)
			require.Empty(t, c.Colors)
			require.Equal(t, "iva8", c.DefaultTaxRate)
			require.False(t, c.PricesIncludeTax)
			require.True(t, c.AllowNegativeStock)
			require.Equal(t, "25000.5", c.BigTransactionThreshold.String())
			require.True(t, c.CashDifferenceLimit.IsZero())
		}},
		{"unknown key", "MX", `{"sizez":[]}`, 1, nil},
		{"not an object", "MX", `[1]`, 1, nil},
		{"Argentine rate in Mexico", "MX", `{"default_tax_rate":"iva21"}`, 1, nil},
		{"every problem listed", "MX", `{"sizes":["M","m",""],"big_transaction_threshold":"-1","cash_difference_limit":"1.234"}`, 4, nil},
		{"unsupported country", "BR", `{}`, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, problems := ParseConfig(tt.country, []byte(tt.raw))
			require.Len(t, problems, tt.problems, "%v", problems)
			if tt.check != nil {
				tt.check(t, cfg)
			}
		})
	}
}

func TestConfigureCompany(t *testing.T) {
	t.Parallel()
	v := New()
	mx := sdk.Company{ID: "c", Country: "MX", Currency: "MXN", Timezone: "America/Mexico_City"}
	// A valid configuration provisions through the DB: the end-to-end test
	// covers it. Refusals happen before any DB call.
	err := v.ConfigureCompany(nil, mx, []byte(`{"cash_difference_limit":"x"}`))
	var ce *sdk.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1)
	require.Contains(t, ce.Problems[0], "cash_difference_limit")
	mx.Currency = "EUR"
	require.ErrorAs(t, v.ConfigureCompany(nil, mx, []byte(`{}`)), &ce)
}

func TestTaxRateResolution(t *testing.T) {
	t.Parallel()
	mx, ar := testEnv(t, "MX", true), testEnv(t, "AR", true)
	tests := []struct {
		e        *env
		in, code string
	}{
		{mx, "", "iva16"}, {mx, "16", "iva16"}, {mx, "16.00", "iva16"}, {mx, "8", "iva8"}, {mx, "0", "iva0"},
		{mx, "exempt", "exempt"}, {mx, "IVA16", "iva16"}, {ar, "", "iva21"}, {ar, "10.5", "iva10_5"}, {ar, "27", "iva27"},
		{mx, "21", ""}, {mx, "abc", ""}, {ar, "16", ""}, {mx, "1e1", ""},
	}
	for _, tt := range tests {
		r, err := tt.e.taxRate("tax_rate", tt.in)
		if tt.code == "" {
			require.ErrorContains(t, err, "unknown_tax_rate", tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.code, r.Code, tt.in)
	}
}

func TestPrincipalLocationID(t *testing.T) {
	t.Parallel()
	a := PrincipalLocationID("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11")
	require.Equal(t, a, PrincipalLocationID("0B5E3F1A-6D0E-4D7E-9A55-2F1F7C9E8A11"), "stable whatever the case")
	require.NotEqual(t, a, PrincipalLocationID("1b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11"))
}

func TestNormalizeOption(t *testing.T) {
	t.Parallel()
	got, err := normalizeOption("size", " m ", DefaultSizes)
	require.NoError(t, err)
	require.Equal(t, "M", *got)
	got, err = normalizeOption("size", "", DefaultSizes)
	require.NoError(t, err)
	require.Nil(t, got)
	_, err = normalizeOption("size", "XXXL", DefaultSizes)
	require.ErrorContains(t, err, "not one of the configured values")
	got, err = normalizeOption("color", "Turquesa", nil)
	require.NoError(t, err)
	require.Equal(t, "Turquesa", *got, "an empty set allows anything")
}
