package cpg

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
)

func TestConsignmentAmountsOwed(t *testing.T) {
	t.Parallel()
	e := testEnv(t, "MX", true)
	lines := []consignmentLineRow{
		{ID: "a", Quantity: d("10"), UnitPrice: d("25.00"), UnitCost: d("12.00"), TaxCode: "iva16"},
		{ID: "b", Quantity: d("4"), UnitPrice: d("99.90"), UnitCost: d("60.00"), TaxCode: "iva16", SoldQuantity: d("1")},
	}
	sent, err := e.consignmentValue(lines, func(l consignmentLineRow) decimal.Decimal { return l.Quantity })
	require.NoError(t, err)
	require.Equal(t, "649.60", sent.Total.StringFixed(2), "250.00 + 399.60 at price")
	require.Equal(t, "360.00", costOf(lines, func(l consignmentLineRow) decimal.Decimal { return l.Quantity }, money.MXN).StringFixed(2))

	sold := map[string]decimal.Decimal{"a": d("3"), "b": d("2")}
	report, err := e.consignmentValue(lines, func(l consignmentLineRow) decimal.Decimal { return sold[l.ID] })
	require.NoError(t, err)
	// 75.00 = 64.66 + 10.34 ; 199.80 = 172.24 + 27.56
	require.Equal(t, "274.80", report.Total.StringFixed(2))
	require.Equal(t, "236.90", report.Net.StringFixed(2))
	require.Equal(t, "37.90", report.Tax.StringFixed(2))

	row := consignmentRow{SoldTotal: money.AmountOf(d("274.80")), SettledTotal: money.AmountOf(d("100.00"))}
	lines[0].SoldQuantity, lines[1].SoldQuantity = d("3"), d("3")
	lines[0].ReturnedQuantity = d("2")
	st := stateOf(row, lines)
	require.Equal(t, "174.80", st.Owed.StringFixed(2))
	require.Equal(t, "6", st.Outstanding.String(), "10 − 3 − 2 and 4 − 3")
	require.False(t, st.done())

	row.SettledTotal = money.AmountOf(d("274.80"))
	lines[0].ReturnedQuantity, lines[1].ReturnedQuantity = d("7"), d("1")
	require.True(t, stateOf(row, lines).done(), "nothing out and nothing owed")
}

func TestMatchConsignmentLines(t *testing.T) {
	t.Parallel()
	lines := []consignmentLineRow{
		{ID: "a", VariantID: "11111111-1111-1111-1111-111111111111", Quantity: d("5"), SoldQuantity: d("2")},
		{ID: "b", VariantID: "22222222-2222-2222-2222-222222222222", Quantity: d("1"), ReturnedQuantity: d("1")},
	}
	all, err := matchConsignmentLines(nil, lines)
	require.NoError(t, err)
	require.Equal(t, map[string]decimal.Decimal{"a": d("3")}, all, "no lines means everything outstanding")

	_, err = matchConsignmentLines([]consignmentQtyInput{{VariantID: lines[0].VariantID, Quantity: "4"}}, lines)
	require.ErrorContains(t, err, "exceeds_outstanding")
	_, err = matchConsignmentLines([]consignmentQtyInput{{VariantID: "33333333-3333-3333-3333-333333333333", Quantity: "1"}}, lines)
	require.ErrorContains(t, err, "not on this consignment")
}

func TestCheckConsignmentInput(t *testing.T) {
	t.Parallel()
	const cust, v1, v2 = "6f1c1b2e-0000-4000-8000-0000000000c1", "6f1c1b2e-0000-4000-8000-000000000001", "6f1c1b2e-0000-4000-8000-000000000002"
	var row consignmentRow
	lines, err := checkConsignmentInput(consignmentInput{CustomerID: cust, Note: "ruta norte",
		Lines: []consignmentLineInput{{VariantID: v1, Quantity: "10"}, {VariantID: v2, Quantity: "2", UnitPrice: ptr("30.00")}}}, &row)
	require.NoError(t, err)
	require.Equal(t, cust, row.CustomerID)
	require.Empty(t, row.SourceLocationID)
	require.Equal(t, "ruta norte", *row.Note)
	require.Len(t, lines, 2)
	require.Equal(t, consignmentLineIn{variantID: v1, quantity: d("10")}, lines[0])
	require.Equal(t, "30", lines[1].price.String())

	ok := func() consignmentInput {
		return consignmentInput{CustomerID: cust, Lines: []consignmentLineInput{{VariantID: v1, Quantity: "1"}}}
	}
	for _, tt := range []struct {
		name  string
		edit  func(*consignmentInput)
		field string
	}{
		{"no customer", func(in *consignmentInput) { in.CustomerID = "" }, "customer_id"},
		{"bad source", func(in *consignmentInput) { in.SourceLocationID = "x" }, "source_location_id"},
		{"no lines", func(in *consignmentInput) { in.Lines = nil }, "lines"},
		{"a variant twice", func(in *consignmentInput) { in.Lines = append(in.Lines, in.Lines[0]) }, "lines[1].variant_id"},
		{"bad quantity", func(in *consignmentInput) { in.Lines[0].Quantity = "-1" }, "lines[0].quantity"},
		{"bad price", func(in *consignmentInput) { in.Lines[0].UnitPrice = ptr("x") }, "lines[0].unit_price"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := ok()
			tt.edit(&in)
			_, err := checkConsignmentInput(in, &consignmentRow{})
			requireError(t, err, http.StatusUnprocessableEntity, "invalid_field", tt.field)
		})
	}
}

