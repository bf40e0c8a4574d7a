package sdk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestAppendCopyValue(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 10, 30, 0, 123456000, time.FixedZone("CST", -6*3600))
	var nilTime *time.Time
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, `\N`},
		{"plain", "plain"},
		{"tab\there\nnew\rline\\back", `tab\there\nnew\rline\\back`},
		{"", ""},
		{json.RawMessage(`{"a":"b\tc"}`), `{"a":"b\\tc"}`},
		{json.RawMessage(nil), `\N`},
		{[]byte{0xde, 0xad}, `\\xdead`},
		{true, "t"},
		{false, "f"},
		{42, "42"},
		{int32(-7), "-7"},
		{int64(1) << 40, "1099511627776"},
		{at, "2026-03-01 10:30:00.123456-06:00"},
		{&at, "2026-03-01 10:30:00.123456-06:00"},
		{nilTime, `\N`},
		{decimal.RequireFromString("-12.50"), "-12.5"},
		{uuid.MustParse("6f1d2a3e-8c1b-4c55-9d36-0b7f3c1e2a90"), "6f1d2a3e-8c1b-4c55-9d36-0b7f3c1e2a90"},
	} {
		got, err := appendCopyValue(nil, tc.in)
		require.NoError(t, err, "%#v", tc.in)
		require.Equal(t, tc.want, string(got), "%#v", tc.in)
	}
	for _, bad := range []any{1.5, float32(2), struct{}{}, map[string]int{}} {
		_, err := appendCopyValue(nil, bad)
		require.Error(t, err, "%#v", bad)
	}
}

func TestCopierRefusesBadRows(t *testing.T) {
	t.Parallel()
	c := &Context{copied: map[string]int64{}}
	w := c.CopyRows("items", "sku", "price")
	w.Add("A-1")
	require.ErrorContains(t, w.Flush(), "1 values for 2 columns")
	w = c.CopyRows("items", "sku", "price")
	w.Add("A-1", 1.25)
	require.ErrorContains(t, w.Flush(), "floating-point")
	require.Zero(t, w.Pending(), "a refused row is not buffered")
	w = c.CopyRows("items", "sku", "price")
	w.Add("A-1", "1.25")
	require.Equal(t, 1, w.Pending())
	require.ErrorIs(t, w.Flush(), errHostUnavailable, "without a host nothing is sent")
}
