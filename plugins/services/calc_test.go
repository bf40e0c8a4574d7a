package services

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2026-12": "2026-12", " 2027-01 ": "2027-01", "2000-01": "2000-01"} {
		p, err := parsePeriod(in)
		require.NoError(t, err, in)
		require.Equal(t, want, p.String())
	}
	for _, in := range []string{"", "2026-00", "2026-13", "2026-1", "226-01", "1999-12", "2026/12", "2026-12-01", "abcd-ef", "+202-12"} {
		_, err := parsePeriod(in)
		require.Error(t, err, in)
	}
}

func TestDueDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		period string
		day    int
		want   string
	}{
		{"2026-12", 10, "2026-12-10"},
		{"2026-02", 31, "2026-02-28"},
		{"2028-02", 30, "2028-02-29"},
		{"2026-04", 31, "2026-04-30"},
		{"2026-01", 1, "2026-01-01"},
	} {
		p, err := parsePeriod(tc.period)
		require.NoError(t, err)
		require.Equal(t, tc.want, p.dueDate(tc.day), "%s day %d", tc.period, tc.day)
	}
}

func TestChargeFor(t *testing.T) {
	t.Parallel()
	p, err := parsePeriod("2026-12")
	require.NoError(t, err)
	for _, tc := range []struct {
		country, code, currency, fee string
		tax, total                   string
	}{
		{"MX", "iva16", "MXN", "1000", "160.00", "1160.00"},
		{"MX", "iva16", "MXN", "0.05", "0.01", "0.06"},
		{"MX", "exempt", "MXN", "1500.50", "0.00", "1500.50"},
		{"AR", "iva21", "ARS", "1234.56", "259.26", "1493.82"},
		{"AR", "iva10_5", "USD", "99.99", "10.50", "110.49"},
	} {
		rate, err := money.LookupRate(tc.country, tc.code)
		require.NoError(t, err)
		k := billableContract{ID: "k", ClientID: "c", MonthlyFee: decimal.RequireFromString(tc.fee), Currency: tc.currency, TaxCode: tc.code, BillingDay: 15}
		ch, err := chargeFor(k, rate, p, "run")
		require.NoError(t, err)
		require.Equal(t, tc.tax, ch.Tax.StringFixed(2), "%+v", tc)
		require.Equal(t, tc.total, ch.Total.StringFixed(2), "%+v", tc)
		require.True(t, ch.Subtotal.Add(ch.Tax.Decimal).Equal(ch.Total.Decimal))
		require.Equal(t, "2026-12-15", ch.DueDate)
		require.Equal(t, "2026-12", ch.Period)
	}
	_, err = chargeFor(billableContract{MonthlyFee: decimal.NewFromInt(1), Currency: "EUR"}, money.TaxRate{}, p, "run")
	require.Error(t, err)
}
