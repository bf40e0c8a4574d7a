package cpg_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testCreateMatchesGet checks that every create (and every action on a
// consignment, purchase order or cash session) answers the representation a
// GET of the same resource answers, or the row its list shows when it has
// no GET, with its times in UTC RFC 3339.
func testCreateMatchesGet(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	same := func(created map[string]any, path string, drop ...string) {
		t.Helper()
		for _, k := range drop {
			delete(created, k)
		}
		require.Equal(t, created, a.ok(http.StatusOK, "manager", "GET", path, nil), "POST answer vs GET %s", path)
		requireTimes(t, path, created)
	}
	inList := func(created map[string]any, path string) {
		t.Helper()
		for _, row := range items(t, a.ok(http.StatusOK, "viewer", "GET", path+"?limit=500", nil)) {
			if row["id"] == created["id"] {
				require.Equal(t, created, row, "POST answer vs its row in GET %s", path)
				return
			}
		}
		t.Fatalf("%v is not in GET %s", created["id"], path)
	}

	prod := a.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{"name": "Forma", "tax_rate": "16",
		"variants": []any{map[string]any{"sku": "SHAPE-1", "price": "10.00", "cost": "4.00", "reorder_point": "2"}}})
	same(prod, "/products/"+prod["id"].(string))
	variant := a.ok(http.StatusCreated, "manager", "POST", "/products/"+prod["id"].(string)+"/variants", map[string]any{"sku": "SHAPE-2", "price": "12.50"})
	same(variant, "/variants/"+variant["id"].(string))
	patched := a.ok(http.StatusOK, "manager", "PATCH", "/variants/"+variant["id"].(string), map[string]any{"price": "13.00"})
	same(patched, "/variants/"+variant["id"].(string))
	vid := variant["id"].(string)
	a.stock(vid, "20")

	inList(a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Bodega forma", "kind": "warehouse"}), "/locations")
	cust := a.ok(http.StatusCreated, "cashier", "POST", "/customers", map[string]any{"name": "Consignatario forma", "consignee": true})
	same(cust, "/customers/"+cust["id"].(string))
	reg := a.ok(http.StatusCreated, "manager", "POST", "/registers", map[string]any{"location_id": a.principal, "name": "Caja forma"})
	inList(reg, "/registers")
	session := a.ok(http.StatusCreated, "cashier", "POST", "/cash-sessions", map[string]any{"register_id": reg["id"], "opening_float": "100.00"})
	same(session, "/cash-sessions/"+session["id"].(string))
	sale := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{"session_id": session["id"], "lines": []any{line(vid, "2")},
		"payments": []any{map[string]any{"method": "card", "amount": "10.00", "reference": "auth-1"}, map[string]any{"method": "cash", "amount": "20.00"}}})
	same(sale, "/sales/"+sale["id"].(string))

	cons := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(vid, "5")}})
	cpath := "/consignments/" + cons["id"].(string)
	same(cons, cpath)
	same(a.ok(http.StatusOK, "manager", "POST", cpath+"/send", nil), cpath)
	same(a.ok(http.StatusCreated, "manager", "POST", cpath+"/sales", map[string]any{"lines": []any{line(vid, "2")}}), cpath, "report")
	same(a.ok(http.StatusCreated, "manager", "POST", cpath+"/settlements", map[string]any{"amount": "10.00", "method": "transfer", "reference": "SPEI 9"}), cpath, "settlement")
	same(a.ok(http.StatusCreated, "manager", "POST", cpath+"/returns", map[string]any{"lines": []any{line(vid, "1")}}), cpath, "return")

	sup := a.ok(http.StatusCreated, "manager", "POST", "/suppliers", map[string]any{"name": "Proveedor forma"})
	inList(sup, "/suppliers")
	po := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"],
		"lines": []any{map[string]any{"variant_id": vid, "quantity": "4", "unit_cost": "5.00"}}})
	require.NotNil(t, po["created_at"])
	ppath := "/purchase-orders/" + po["id"].(string)
	same(po, ppath)
	same(a.ok(http.StatusOK, "manager", "POST", ppath+"/order", nil), ppath)
	same(a.ok(http.StatusCreated, "manager", "POST", ppath+"/receipts", map[string]any{"lines": []any{map[string]any{"variant_id": vid, "quantity": "1"}}}), ppath, "receipt")

	closed := a.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+session["id"].(string)+"/close", map[string]any{
		"counted": []any{map[string]any{"method": "cash", "amount": "116.00"}, map[string]any{"method": "card", "amount": "10.00"}}})
	require.Equal(t, false, closed["over_limit"])
	same(closed, "/cash-sessions/"+session["id"].(string), "over_limit")
}

// rfc3339UTC is a time as every CPG answer writes it.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$`)

// plainDate is a date of the company's calendar.
var plainDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// requireTimes requires every field of v ending in _at to be a UTC RFC 3339
// time (or null), and from and to to be plain dates.
func requireTimes(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			s, isString := val.(string)
			switch {
			case strings.HasSuffix(k, "_at") && val != nil:
				require.True(t, isString && rfc3339UTC.MatchString(s), "%s: %s = %v is not a UTC RFC 3339 time", path, k, val)
			case k == "from" || k == "to":
				require.True(t, isString && plainDate.MatchString(s), "%s: %s = %v is not a plain date", path, k, val)
			default:
				requireTimes(t, path, val)
			}
		}
	case []any:
		for _, e := range x {
			requireTimes(t, path, e)
		}
	}
}

