package cpg_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// testReturns checks through the API that partial returns refund the fair
// share of each line and sum to it, that a return without refunds goes back
// to the sale's tenders, and that a preview answers the same and writes
// nothing.
func testReturns(t *testing.T, p *platform) {
	a, b := p.newCompany(t, "MX"), p.newCompany(t, "MX")
	shirt := a.product("RET-SHIRT", "18.00", "9.00")
	a.stock(shirt, "10")
	session := a.session("100.00")

	sale := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{
		"session_id": session, "lines": []any{line(shirt, "2")},
		"payments": []any{map[string]any{"method": "card", "amount": "36.00", "reference": "auth-9"}},
	})
	saleID := sale["id"].(string)
	pays := sale["payments"].([]any)
	require.Len(t, pays, 1)
	require.NotEmpty(t, pays[0].(map[string]any)["id"], "a sale answers its payment ids")
	require.Equal(t, sale["payments"], a.ok(http.StatusOK, "viewer", "GET", "/sales/"+saleID, nil)["payments"])

	counts := func() []int {
		return []int{a.count("cpg.returns", ""), a.count("cpg.return_lines", ""), a.count("cpg.payments", ""),
			a.count("cpg.stock_movements", ""), a.count("cpg.sale_lines", "returned_quantity > 0"), a.events("cpg.sale.returned")}
	}
	before := counts()
	one := map[string]any{"lines": []any{line(shirt, "1")}}
	preview := a.ok(http.StatusOK, "cashier", "POST", "/sales/"+saleID+"/returns/preview", one)
	// 36.00 → net 31.03, tax 4.97; one unit is 18.00 → net round(18.00 × 31.03 ÷ 36.00) = 15.52.
	require.Equal(t, "18.00", preview["total"])
	require.Equal(t, "15.52", preview["net"])
	require.Equal(t, "2.48", preview["tax"])
	pl := preview["lines"].([]any)[0].(map[string]any)
	require.Equal(t, []any{"1", "15.52", "2.48", "18.00"}, []any{pl["quantity"], pl["net"], pl["tax"], pl["total"]})
	require.Equal(t, []any{map[string]any{"code": "iva16", "rate": "16", "base": "15.52", "amount": "2.48", "cfdi_tasa_o_cuota": "0.160000"}}, preview["taxes"])
	require.Equal(t, []any{map[string]any{"method": "card", "amount": "18.00", "reference": "auth-9"}}, preview["refunds"])
	require.Equal(t, true, preview["refunds_suggested"])
	require.Equal(t, false, preview["session_required"])
	require.Equal(t, before, counts(), "a preview writes nothing")

	other := a.product("RET-OTHER", "5.00", "1.00")
	bad := []struct {
		name, code string
		status     int
		body       any
	}{
		{"a variant not on the sale", "invalid_field", 422, map[string]any{"lines": []any{line(other, "1")}}},
		{"an unknown sale line", "invalid_field", 422, map[string]any{"lines": []any{map[string]any{"sale_line_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "quantity": "1"}}}},
		{"more than is left", "return_exceeds_sale", 422, map[string]any{"lines": []any{line(shirt, "3")}}},
		{"a negative quantity", "invalid_field", 422, map[string]any{"lines": []any{line(shirt, "-1")}}},
		{"refunds that do not add up", "refund_mismatch", 422, map[string]any{"lines": []any{line(shirt, "1")}, "refunds": []any{map[string]any{"method": "card", "amount": "1.00"}}}},
		{"an unknown field", "unknown_field", 400, map[string]any{"lines": []any{line(shirt, "1")}, "refund": []any{}}},
	}
	for _, tc := range bad {
		a.fail(tc.status, tc.code, "cashier", "POST", "/sales/"+saleID+"/returns/preview", tc.body)
		a.fail(tc.status, tc.code, "cashier", "POST", "/sales/"+saleID+"/returns", tc.body)
	}
	a.fail(404, "not_found", "cashier", "POST", "/sales/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/returns/preview", one)
	b.fail(404, "not_found", "owner", "POST", "/sales/"+saleID+"/returns/preview", one)
	a.fail(403, "insufficient_role", "viewer", "POST", "/sales/"+saleID+"/returns/preview", one)
	require.Equal(t, before, counts(), "refused returns and previews write nothing")

	first := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+saleID+"/returns", one)
	require.Equal(t, []any{"15.52", "2.48", "18.00"}, []any{first["net"], first["tax"], first["total"]}, "the return refunds what its preview said")
	refunds := first["refunds"].([]any)
	require.Len(t, refunds, 1)
	require.Equal(t, "card", refunds[0].(map[string]any)["method"], "a card sale is refunded to the card, no cash session needed")
	require.Equal(t, "auth-9", refunds[0].(map[string]any)["reference"])
	require.NotEmpty(t, refunds[0].(map[string]any)["id"])
	second := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+saleID+"/returns", one)
	require.Equal(t, []any{"15.51", "2.49", "18.00"}, []any{second["net"], second["tax"], second["total"]}, "the last unit takes what is left of the line")
	require.Equal(t, "returned", second["sale_status"])
	got := a.ok(http.StatusOK, "viewer", "GET", "/sales/"+saleID, nil)
	require.Equal(t, "36.00", got["refunded"], "the refunds sum to the line")
	var net, tax string
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT sum(net)::text, sum(tax)::text FROM cpg.returns WHERE company_id = $1 AND sale_id = $2",
		a.ID, saleID).Scan(&net, &tax))
	require.Equal(t, []string{"31.03", "4.97"}, []string{net, tax}, "nets and taxes sum to the line's")

	// 3 × 10.00 paid 20.00 by card and 20.00 cash (10.00 change).
	cap := a.product("RET-CAP", "10.00", "4.00")
	a.stock(cap, "3")
	mixed := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{
		"session_id": session, "lines": []any{line(cap, "3")},
		"payments": []any{map[string]any{"method": "cash", "amount": "20.00"}, map[string]any{"method": "card", "amount": "20.00", "reference": "auth-10"}},
	})
	mixedID := mixed["id"].(string)
	r1 := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+mixedID+"/returns", map[string]any{"lines": []any{line(cap, "1")}})
	require.Equal(t, "10.00", r1["total"])
	require.Equal(t, "card", r1["refunds"].([]any)[0].(map[string]any)["method"], "card first")
	rest := a.ok(http.StatusOK, "cashier", "POST", "/sales/"+mixedID+"/returns/preview", map[string]any{})
	require.Equal(t, "20.00", rest["total"])
	require.Equal(t, []any{
		map[string]any{"method": "card", "amount": "10.00", "reference": "auth-10"},
		map[string]any{"method": "cash", "amount": "10.00", "reference": nil},
	}, rest["refunds"], "the card takes back its last 10.00, cash the rest")
	require.Equal(t, true, rest["session_required"])
	a.fail(422, "session_required", "cashier", "POST", "/sales/"+mixedID+"/returns", map[string]any{})
	r2 := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+mixedID+"/returns", map[string]any{"session_id": session})
	require.Equal(t, "20.00", r2["total"])
	require.Len(t, r2["refunds"], 2)
	live := a.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+session, nil)
	var cash string
	for _, m := range live["counts"].([]any) {
		if m.(map[string]any)["method"] == "cash" {
			cash = m.(map[string]any)["expected"].(string)
		}
	}
	require.Equal(t, "100.00", cash, "float 100.00 + 10.00 cash kept − 10.00 refunded")

	// A gift (price 0.00) comes back refunding nothing, so no drawer is needed.
	gift := a.product("RET-GIFT", "0.00", "1.00")
	a.stock(gift, "1")
	free := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{"session_id": session,
		"lines": []any{line(gift, "1"), line(cap, "0.5")}, "payments": []any{map[string]any{"method": "cash", "amount": "5.00"}}})
	back := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+free["id"].(string)+"/returns", map[string]any{"lines": []any{line(gift, "1")}})
	require.Equal(t, "0.00", back["total"])
	require.Empty(t, back["refunds"])
	a.integrity()
}
