package cpg

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMovingAverage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                             string
		onHand, cost, quantity, unitCost string
		want                             string
	}{
		{"two receipts at different costs", "10", "12.00", "5", "15.00", "13"},   // (120 + 75) / 15
		{"uneven", "3", "10", "7", "11", "10.7"},                                 // (30 + 77) / 10
		{"four decimals", "3", "10", "1", "11.11", "10.2775"},                    // 41.11 / 4
		{"rounded to six decimals", "1", "1", "2", "2", "1.666667"},              // 5 / 3
		{"no stock takes the receipt's cost", "0", "12.00", "5", "15.00", "15"},  // nothing to average
		{"negative stock takes the receipt's cost", "-2", "12", "5", "15", "15"}, // oversold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := movingAverage(d(tt.onHand), d(tt.cost), d(tt.quantity), d(tt.unitCost))
			require.True(t, d(tt.want).Equal(got), "got %s", got)
		})
	}
}

func TestCheckReceipt(t *testing.T) {
	t.Parallel()
	const v1, v2, loc = "6f1c1b2e-0000-4000-8000-000000000001", "6f1c1b2e-0000-4000-8000-000000000002", "6f1c1b2e-0000-4000-8000-0000000000aa"
	to, wants, err := checkReceipt(receiptInput{LocationID: loc, Lines: []receiptLineInput{
		{VariantID: v1, Quantity: "5"}, {VariantID: v2, Quantity: "1.5", UnitCost: ptr("9.90")},
	}})
	require.NoError(t, err)
	require.Equal(t, loc, to)
	require.Len(t, wants, 2)
	require.Equal(t, v1, wants[0].variantID)
	require.Equal(t, "5", wants[0].quantity.String())
	require.Nil(t, wants[0].cost)
	require.Equal(t, "9.9", wants[1].cost.String())

	to, wants, err = checkReceipt(receiptInput{})
	require.NoError(t, err)
	require.Empty(t, to)
	require.Empty(t, wants, "no lines: everything pending arrives")

	for _, tt := range []struct {
		name  string
		in    receiptInput
		field string
	}{
		{"bad location", receiptInput{LocationID: "x"}, "location_id"},
		{"bad variant", receiptInput{Lines: []receiptLineInput{{VariantID: "x", Quantity: "1"}}}, "lines[0].variant_id"},
		{"a variant twice", receiptInput{Lines: []receiptLineInput{{VariantID: v1, Quantity: "1"}, {VariantID: v1, Quantity: "2"}}}, "lines[1].variant_id"},
		{"zero quantity", receiptInput{Lines: []receiptLineInput{{VariantID: v1, Quantity: "0"}}}, "lines[0].quantity"},
		{"negative cost", receiptInput{Lines: []receiptLineInput{{VariantID: v1, Quantity: "1", UnitCost: ptr("-1")}}}, "lines[0].unit_cost"},
		{"the location is checked first", receiptInput{LocationID: "x", Lines: []receiptLineInput{{VariantID: "x"}}}, "location_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := checkReceipt(tt.in)
			requireError(t, err, http.StatusUnprocessableEntity, "invalid_field", tt.field)
		})
	}
}

func TestReceiptLocation(t *testing.T) {
	t.Parallel()
	po := poRow{ID: "po", LocationID: "main", Status: POOrdered}
	to, err := receiptLocation(po, "", locationRow{})
	require.NoError(t, err)
	require.Equal(t, "main", to, "the order's location by default")
	to, err = receiptLocation(poRow{ID: "po", LocationID: "main", Status: POPartiallyReceived}, "wh", locationRow{ID: "wh", Kind: LocationWarehouse})
	require.NoError(t, err)
	require.Equal(t, "wh", to)
	_, err = receiptLocation(po, "c", locationRow{ID: "c", Kind: LocationConsignee})
	requireError(t, err, http.StatusUnprocessableEntity, "invalid_field", "location_id")
	for _, st := range []string{PODraft, POReceived, POCancelled} {
		_, err = receiptLocation(poRow{ID: "po", Status: st}, "", locationRow{})
		requireError(t, err, http.StatusConflict, "invalid_transition", "")
	}
}

