package cpg

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFormatting(t *testing.T) {
	t.Parallel()
	require.Equal(t, "25.00", fmtPrice(d("25.000000")))
	require.Equal(t, "12.3456", fmtPrice(d("12.345600")))
	require.Equal(t, "10", fmtQty(d("10.000000")))
	require.Equal(t, "{a,b}", uuidArray([]string{"a", "b"}))
	require.Equal(t, `{"A-1","x\"y","b\\c"}`, textArray([]string{"A-1", `x"y`, `b\c`}))
}

func TestLedgerMergesAndSorts(t *testing.T) {
	t.Parallel()
	l := &ledger{}
	l.add(KindSale, "v2", "loc", d("-1"), d("0"))
	l.add(KindSale, "v1", "loc", d("-2"), d("0"))
	l.add(KindSale, "v2", "loc", d("-3"), d("0"))
	l.add(KindTransferOut, "v3", "a", d("-1"), d("0"))
	l.add(KindTransferIn, "v3", "a", d("1"), d("0"))
	ch := l.changes()
	require.Len(t, ch, 2, "movements that cancel out change no stock")
	require.Equal(t, stockKey{"v1", "loc"}, ch[0].key)
	require.Equal(t, "-2", ch[0].delta.String())
	require.Equal(t, stockKey{"v2", "loc"}, ch[1].key)
	require.Equal(t, "-4", ch[1].delta.String(), "lines of one variant are merged")
	require.Len(t, l.moves, 5, "every movement is still recorded")
}

func TestTrimID(t *testing.T) {
	t.Parallel()
	for field, want := range map[string]string{
		"lines[0].variant_id": "variant", "to_location_id": "location", "customer_id": "customer",
		"session_id": "session", "lines.variant_id": "variant",
	} {
		require.Equal(t, want, trimID(field), field)
	}
}

// TestNow: documents are stamped in UTC, to the microsecond.
func TestNow(t *testing.T) {
	t.Parallel()
	n := now()
	require.Equal(t, time.UTC, n.Location(), "documents are stamped in UTC")
	require.Equal(t, n.Time, n.Truncate(time.Microsecond), "to the microsecond PostgreSQL keeps, so a create shows what a GET reads")
}