// testLists checks that every list answers the page envelope
// {"data":[...],"next_cursor":...}, refuses a bad limit and a bad cursor
// with the host's codes, and that walking it one row at a time by cursor
// gives exactly the rows of one big page. Every answer writes its times in
// UTC RFC 3339 and its calendar dates as plain dates.
func testLists(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	var variants []string
	for i, sku := range []string{"LIST-C", "LIST-A", "LIST-B"} {
		v := a.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{"name": "Lista " + sku, "tax_rate": "16",
			"attributes": map[string]any{"linea": "lista"},
			"variants":   []any{map[string]any{"sku": sku, "price": "10.00", "cost": "4.00", "reorder_point": []string{"30", "25", "40"}[i]}}})
		variants = append(variants, v["variants"].([]any)[0].(map[string]any)["id"].(string))
	}
	for _, v := range variants {
		a.stock(v, "20")
	}
	a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Bodega lista", "kind": "warehouse"})
	var sessions []string
	for range 3 {
		sessions = append(sessions, a.session("50.00"))
	}
	for i, v := range variants {
		a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{"session_id": sessions[i], "lines": []any{line(v, "1")},
			"payments": []any{map[string]any{"method": []string{"cash", "card", "transfer"}[i], "amount": "10.00"}}})
	}
	for i := range 3 {
		cust := a.ok(http.StatusCreated, "cashier", "POST", "/customers", map[string]any{"name": "Consignatario " + string(rune('A'+i)), "consignee": true})
		cons := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(variants[0], "1"), line(variants[1], "1")}})
		a.ok(http.StatusOK, "manager", "POST", "/consignments/"+cons["id"].(string)+"/send", nil)
		sup := a.ok(http.StatusCreated, "manager", "POST", "/suppliers", map[string]any{"name": "Proveedor " + string(rune('A'+i))})
		a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"],
			"lines": []any{map[string]any{"variant_id": variants[i], "quantity": "4", "unit_cost": "5.00"}}})
	}

	paged := []string{
		"/products", "/products?q=lista", "/products?sku=LIST-", "/products?attributes=" + url.QueryEscape(`{"linea":"lista"}`),
		"/locations", "/customers", "/registers", "/cash-sessions", "/sales", "/stock", "/stock/movements", "/consignments",
		"/suppliers", "/purchase-orders", "/reports/low-stock", "/reports/cash-sessions", "/reports/consignment-aging",
		"/reports/sales?group_by=product", "/reports/sales?group_by=payment_method", "/reports/margin", "/reports/stock-valuation",
	}
	for _, path := range paged {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		whole := a.ok(http.StatusOK, "manager", "GET", path+sep+"limit=500", nil)
		requireTimes(t, path, whole)
		all := items(t, whole)
		require.GreaterOrEqual(t, len(all), 3, "%s: the test needs rows on several pages", path)
		require.Nil(t, whole["next_cursor"], "%s: one page holds everything", path)
		var walked []map[string]any
		cursor := ""
		for range len(all) + 1 {
			q := path + sep + "limit=2"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			res := a.ok(http.StatusOK, "manager", "GET", q, nil)
			walked = append(walked, items(t, res)...)
			next, _ := res["next_cursor"].(string)
			if next == "" {
				require.Nil(t, res["next_cursor"], "%s: the last page's next_cursor is null", path)
				break
			}
			cursor = next
		}
		require.Equal(t, jsonOf(t, all), jsonOf(t, walked), "%s: pages of 2 walk the same rows as one page", path)
		first := a.ok(http.StatusOK, "manager", "GET", path+sep+"limit=2", nil)
		for k, v := range whole {
			if k != "data" && k != "next_cursor" {
				require.Equal(t, v, first[k], "%s: a report's %s covers every page", path, k)
			}
		}

		for _, bad := range []string{"0", "501", "-1", "x", "1.5"} {
			env := a.fail(http.StatusBadRequest, "invalid_limit", "manager", "GET", path+sep+"limit="+bad, nil)
			require.Equal(t, "limit", env["error"].(map[string]any)["details"].(map[string]any)["field"], path)
		}
		for _, bad := range []string{"nope", "eyJ4IjoxfQ", strings.Repeat("A", 9000)} {
			a.fail(http.StatusBadRequest, "invalid_cursor", "manager", "GET", path+sep+"cursor="+bad, nil)
		}
	}

	// The other groupings page the same way (a day, one location and one
	// cashier here); top products answers its top limit at once.
	for _, path := range []string{"/reports/sales", "/reports/sales?group_by=location", "/reports/sales?group_by=cashier", "/reports/top-products"} {
		res := a.ok(http.StatusOK, "manager", "GET", path, nil)
		require.NotEmpty(t, items(t, res), path)
		require.Nil(t, res["next_cursor"], path)
		requireTimes(t, path, res)
	}
	sale := items(t, a.ok(http.StatusOK, "viewer", "GET", "/sales?limit=1", nil))[0]
	for _, path := range []string{"/sales/" + sale["id"].(string), "/sales/" + sale["id"].(string) + "/receipt", "/cash-sessions/" + sessions[0]} {
		requireTimes(t, path, a.ok(http.StatusOK, "cashier", "GET", path, nil))
	}
}

// jsonOf renders rows for a readable comparison.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