func TestPlanArrivals(t *testing.T) {
	t.Parallel()
	lines := []poLineRow{
		{ID: "l2", LineNo: 2, VariantID: "v2", Quantity: d("10"), UnitCost: d("4.00"), ReceivedQuantity: d("10")},
		{ID: "l1", LineNo: 1, VariantID: "v1", Quantity: d("10"), UnitCost: d("5.00"), ReceivedQuantity: d("4")},
		{ID: "l3", LineNo: 3, VariantID: "v3", Quantity: d("2"), UnitCost: d("7.50")},
	}
	type want struct{ line, quantity, cost string }
	cost := d("6.00")
	tests := []struct {
		name   string
		wants  []receiptWant
		want   []want
		status int
		code   string
	}{
		{name: "everything pending, in line order", want: []want{{"l1", "6", "5"}, {"l3", "2", "7.5"}}},
		{name: "named lines at their own cost", wants: []receiptWant{{variantID: "v3", quantity: d("1")}, {variantID: "v1", quantity: d("6"), cost: &cost}},
			want: []want{{"l1", "6", "6"}, {"l3", "1", "7.5"}}},
		{name: "more than pending", wants: []receiptWant{{variantID: "v1", quantity: d("7")}}, status: 422, code: "exceeds_order"},
		{name: "a received line", wants: []receiptWant{{variantID: "v2", quantity: d("1")}}, status: 422, code: "exceeds_order"},
		{name: "not on the order", wants: []receiptWant{{variantID: "v9", quantity: d("1")}}, status: 422, code: "invalid_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := planArrivals("po", tt.wants, lines)
			if tt.code != "" {
				requireError(t, err, tt.status, tt.code, "")
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(tt.want))
			for i, w := range tt.want {
				require.Equal(t, w, want{got[i].line.ID, got[i].quantity.String(), got[i].cost.String()})
			}
		})
	}
	_, err := planArrivals("po", nil, lines[:1])
	requireError(t, err, http.StatusConflict, "nothing_pending", "")
}

func TestReceive(t *testing.T) {
	t.Parallel()
	lines := []poLineRow{
		{ID: "l1", LineNo: 1, VariantID: "v1", Quantity: d("10"), UnitCost: d("5.00"), ReceivedQuantity: d("4")},
		{ID: "l2", LineNo: 2, VariantID: "v2", Quantity: d("3"), UnitCost: d("8.00")},
	}
	variants := map[string]variantInfo{
		"v1": {variantRow: variantRow{ID: "v1", Cost: d("4.00")}},
		"v2": {variantRow: variantRow{ID: "v2", Cost: d("8.00")}},
	}
	// v1: 10 on hand at 4.00 plus 6 at 5.00 → 70.00 ÷ 16 = 4.375. v2: none
	// on hand, so the receipt's cost.
	totals := []stockRow{{VariantID: "v1", OnHand: d("10")}}

	partial := receive([]arrival{{line: lines[0], quantity: d("6"), cost: d("5.00")}}, variants, totals, lines)
	require.Equal(t, []string{"4.375"}, []string{partial.costs[0].String()})
	require.Equal(t, "10", partial.received[0].String())
	require.False(t, partial.complete, "l2 is still pending")
	require.Equal(t, eventReceive, partial.event())
	require.Equal(t, "10", partial.poLines[0].ReceivedQuantity.String())
	require.Equal(t, "4", lines[0].ReceivedQuantity.String(), "the order's lines as read are left alone")
	require.Equal(t, receiptLine{VariantID: "v1", Quantity: "6", UnitCost: "5.00", CostBefore: "4.00", CostAfter: "4.375"}, partial.lines[0])

	all := receive([]arrival{{line: lines[0], quantity: d("6"), cost: d("5.00")}, {line: lines[1], quantity: d("3"), cost: d("9.00")}}, variants, totals, lines)
	require.True(t, all.complete)
	require.Equal(t, eventReceiveAll, all.event())
	require.Equal(t, "9", all.costs[1].String(), "nothing on hand: the receipt's cost")
	require.Equal(t, "3", all.received[1].String())
}
