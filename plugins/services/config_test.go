package services

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

func TestConfigureCompany(t *testing.T) {
	t.Parallel()
	mx := sdk.Company{ID: "c", Country: "MX", Currency: "MXN", Timezone: "America/Mexico_City"}
	ar := sdk.Company{ID: "c", Country: "AR", Currency: "ARS", Timezone: "America/Argentina/Buenos_Aires"}
	br := sdk.Company{ID: "c", Country: "BR", Currency: "BRL", Timezone: "America/Sao_Paulo"}
	badTZ := mx
	badTZ.Timezone = "Mars/Olympus"
	eur := mx
	eur.Currency = "EUR"
	for _, tc := range []struct {
		name     string
		company  sdk.Company
		config   string
		problems int
	}{
		{"mexico, defaults", mx, `{}`, 0},
		{"mexico, no config", mx, ``, 0},
		{"mexico, iva8", mx, `{"default_tax_rate":"iva8"}`, 0},
		{"argentina, iva10_5", ar, `{"default_tax_rate":"iva10_5"}`, 0},
		{"an Argentine rate in Mexico", mx, `{"default_tax_rate":"iva21"}`, 1},
		{"unknown key", mx, `{"tax":"iva16"}`, 1},
		{"not an object", mx, `[1]`, 1},
		{"another country", br, `{}`, 1},
		{"unknown time zone", badTZ, `{}`, 1},
		{"unsupported currency", eur, `{}`, 1},
	} {
		err := New().ConfigureCompany(nil, tc.company, json.RawMessage(tc.config))
		if tc.problems == 0 {
			require.NoError(t, err, tc.name)
			continue
		}
		var ce *sdk.ConfigError
		require.True(t, errors.As(err, &ce), "%s: %v", tc.name, err)
		require.Len(t, ce.Problems, tc.problems, "%s: %v", tc.name, ce.Problems)
	}
	e, problems := newEnvFor(ar, nil)
	require.Empty(t, problems)
	require.Equal(t, "iva21", e.cfg.DefaultTaxRate)
	require.Equal(t, "ARS", e.currency.Code)
}
