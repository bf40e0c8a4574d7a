package cpg

import (
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

	row := consignmentRow{SoldTotal: Money{d("274.80")}, SettledTotal: Money{d("100.00")}}
	lines[0].SoldQuantity, lines[1].SoldQuantity = d("3"), d("3")
	lines[0].ReturnedQuantity = d("2")
	st := stateOf(row, lines)
	require.Equal(t, "174.80", st.Owed.StringFixed(2))
	require.Equal(t, "6", st.Outstanding.String(), "10 − 3 − 2 and 4 − 3")
	require.False(t, st.done())

	row.SettledTotal = Money{d("274.80")}
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
