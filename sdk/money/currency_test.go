package money_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// requireDec compares decimals by value and prints both on failure.
func requireDec(t *testing.T, want string, got decimal.Decimal, msgAndArgs ...any) {
	t.Helper()
	require.Truef(t, dec(want).Equal(got), "want %s, got %s %v", want, got, msgAndArgs)
}

// requireMoneyError checks err is an *money.Error of the given kind, line and field.
func requireMoneyError(t *testing.T, err error, kind error, line int, field string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, kind)
	var me *money.Error
	require.True(t, errors.As(err, &me), "not a *money.Error: %v", err)
	require.Equal(t, line, me.Line, "line of %v", err)
	require.Equal(t, field, me.Field, "field of %v", err)
	require.NotEmpty(t, me.Detail)
}

func TestCurrencyOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want money.Currency
		ok   bool
	}{
		{"MXN", money.MXN, true},
		{" ars ", money.ARS, true},
		{"usd", money.USD, true},
		{"EUR", money.Currency{}, false},
		{"", money.Currency{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			got, err := money.CurrencyOf(tc.code)
			if !tc.ok {
				requireMoneyError(t, err, money.ErrUnknownCurrency, money.NoLine, "currency")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.EqualValues(t, 2, got.MinorUnits)
		})
	}
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"2.345", "2.35"},
		{"-2.345", "-2.35"},
		{"2.3449999", "2.34"},
		{"-2.3449999", "-2.34"},
		{"2.3450001", "2.35"},
		{"0.005", "0.01"},
		{"-0.005", "-0.01"},
		{"0.004", "0"},
		{"-0.004", "0"},
		{"1.015", "1.02"},
		{"-1.015", "-1.02"},
		{"12", "12"},
		{"7.10", "7.1"},
		{"999999999999.995", "1000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got := money.Round(dec(tc.in), money.MXN)
			requireDec(t, tc.want, got)
			require.LessOrEqual(t, -got.Exponent(), int32(2))
		})
	}
}