func TestPlaceAndPriceConsignment(t *testing.T) {
	t.Parallel()
	consignee := "loc-c"
	row := consignmentRow{ID: "k", CustomerID: "cust"}
	requireError(t, placeConsignment(&row, customerRow{ID: "cust"}, locationRow{}, "main"), http.StatusUnprocessableEntity, "not_a_consignee", "")
	require.NoError(t, placeConsignment(&row, customerRow{ID: "cust", LocationID: &consignee}, locationRow{}, "main"))
	require.Equal(t, "main", row.SourceLocationID, "the principal location by default")
	require.Equal(t, consignee, row.LocationID)
	other := consignmentRow{SourceLocationID: "loc-x"}
	requireError(t, placeConsignment(&other, customerRow{LocationID: &consignee}, locationRow{ID: "loc-x", Kind: LocationConsignee}, "main"),
		http.StatusUnprocessableEntity, "invalid_field", "source_location_id")

	e := testEnv(t, "MX", true)
	variants := map[string]variantInfo{
		"v1": {variantRow: variantRow{ID: "v1", SKU: "A", Price: d("25.00"), Cost: d("10.00")}, TaxCode: "iva16"},
		"v2": {variantRow: variantRow{ID: "v2", SKU: "B", Price: d("50.00"), Cost: d("20.333")}, TaxCode: "iva16"},
	}
	price := d("45.00")
	lines, err := e.priceConsignment(&row, []consignmentLineIn{{variantID: "v1", quantity: d("4")}, {variantID: "v2", quantity: d("1"), price: &price}}, variants)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	require.Equal(t, []int{1, 2}, []int{lines[0].LineNo, lines[1].LineNo})
	require.Equal(t, "25", lines[0].UnitPrice.String())
	require.Equal(t, "45", lines[1].UnitPrice.String(), "the line's own price")
	require.Equal(t, "20.333", lines[1].UnitCost.String())
	require.Equal(t, "k", lines[0].ConsignmentID)
	// 4 × 25.00 + 45.00, taxes included; cost 40.00 + 20.333 → 60.33.
	require.Equal(t, "145.00", row.ValueAtPrice.StringFixed(2))
	require.Equal(t, "60.33", row.ValueAtCost.StringFixed(2))
}

func TestSellLines(t *testing.T) {
	t.Parallel()
	e := testEnv(t, "MX", true)
	lines := []consignmentLineRow{
		{ID: "a", VariantID: "v1", Quantity: d("10"), UnitPrice: d("25.00"), TaxCode: "iva16", SoldQuantity: d("2")},
		{ID: "b", VariantID: "v2", Quantity: d("5"), UnitPrice: d("11.60"), TaxCode: "iva16"},
		{ID: "c", VariantID: "v3", Quantity: d("1"), UnitPrice: d("9.00"), TaxCode: "iva16"},
	}
	sold := map[string]decimal.Decimal{"a": d("3"), "c": d("1")}
	value, err := e.consignmentValue(lines, func(l consignmentLineRow) decimal.Decimal { return sold[l.ID] })
	require.NoError(t, err)
	got := sellLines(lines, sold, value)
	require.Equal(t, []map[string]string{
		{"variant_id": "v1", "quantity": "3", "unit_price": "25.00", "net": "64.66", "tax": "10.34", "total": "75.00"},
		{"variant_id": "v3", "quantity": "1", "unit_price": "9.00", "net": "7.76", "tax": "1.24", "total": "9.00"},
	}, got)
	require.Equal(t, []string{"5", "0", "1"}, []string{lines[0].SoldQuantity.String(), lines[1].SoldQuantity.String(), lines[2].SoldQuantity.String()})
}
