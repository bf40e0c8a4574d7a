package cpg

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

func TestAgingReport(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 10, 1, 15, 4, 5, 123456000, time.FixedZone("CST", -6*3600))
	row := func(id string, line int, bucket, out, cost, price string) agingRow {
		return agingRow{ConsignmentID: id, CustomerName: "Tienda", SentAt: sdk.Timestamp{Time: sent}, DaysOut: 65, Bucket: bucket,
			LineNo: line, SKU: "SKU-" + id, Outstanding: d(out), UnitCost: d(cost), UnitPrice: d(price)}
	}
	const c1, c2 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	rows := []agingRow{
		row(c1, 1, "61-90", "3", "12.345", "19.995"),
		row(c1, 2, "61-90", "0.5", "10.01", "20.01"),
		row(c2, 1, "0-30", "1", "1", "2"),
	}
	buckets := []agingBucketRow{
		{Bucket: "0-30", ValueAtCost: d("1.00"), ValueAtPrice: d("2.00")},
		{Bucket: "61-90", ValueAtCost: d("42.04"), ValueAtPrice: d("70.00")},
	}

	page := agingReport("America/Mexico_City", rows, buckets, 2, money.MXN)
	require.Len(t, page.Data, 2, "the line beyond the limit only says there is a next page")
	// 3 × 12.345 = 37.035 and 3 × 19.995 = 59.985 round half away from
	// zero; 0.5 × 10.01 = 5.005 → 5.01.
	require.Equal(t, agingItem{ConsignmentID: c1, CustomerName: "Tienda", SentAt: sdk.Timestamp{Time: sent}, DaysOut: 65,
		Bucket: "61-90", LineNo: 1, SKU: "SKU-" + c1, Outstanding: "3", ValueAtCost: "37.04", ValueAtPrice: "59.99"}, page.Data[0])
	require.Equal(t, "0.5", page.Data[1].Outstanding)
	require.Equal(t, "5.01", page.Data[1].ValueAtCost)
	require.Equal(t, "10.01", page.Data[1].ValueAtPrice)
	require.Equal(t, []agingBucket{{"0-30", "1.00", "2.00"}, {"61-90", "42.04", "70.00"}}, page.Buckets)
	require.Equal(t, "43.04", page.ValueAtCost, "the totals are the buckets', over every page")
	require.Equal(t, "72.00", page.ValueAtPrice)

	require.NotNil(t, page.NextCursor)
	after, err := decodeAgingCursor(*page.NextCursor)
	require.NoError(t, err)
	require.True(t, sent.Equal(*after.SentAt), "the next page starts after the last line shown")
	require.Equal(t, c1, *after.ConsignmentID)
	require.Equal(t, 2, after.LineNo)

	last := agingReport("UTC", rows[2:], buckets[:1], 2, money.ARS)
	require.Nil(t, last.NextCursor, "a page not over its limit is the last")
	require.Len(t, last.Data, 1)

	empty := agingReport("UTC", nil, nil, 100, money.MXN)
	body, err := json.Marshal(empty)
	require.NoError(t, err)
	require.JSONEq(t, `{"timezone":"UTC","data":[],"next_cursor":null,"buckets":[],"value_at_cost":"0.00","value_at_price":"0.00"}`, string(body))
}

func TestDecodeAgingCursor(t *testing.T) {
	t.Parallel()
	first, err := decodeAgingCursor("")
	require.NoError(t, err)
	require.Nil(t, first.SentAt, "no cursor is the first page")
	now := time.Now()
	for name, cur := range map[string]string{
		"not base64":         "%%%",
		"not a cursor":       sdk.EncodeCursor([]int{1}),
		"no time":            sdk.EncodeCursor(map[string]any{"c": "11111111-1111-1111-1111-111111111111"}),
		"no consignment":     sdk.EncodeCursor(map[string]any{"t": now}),
		"consignment not id": sdk.EncodeCursor(map[string]any{"t": now, "c": "x"}),
		"unknown field":      sdk.EncodeCursor(map[string]any{"t": now, "c": "11111111-1111-1111-1111-111111111111", "z": 1}),
	} {
		_, err := decodeAgingCursor(cur)
		var e *sdk.Error
		require.ErrorAs(t, err, &e, name)
		require.Equal(t, http.StatusBadRequest, e.Status(), name)
		require.Equal(t, "invalid_cursor", e.Code, name)
	}
}
