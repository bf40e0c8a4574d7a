package cpg

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rate(t *testing.T, country, code string) money.TaxRate {
	t.Helper()
	r, err := money.LookupRate(country, code)
	require.NoError(t, err)
	return r
}

func testEnv(t *testing.T, country string, inclusive bool) *env {
	t.Helper()
	cfg, problems := ParseConfig(country, []byte(`{}`))
	require.Empty(t, problems)
	cfg.PricesIncludeTax = inclusive
	rates, err := money.RatesFor(country)
	require.NoError(t, err)
	cur := money.MXN
	if country == "AR" {
		cur = money.ARS
	}
	return &env{cfg: cfg, currency: cur, rates: rates}
}

// requireError checks that err answers status and code — an *sdk.Error,
// or an error the SDK answers as one (sdk.ValidationError: money.Limits'
// invalid_field, the calculator's errors) — and, when field is set, that
// it names that request field.
func requireError(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	e, ok := sdk.ValidationError(err)
	if !ok {
		require.ErrorAs(t, err, &e)
	}
	require.Equal(t, status, e.Status(), e.Message)
	require.Equal(t, code, e.Code, e.Message)
	if field != "" {
		require.Equal(t, field, e.Details["field"], e.Message)
	}
}

// ptr returns a pointer to s.
func ptr(s string) *string { return &s }
