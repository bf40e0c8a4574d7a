package money_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func decs(ss ...string) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ss))
	for i, s := range ss {
		out[i] = dec(s)
	}
	return out
}

func requireDecs(t *testing.T, want []string, got []decimal.Decimal) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		requireDec(t, want[i], got[i], "part", i)
	}
}

func TestAllocate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		amount  string
		weights []string
		want    []string
	}{
		{"thirds: residue to the lowest index on ties", "100", []string{"1", "1", "1"}, []string{"33.34", "33.33", "33.33"}},
		{"negative amount mirrors positive", "-100", []string{"1", "1", "1"}, []string{"-33.34", "-33.33", "-33.33"}},
		// 100 cents × 3/7 = 42 r 6/7, × 1/7 = 14 r 2/7: the two 6/7 remainders win.
		{"largest remainder", "1.00", []string{"3", "3", "1"}, []string{"0.43", "0.43", "0.14"}},
		// 10 cents × 1/3 = 3 r 1/3, × 2/3 = 6 r 2/3: the larger remainder wins.
		{"larger remainder beats lower index", "0.10", []string{"1", "2"}, []string{"0.03", "0.07"}},
		{"zero weight gets nothing", "10", []string{"0", "1", "0"}, []string{"0", "10", "0"}},
		{"fewer cents than parts", "0.05", []string{"1", "1", "1", "1", "1", "1"}, []string{"0.01", "0.01", "0.01", "0.01", "0.01", "0"}},
		{"exact proportions", "25.90", []string{"91.00", "120.00", "47.97"}, []string{"9.10", "12.00", "4.80"}},
		{"zero amount over zero weights", "0", []string{"0", "0"}, []string{"0", "0"}},
		{"no weights, zero amount", "0", nil, []string{}},
		{"decimal weights", "1", []string{"0.333333", "0.666667"}, []string{"0.33", "0.67"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := money.Allocate(dec(tc.amount), decs(tc.weights...), money.MXN)
			require.NoError(t, err)
			requireDecs(t, tc.want, got)
			requireDec(t, tc.amount, decimal.Sum(decimal.Zero, got...))
		})
	}
}

func TestAllocateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   string
		weights  []string
		currency money.Currency
		kind     error
		field    string
	}{
		{"negative weight", "10", []string{"1", "-1"}, money.MXN, money.ErrInvalidWeights, "weights"},
		{"all weights zero", "10", []string{"0", "0"}, money.MXN, money.ErrInvalidWeights, "weights"},
		{"no weights", "10", nil, money.MXN, money.ErrInvalidWeights, "weights"},
		{"sub-cent amount", "10.001", []string{"1"}, money.MXN, money.ErrInvalidAmount, "amount"},
		{"absurd amount", "1e10000", []string{"1"}, money.MXN, money.ErrInvalidAmount, "amount"},
		{"absurdly precise weight", "1", []string{"1e-10000"}, money.MXN, money.ErrInvalidWeights, "weights"},
		{"unknown currency", "10", []string{"1"}, money.Currency{Code: "EUR", MinorUnits: 2}, money.ErrUnknownCurrency, "currency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := money.Allocate(dec(tc.amount), decs(tc.weights...), tc.currency)
			requireMoneyError(t, err, tc.kind, money.NoLine, tc.field)
			require.Nil(t, got)
		})
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	got, err := money.Split(dec("100"), 3, money.ARS)
	require.NoError(t, err)
	requireDecs(t, []string{"33.34", "33.33", "33.33"}, got)

	got, err = money.Split(dec("0.02"), 4, money.ARS)
	require.NoError(t, err)
	requireDecs(t, []string{"0.01", "0.01", "0", "0"}, got)

	_, err = money.Split(dec("1"), 0, money.ARS)
	requireMoneyError(t, err, money.ErrInvalidWeights, money.NoLine, "parts")
}

func TestChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		total, tendered string
		want            string
		kind            error
		field           string
	}{
		{"270.36", "300", "29.64", nil, ""},
		{"270.36", "270.36", "0", nil, ""},
		{"0", "0", "0", nil, ""},
		{"270.36", "270.35", "", money.ErrInsufficientTender, "tendered"},
		{"-1", "10", "", money.ErrInvalidAmount, "total"},
		{"10", "-1", "", money.ErrInvalidAmount, "tendered"},
		{"10.001", "20", "", money.ErrInvalidAmount, "total"},
		{"10", "1e10000", "", money.ErrInvalidAmount, "tendered"},
	}
	for _, tc := range tests {
		t.Run(tc.total+"/"+tc.tendered, func(t *testing.T) {
			t.Parallel()
			got, err := money.Change(dec(tc.total), dec(tc.tendered), money.MXN)
			if tc.kind != nil {
				requireMoneyError(t, err, tc.kind, money.NoLine, tc.field)
				return
			}
			require.NoError(t, err)
			requireDec(t, tc.want, got)
		})
	}
}
