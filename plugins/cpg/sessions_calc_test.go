package cpg

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func TestComputeClose(t *testing.T) {
	t.Parallel()
	received := map[string]decimal.Decimal{
		MethodCash: d("1100.50"), // 1200.50 of sales net of change, −100.00 cash refund
		MethodCard: d("830.50"),
	}
	tests := []struct {
		name        string
		counted     map[string]decimal.Decimal
		expected    map[string]string
		differences map[string]string
		total       [3]string
		over        bool
	}{
		{
			name:        "within the limit",
			counted:     map[string]decimal.Decimal{MethodCash: d("1590.50"), MethodCard: d("830.50")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50"},
			differences: map[string]string{MethodCash: "-10.00", MethodCard: "0.00"},
			total:       [3]string{"2431.00", "2421.00", "-10.00"},
		},
		{
			name:        "short by more than the limit",
			counted:     map[string]decimal.Decimal{MethodCash: d("1540.50"), MethodCard: d("830.50")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50"},
			differences: map[string]string{MethodCash: "-60.00", MethodCard: "0.00"},
			total:       [3]string{"2431.00", "2371.00", "-60.00"},
			over:        true,
		},
		{
			name:        "a method not counted counts as zero; one not expected is all difference",
			counted:     map[string]decimal.Decimal{MethodCash: d("1600.50"), MethodTransfer: d("20.00")},
			expected:    map[string]string{MethodCash: "1600.50", MethodCard: "830.50", MethodTransfer: "0.00"},
			differences: map[string]string{MethodCash: "0.00", MethodCard: "-830.50", MethodTransfer: "20.00"},
			total:       [3]string{"2431.00", "1620.50", "-810.50"},
			over:        true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := computeClose(d("500.00"), received, tt.counted, d("50"))
			require.Len(t, got.Counts, len(tt.expected))
			for _, m := range got.Counts {
				require.Equal(t, tt.expected[m.Method], m.Expected.StringFixed(2), m.Method)
				require.Equal(t, tt.differences[m.Method], m.Difference.StringFixed(2), m.Method)
			}
			require.Equal(t, tt.total, [3]string{got.Expected.StringFixed(2), got.Counted.StringFixed(2), got.Difference.StringFixed(2)})
			require.Equal(t, tt.over, got.OverLimit)
		})
	}
	open := computeClose(d("300"), nil, nil, d("0"))
	require.Len(t, open.Counts, 1, "a session without sales expects its float in cash")
	require.Equal(t, "300.00", open.Counts[0].Expected.StringFixed(2))
}

func TestCheckCounts(t *testing.T) {
	t.Parallel()
	got, err := checkCounts([]countInput{{Method: MethodCash, Amount: "512.50"}, {Method: MethodCard, Amount: "0"}})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"cash": "512.5", "card": "0"}, map[string]string{"cash": got[MethodCash].String(), "card": got[MethodCard].String()})
	got, err = checkCounts(nil)
	require.NoError(t, err)
	require.Empty(t, got, "nothing counted counts as zero")
	for _, tt := range []struct {
		name  string
		in    []countInput
		field string
	}{
		{"unknown method", []countInput{{Method: "cheque", Amount: "1"}}, "counted[0].method"},
		{"a method twice", []countInput{{Method: MethodCash, Amount: "1"}, {Method: MethodCash, Amount: "2"}}, "counted[1].method"},
		{"bad amount", []countInput{{Method: MethodCard, Amount: "1.2.3"}}, "counted[0].amount"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := checkCounts(tt.in)
			requireError(t, err, http.StatusUnprocessableEntity, "invalid_field", tt.field)
		})
	}
}
