package money_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

// TestEveryCurrencyHasTheAmountScale: an Amount renders money.Decimals
// decimals, which is right only while every supported currency has that
// minor unit.
func TestEveryCurrencyHasTheAmountScale(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"MXN", "ARS", "USD"} {
		c, err := money.CurrencyOf(code)
		require.NoError(t, err)
		require.EqualValues(t, money.Decimals, c.MinorUnits, code)
	}
}

func TestAmountRendersTheCurrencyScale(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"1160": `"1160.00"`, "1160.5": `"1160.50"`, "0": `"0.00"`, "-12.3": `"-12.30"`,
		"0.005": `"0.01"`, "-0.005": `"-0.01"`, "1160.000000": `"1160.00"`,
	}
	for in, want := range tests {
		b, err := json.Marshal(money.AmountOf(dec(in)))
		require.NoError(t, err)
		require.Equal(t, want, string(b), in)
	}
	b, err := json.Marshal(struct {
		Total *money.Amount `json:"total"`
		Paid  money.Amount  `json:"paid"`
	}{Paid: money.AmountOf(dec("5"))})
	require.NoError(t, err)
	require.JSONEq(t, `{"total":null,"paid":"5.00"}`, string(b))
	require.Equal(t, "7.50", money.AmountOf(dec("7.5")).String())
}

// TestAmountReadsOnlyPlainDecimalStrings: JSON numbers, exponents, NaN,
// signs other than "-", separators and oversized text fail with a
// *json.UnmarshalTypeError that names the field; plain decimal strings of
// any sign and scale are read exactly (limits are Limits' business).
func TestAmountReadsOnlyPlainDecimalStrings(t *testing.T) {
	t.Parallel()
	type in struct {
		Lines []struct {
			Amount money.Amount `json:"amount"`
		} `json:"lines"`
	}
	good := map[string]string{`"1160"`: "1160", `"1160.50"`: "1160.5", `"-5.5"`: "-5.5", `"0.000001"`: "0.000001", `"007"`: "7"}
	for raw, want := range good {
		var v in
		require.NoError(t, json.Unmarshal([]byte(`{"lines":[{"amount":`+raw+`}]}`), &v), raw)
		require.Equal(t, want, v.Lines[0].Amount.Decimal.String(), raw)
	}
	bad := []string{`1160`, `1e5`, `"1e5"`, `"NaN"`, `"Infinity"`, `"+5"`, `" 5"`, `"1,160.00"`, `""`, `"."`, `"5."`,
		`".5"`, `true`, `{}`, `[]`, `"0x10"`, `"1234567890123456789012345678901234567890.5"`}
	for _, raw := range bad {
		var v in
		err := json.Unmarshal([]byte(`{"lines":[{"amount":`+raw+`}]}`), &v)
		var te *json.UnmarshalTypeError
		require.True(t, errors.As(err, &te), "%s: %v", raw, err)
		require.Equal(t, "lines.amount", te.Field, raw)
	}
	var kept struct {
		A money.Amount `json:"a"`
	}
	kept.A = money.AmountOf(dec("3"))
	require.NoError(t, json.Unmarshal([]byte(`{"a":null}`), &kept))
	require.Equal(t, "3", kept.A.Decimal.String(), "null leaves the value, as for every type")
}

func TestLimitsParse(t *testing.T) {
	t.Parallel()
	signedQty := money.Limits{Decimals: 6, Digits: 9, Negative: true}
	tests := []struct {
		in     string
		limits money.Limits
		want   string
		reason string
	}{
		{"10", money.QuantityLimits, "10", ""},
		{"1.123456", money.QuantityLimits, "1.123456", ""},
		{"1.1000000", money.QuantityLimits, "1.1", ""},
		{"1.1234567", money.QuantityLimits, "", "must have at most 6 decimals"},
		{"0", money.QuantityLimits, "", "must not be zero"},
		{"-1", money.QuantityLimits, "", "must not be negative"},
		{"-3", signedQty, "-3", ""},
		{"0", signedQty, "", "must not be zero"},
		{"1234567890", money.QuantityLimits, "", "must have at most 9 integer digits"},
		{"000000000000123", money.QuantityLimits, "123", ""},
		{"1e3", money.QuantityLimits, "", `must be a decimal string such as "10.50", got "1e3"`},
		{"1e999999999", money.PriceLimits, "", `must be a decimal string such as "10.50", got "1e999999999"`},
		{"", money.AmountLimits, "", `is required (a decimal string such as "10.50")`},
		{" 12.50 ", money.AmountLimits, "12.5", ""},
		{"12.505", money.AmountLimits, "", "must have at most 2 decimals"},
		{"0", money.AmountLimits, "0", ""},
		{"9999999999999.99", money.AmountLimits, "9999999999999.99", ""},
		{"10000000000000", money.AmountLimits, "", "must have at most 13 integer digits"},
		{"0", money.PositiveAmountLimits, "", "must not be zero"},
		{"-0.01", money.AmountLimits, "", "must not be negative"},
		{"100", money.PercentLimits, "100", ""},
		{"100.000001", money.PercentLimits, "", "must not exceed 100"},
		{"NaN", money.AmountLimits, "", `must be a decimal string such as "10.50", got "NaN"`},
		{"1,5", money.AmountLimits, "", `must be a decimal string such as "10.50", got "1,5"`},
	}
	for _, tt := range tests {
		got, err := tt.limits.Parse("lines[2].amount", tt.in)
		if tt.reason != "" {
			requireMoneyError(t, err, money.ErrInvalidNumber, money.NoLine, "lines[2].amount")
			var me *money.Error
			require.ErrorAs(t, err, &me)
			require.Equal(t, tt.reason, me.Detail, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got.String(), tt.in)
	}
}

func TestLimitsCheck(t *testing.T) {
	t.Parallel()
	require.NoError(t, money.PositiveAmountLimits.Check("fee", dec("0.01")))
	err := money.PositiveAmountLimits.Check("fee", decimal.Zero)
	requireMoneyError(t, err, money.ErrInvalidNumber, money.NoLine, "fee")
	require.EqualError(t, err, "fee: invalid number: must not be zero")
}
