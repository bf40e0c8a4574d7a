package cpg_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/plugins/cpg"
)

// TestEndToEnd drives the real host and the real plugin binary on a fresh
// PostgreSQL database. Each subtest works in companies of its own, so they
// run in parallel on one host.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	t.Run("catalog", func(t *testing.T) { t.Parallel(); testCatalog(t, p) })
	t.Run("locations and stock", func(t *testing.T) { t.Parallel(); testStock(t, p) })
	t.Run("checkout, receipt, void and returns", func(t *testing.T) { t.Parallel(); testCheckout(t, p) })
	t.Run("returns refund fair shares to the sale's tenders", func(t *testing.T) { t.Parallel(); testReturns(t, p) })
	t.Run("a create answers what a GET answers", func(t *testing.T) { t.Parallel(); testCreateMatchesGet(t, p) })
	t.Run("lists page with one envelope", func(t *testing.T) { t.Parallel(); testLists(t, p) })
	t.Run("50 concurrent checkouts for the last 10 units", func(t *testing.T) { t.Parallel(); testOversell(t, p) })
	t.Run("a checkout failing half-way leaves nothing", func(t *testing.T) { t.Parallel(); testHalfWay(t, p) })
	t.Run("idempotency key", func(t *testing.T) { t.Parallel(); testIdempotency(t, p) })
	t.Run("cash session close math", func(t *testing.T) { t.Parallel(); testSessionClose(t, p) })
	t.Run("consignment lifecycle", func(t *testing.T) { t.Parallel(); testConsignment(t, p) })
	t.Run("purchases and moving-average cost", func(t *testing.T) { t.Parallel(); testPurchases(t, p) })
	t.Run("reports", func(t *testing.T) { t.Parallel(); testReports(t, p) })
	t.Run("configuration", func(t *testing.T) { t.Parallel(); testConfiguration(t, p) })
	t.Run("company B cannot see or touch company A", func(t *testing.T) { t.Parallel(); testIsolation(t, p) })
	t.Run("audit log of overrides, voids, refunds and close differences", func(t *testing.T) { t.Parallel(); testAudit(t, p) })
	t.Run("fiscal documents through the host", func(t *testing.T) { t.Parallel(); testFiscal(t, p) })
}

func testCatalog(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	prod := a.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{
		"name": "Camiseta Básica", "tax_rate": "16", "attributes": map[string]any{"material": "algodón", "temporada": "verano"},
		"variants": []any{
			map[string]any{"sku": "cam-m-roj", "barcode": "7501234567893", "size": "m", "color": "rojo", "price": "25.00", "cost": "12.00", "reorder_point": "5"},
			map[string]any{"sku": "CAM-L-AZU", "size": "L", "color": "Azul", "price": "27.50"},
		},
	})
	require.Equal(t, "16", prod["tax_rate"])
	require.Equal(t, "iva16", prod["tax_code"])
	vs := prod["variants"].([]any)
	require.Len(t, vs, 2)
	v1 := vs[0].(map[string]any)
	require.Equal(t, "CAM-M-ROJ", v1["sku"], "SKUs are upper-cased")
	require.Equal(t, "M", v1["size"], "sizes take the configured spelling")
	require.Equal(t, "Rojo", v1["color"])
	require.Equal(t, "25.00", v1["price"])
	require.Equal(t, "0.00", vs[1].(map[string]any)["cost"])
	pid, vid := prod["id"].(string), v1["id"].(string)

	bad := []struct {
		name, code string
		status     int
		role       string
		body       any
	}{
		{"no name", "invalid_field", 422, "manager", map[string]any{"tax_rate": "16", "variants": []any{map[string]any{"sku": "X1", "price": "1"}}}},
		{"no variants", "invalid_field", 422, "manager", map[string]any{"name": "x", "variants": []any{}}},
		{"bad check digit", "invalid_field", 422, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X2", "barcode": "7501234567890", "price": "1"}}}},
		{"argentine rate in Mexico", "unknown_tax_rate", 422, "manager", map[string]any{"name": "x", "tax_rate": "21", "variants": []any{map[string]any{"sku": "X3", "price": "1"}}}},
		{"price as a number", "invalid_field", 400, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X4", "price": 1}}}},
		{"negative price", "invalid_field", 422, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X5", "price": "-1"}}}},
		{"size outside the set", "invalid_field", 422, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X6", "size": "XXXXL", "price": "1"}}}},
		{"SKU taken", "sku_taken", 409, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "cam-m-roj", "price": "1"}}}},
		{"barcode taken", "barcode_taken", 409, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X7", "barcode": "7501234567893", "price": "1"}}}},
		{"SKU twice in one request", "sku_taken", 409, "manager", map[string]any{"name": "x", "variants": []any{map[string]any{"sku": "X8", "price": "1"}, map[string]any{"sku": "x8", "price": "2"}}}},
		{"unknown field", "unknown_field", 400, "manager", map[string]any{"name": "x", "colour": "red"}},
		{"attributes not an object", "invalid_field", 422, "manager", map[string]any{"name": "x", "attributes": []any{1}, "variants": []any{map[string]any{"sku": "X9", "price": "1"}}}},
		{"cashier may not create products", "insufficient_role", 403, "cashier", map[string]any{"name": "x"}},
	}
	for _, tc := range bad {
		a.fail(tc.status, tc.code, tc.role, "POST", "/products", tc.body)
	}
	require.Equal(t, 2, a.count("cpg.variants", ""), "refused products write nothing")

	got := a.ok(http.StatusOK, "viewer", "GET", "/products/"+pid, nil)
	require.Equal(t, "Camiseta Básica", got["name"])
	require.Len(t, got["variants"], 2)
	a.fail(404, "not_found", "viewer", "GET", "/products/not-a-uuid", nil)
	a.fail(404, "not_found", "viewer", "GET", "/products/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)

	other := a.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{"name": "Jugo de naranja", "tax_rate": "0",
		"attributes": map[string]any{"temporada": "invierno"}, "variants": []any{map[string]any{"sku": "JUGO-1L", "barcode": "96385074", "price": "32.00"}}})
	require.Equal(t, "iva0", other["tax_code"])

	list := func(q string) []map[string]any {
		return items(t, a.ok(http.StatusOK, "viewer", "GET", "/products?"+q, nil))
	}
	require.Len(t, list(""), 2)
	byName := list("q=cami")
	require.Len(t, byName, 1, "name prefix, any case")
	require.Equal(t, pid, byName[0]["id"])
	require.Equal(t, listed(got), listed(byName[0]), "a list renders variants like a get")
	bySKU := list("sku=cam-m")
	require.Len(t, bySKU, 1)
	require.Len(t, bySKU[0]["variants"], 1, "only the matching variants")
	byAttr := list("attributes=" + url.QueryEscape(`{"temporada":"invierno"}`))
	require.Len(t, byAttr, 1)
	require.Equal(t, other["id"], byAttr[0]["id"])
	page1 := a.ok(http.StatusOK, "viewer", "GET", "/products?limit=1", nil)
	require.Len(t, items(t, page1), 1)
	require.NotEmpty(t, page1["next_cursor"])
	page2 := a.ok(http.StatusOK, "viewer", "GET", "/products?limit=1&cursor="+page1["next_cursor"].(string), nil)
	require.NotEqual(t, items(t, page1)[0]["id"], items(t, page2)[0]["id"])
	a.fail(400, "invalid_limit", "viewer", "GET", "/products?limit=0", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/products?attributes=nope", nil)
	a.fail(400, "invalid_cursor", "viewer", "GET", "/products?cursor=bm9wZQ", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/products?sku=CAM&q=cam", nil)
	require.Nil(t, page2["next_cursor"], "two products, two pages")

	a.stock(vid, "12")
	scan := a.ok(http.StatusOK, "cashier", "GET", "/products/scan/cam-m-roj", nil)
	require.Equal(t, vid, scan["variant_id"])
	require.Equal(t, "25.00", scan["price"])
	require.Equal(t, "12", scan["on_hand"])
	require.Equal(t, a.principal, scan["location_id"])
	scan = a.ok(http.StatusOK, "cashier", "GET", "/products/scan/7501234567893", nil)
	require.Equal(t, vid, scan["variant_id"], "barcodes scan too")
	wh := a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Bodega", "kind": "warehouse"})["id"].(string)
	require.Equal(t, "0", a.ok(http.StatusOK, "cashier", "GET", "/products/scan/CAM-M-ROJ?location_id="+wh, nil)["on_hand"])
	a.fail(404, "not_found", "cashier", "GET", "/products/scan/NOPE", nil)
	a.fail(400, "invalid_query", "cashier", "GET", "/products/scan/CAM-M-ROJ?location_id=x", nil)
	// Scans are cached; a stock change or a price change shows at once.
	a.stock(vid, "3")
	require.Equal(t, "15", a.ok(http.StatusOK, "cashier", "GET", "/products/scan/CAM-M-ROJ", nil)["on_hand"])
	a.ok(http.StatusOK, "manager", "PATCH", "/variants/"+vid, map[string]any{"price": "27.50"})
	require.Equal(t, "27.50", a.ok(http.StatusOK, "cashier", "GET", "/products/scan/CAM-M-ROJ", nil)["price"])

	upd := a.ok(http.StatusOK, "manager", "PATCH", "/products/"+pid, map[string]any{"name": "Camiseta Premium", "version": 1})
	require.Equal(t, "Camiseta Premium", upd["name"])
	require.EqualValues(t, 2, upd["version"])
	a.fail(409, "version_conflict", "manager", "PATCH", "/products/"+pid, map[string]any{"name": "Otra", "version": 1})
	a.fail(422, "invalid_field", "manager", "PATCH", "/products/"+pid, map[string]any{})
	require.Len(t, list("q=camiseta%20p"), 1, "renaming updates the search")

	added := a.ok(http.StatusCreated, "manager", "POST", "/products/"+pid+"/variants", map[string]any{"sku": "CAM-S-NEG", "size": "S", "color": "Negro", "price": "25.00"})
	require.Equal(t, pid, added["product_id"])
	a.fail(409, "sku_taken", "manager", "POST", "/products/"+pid+"/variants", map[string]any{"sku": "CAM-S-NEG", "price": "25.00"})
	a.fail(404, "not_found", "manager", "POST", "/products/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/variants", map[string]any{"sku": "ZZ", "price": "1"})

	v := a.ok(http.StatusOK, "manager", "PATCH", "/variants/"+vid, map[string]any{"price": "26.50", "reorder_point": "3"})
	require.Equal(t, "26.50", v["price"])
	require.Equal(t, "3", v["reorder_point"])
	a.fail(422, "invalid_field", "manager", "PATCH", "/variants/"+vid, map[string]any{"price": "-1"})
	a.fail(400, "unknown_field", "manager", "PATCH", "/variants/"+vid, map[string]any{"cost": "1"})
	a.fail(409, "barcode_taken", "manager", "PATCH", "/variants/"+added["id"].(string), map[string]any{"barcode": "7501234567893"})
	a.ok(http.StatusOK, "manager", "PATCH", "/variants/"+added["id"].(string), map[string]any{"price": "25.1234"})
	full := a.ok(http.StatusOK, "viewer", "GET", "/products/"+pid, nil)
	require.Equal(t, listed(full), listed(list("q=camiseta")[0]))
	require.Contains(t, listed(full), map[string]any{"id": added["id"], "sku": "CAM-S-NEG", "barcode": nil, "size": "S", "color": "Negro", "price": "25.1234"})
}

// listed keeps the fields a product list shows of each variant.
func listed(product map[string]any) []map[string]any {
	var out []map[string]any
	for _, v := range product["variants"].([]any) {
		m := v.(map[string]any)
		out = append(out, map[string]any{"id": m["id"], "sku": m["sku"], "barcode": m["barcode"], "size": m["size"], "color": m["color"], "price": m["price"]})
	}
	return out
}

func testStock(t *testing.T, p *platform) {
	a := p.newCompany(t, "AR")
	locs := items(t, a.ok(http.StatusOK, "viewer", "GET", "/locations", nil))
	require.Len(t, locs, 1)
	require.Equal(t, "Principal", locs[0]["name"])
	require.Equal(t, a.principal, locs[0]["id"])
	wh := a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Depósito", "kind": "warehouse"})
	require.NotEmpty(t, wh["id"])
	a.fail(409, "location_name_taken", "manager", "POST", "/locations", map[string]any{"name": "depósito", "kind": "store"})
	a.fail(422, "invalid_field", "manager", "POST", "/locations", map[string]any{"name": "X", "kind": "garage"})
	a.fail(422, "invalid_field", "manager", "POST", "/locations", map[string]any{"name": "", "kind": "store"})
	a.fail(400, "invalid_limit", "viewer", "GET", "/locations?limit=501", nil)
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/locations", nil)), 2, "provisioning the default location is idempotent")

	v := a.product("YERBA-1K", "3500.00", "2000.00")
	adj := a.ok(http.StatusCreated, "manager", "POST", "/stock/adjustments", map[string]any{
		"location_id": a.principal, "reason": "compra inicial", "lines": []any{line(v, "10")},
	})
	mv := adj["movements"].([]any)[0].(map[string]any)
	require.Equal(t, "adjustment", mv["kind"])
	require.Equal(t, "2000.00", mv["unit_cost"])
	short := a.fail(409, "insufficient_stock", "manager", "POST", "/stock/adjustments", map[string]any{
		"location_id": a.principal, "reason": "rotura", "lines": []any{line(v, "-11")},
	})
	require.Equal(t, map[string]any{"variant_id": v, "sku": "YERBA-1K", "location_id": a.principal, "requested": "11", "available": "10"},
		short["error"].(map[string]any)["details"], "insufficient_stock names the variant, its SKU, what was asked and what there is")
	a.fail(422, "invalid_field", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": a.principal, "reason": "x", "lines": []any{line(v, "0")}})
	a.fail(422, "invalid_field", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": a.principal, "reason": "", "lines": []any{line(v, "1")}})
	a.fail(422, "unknown_location", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "reason": "x", "lines": []any{line(v, "1")}})
	a.fail(422, "unknown_variant", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": a.principal, "reason": "x", "lines": []any{line("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "1")}})
	a.fail(403, "insufficient_role", "cashier", "POST", "/stock/adjustments", map[string]any{})
	a.ok(http.StatusCreated, "manager", "POST", "/stock/adjustments", map[string]any{"location_id": a.principal, "reason": "rotura", "lines": []any{line(v, "-2.5")}})
	require.Equal(t, "7.5", a.onHand(v))

	tr := a.ok(http.StatusCreated, "manager", "POST", "/stock/transfers", map[string]any{
		"from_location_id": a.principal, "to_location_id": wh["id"], "lines": []any{line(v, "3")}, "note": "reposición",
	})
	require.Len(t, tr["movements"], 2)
	require.Equal(t, "4.5", a.onHand(v))
	require.Equal(t, "3", a.onHand(v, wh["id"].(string)))
	short = a.fail(409, "insufficient_stock", "manager", "POST", "/stock/transfers", map[string]any{"from_location_id": a.principal, "to_location_id": wh["id"], "lines": []any{line(v, "5")}})
	require.Equal(t, map[string]any{"variant_id": v, "sku": "YERBA-1K", "location_id": a.principal, "requested": "5", "available": "4.5"},
		short["error"].(map[string]any)["details"])
	a.fail(422, "invalid_field", "manager", "POST", "/stock/transfers", map[string]any{"from_location_id": a.principal, "to_location_id": a.principal, "lines": []any{line(v, "1")}})
	env := a.fail(422, "unknown_location", "manager", "POST", "/stock/transfers", map[string]any{"from_location_id": a.principal, "to_location_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "lines": []any{line(v, "1")}})
	require.Equal(t, "to_location_id", env["error"].(map[string]any)["details"].(map[string]any)["field"])

	all := items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock?variant_id="+v, nil))
	require.Len(t, all, 2)
	for _, row := range all {
		require.Equal(t, "YERBA-1K", row["sku"], "a stock row names its variant")
	}
	// A variant never stocked at a location answers zero, named too.
	empty := a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Bodega vacía", "kind": "warehouse"})["id"].(string)
	never := items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock?variant_id="+v+"&location_id="+empty, nil))
	require.Len(t, never, 1)
	require.Equal(t, "YERBA-1K", never[0]["sku"])
	require.Equal(t, "0", never[0]["on_hand"])
	a.fail(400, "invalid_query", "viewer", "GET", "/stock?variant_id=nope", nil)

	moves := items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock/movements?variant_id="+v, nil))
	require.Len(t, moves, 4)
	require.Contains(t, []any{"transfer_in", "transfer_out"}, moves[0]["kind"], "newest first")
	require.Equal(t, "adjustment", moves[3]["kind"])
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock/movements?kind=adjustment", nil)), 2)
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock/movements?ref_id="+tr["id"].(string), nil)), 2)
	future := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
	require.Empty(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock/movements?from="+future, nil)))
	a.fail(400, "invalid_query", "viewer", "GET", "/stock/movements?kind=theft", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/stock/movements?from=yesterday", nil)

	a.integrity()
	a.fail(403, "insufficient_role", "manager", "GET", "/stock/integrity", nil)

	cust := a.ok(http.StatusCreated, "cashier", "POST", "/customers", map[string]any{"name": "Almacén Don Pepe", "tax_id": "20-12345678-6"})
	require.Equal(t, "20123456786", cust["tax_id"])
	a.fail(422, "invalid_tax_id", "cashier", "POST", "/customers", map[string]any{"name": "X", "tax_id": "20-12345678-7"})
	a.fail(422, "invalid_field", "cashier", "POST", "/customers", map[string]any{"name": " "})
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/customers?q=Alm", nil)), 1)
	a.fail(400, "invalid_limit", "viewer", "GET", "/customers?limit=x", nil)
	require.Equal(t, "Almacén Don Pepe", a.ok(http.StatusOK, "viewer", "GET", "/customers/"+cust["id"].(string), nil)["name"])
	a.fail(404, "not_found", "viewer", "GET", "/customers/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)

	reg := a.ok(http.StatusCreated, "manager", "POST", "/registers", map[string]any{"location_id": a.principal, "name": "Caja 1"})
	a.fail(409, "register_name_taken", "manager", "POST", "/registers", map[string]any{"location_id": a.principal, "name": "Caja 1"})
	a.fail(422, "unknown_location", "manager", "POST", "/registers", map[string]any{"location_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "name": "Caja 2"})
	a.fail(422, "invalid_field", "manager", "POST", "/registers", map[string]any{"location_id": "nope", "name": "Caja 2"})
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/registers?location_id="+a.principal, nil)), 1)
	a.fail(400, "invalid_query", "viewer", "GET", "/registers?location_id=1", nil)
	s := a.ok(http.StatusCreated, "cashier", "POST", "/cash-sessions", map[string]any{"register_id": reg["id"], "opening_float": "1000"})
	require.Equal(t, "open", s["status"])
	require.Equal(t, "1000.00", s["opening_float"])
	a.fail(409, "session_already_open", "cashier", "POST", "/cash-sessions", map[string]any{"register_id": reg["id"], "opening_float": "0"})
	a.fail(422, "invalid_field", "cashier", "POST", "/cash-sessions", map[string]any{"register_id": reg["id"], "opening_float": "-5"})
	a.fail(422, "unknown_register", "cashier", "POST", "/cash-sessions", map[string]any{"register_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "opening_float": "0"})
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/cash-sessions?status=open", nil)), 1)
	a.fail(400, "invalid_query", "viewer", "GET", "/cash-sessions?status=ajar", nil)
	got := a.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+s["id"].(string), nil)
	require.Equal(t, "1000.00", got["counts"].([]any)[0].(map[string]any)["expected"])
	a.fail(404, "not_found", "cashier", "GET", "/cash-sessions/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)
}

func testCheckout(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	shirt := a.product("SHIRT", "25.00", "12.00")
	cap := a.product("CAP", "99.90", "40.00")
	a.stock(shirt, "10")
	a.stock(cap, "5")
	session := a.session("500.00")
	before := a.events("cpg.sale.created")

	sale := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{
		"session_id": session,
		"lines": []any{
			line(shirt, "2"),
			map[string]any{"variant_id": cap, "quantity": "1", "discount": map[string]any{"percent": "10"}},
		},
		"payments": []any{map[string]any{"method": "card", "amount": "100.00", "reference": "auth-123"}, map[string]any{"method": "cash", "amount": "50.00"}},
	})
	// 2 × 25.00 = 50.00 (43.10 + 6.90); 99.90 − 9.99 = 89.91 (77.51 + 12.40)
	require.Equal(t, "139.91", sale["total"])
	require.Equal(t, "120.61", sale["net"])
	require.Equal(t, "19.30", sale["tax"])
	require.Equal(t, "9.99", sale["discount"])
	require.Equal(t, "150.00", sale["paid"])
	require.Equal(t, "10.09", sale["change"])
	require.Equal(t, "completed", sale["status"])
	taxes := sale["taxes"].([]any)
	require.Len(t, taxes, 1)
	require.Equal(t, map[string]any{"code": "iva16", "rate": "16", "base": "120.61", "amount": "19.30", "cfdi_tasa_o_cuota": "0.160000"}, taxes[0])
	saleID := sale["id"].(string)
	require.Equal(t, "8", a.onHand(shirt))
	require.Equal(t, "4", a.onHand(cap))
	require.Equal(t, before+1, a.events("cpg.sale.created"))
	var payload map[string]any
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT payload FROM event_outbox WHERE company_id = $1 AND topic = 'cpg.sale.created' AND payload->>'sale_id' = $2", a.ID, saleID).Scan(&payload))
	require.Equal(t, "139.91", payload["total"])
	require.Equal(t, "MXN", payload["currency"])
	require.Equal(t, a.principal, payload["location_id"])
	_, err := time.Parse(time.RFC3339, payload["occurred_at"].(string))
	require.NoError(t, err)

	receipt := a.ok(http.StatusOK, "cashier", "GET", "/sales/"+saleID+"/receipt", nil)
	require.Equal(t, "Tenant", receipt["receipt"].(map[string]any)["company"].(map[string]any)["name"])
	require.Equal(t, "Principal", receipt["receipt"].(map[string]any)["location_name"])
	require.Len(t, receipt["lines"], 2)
	require.Len(t, receipt["payments"], 2)
	require.Equal(t, "10.09", receipt["payments"].([]any)[1].(map[string]any)["change"])
	require.Equal(t, "139.91", receipt["total"])
	a.fail(404, "not_found", "cashier", "GET", "/sales/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/receipt", nil)
	require.Equal(t, saleID, a.ok(http.StatusOK, "viewer", "GET", "/sales/"+saleID, nil)["id"])
	a.fail(404, "not_found", "viewer", "GET", "/sales/xyz", nil)
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/sales?session_id="+session, nil)), 1)
	a.fail(400, "invalid_query", "viewer", "GET", "/sales?from=monday", nil)

	bad := []struct {
		name, code string
		status     int
		body       any
	}{
		{"no session", "invalid_field", 422, map[string]any{"lines": []any{line(shirt, "1")}, "payments": []any{map[string]any{"method": "cash", "amount": "25"}}}},
		{"unknown session", "unknown_session", 422, saleBody("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "25", line(shirt, "1"))},
		{"unknown variant", "unknown_variant", 422, saleBody(session, "25", line("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "1"))},
		{"zero quantity", "invalid_field", 422, saleBody(session, "25", line(shirt, "0"))},
		{"not enough paid", "insufficient_payment", 422, saleBody(session, "20", line(shirt, "1"))},
		{"card cannot give change", "overpayment", 422, map[string]any{"session_id": session, "lines": []any{line(shirt, "1")}, "payments": []any{map[string]any{"method": "card", "amount": "30"}}}},
		{"unknown method", "invalid_field", 422, map[string]any{"session_id": session, "lines": []any{line(shirt, "1")}, "payments": []any{map[string]any{"method": "bitcoin", "amount": "30"}}}},
		{"no stock left", "insufficient_stock", 409, saleBody(session, "1000", line(shirt, "9"))},
		{"bad RFC", "invalid_tax_id", 422, map[string]any{"session_id": session, "lines": []any{line(shirt, "1")}, "payments": []any{map[string]any{"method": "cash", "amount": "25"}}, "customer": map[string]any{"tax_id": "NOPE"}}},
		{"cashier overriding a price", "price_override_forbidden", 403, saleBody(session, "25", map[string]any{"variant_id": shirt, "quantity": "1", "unit_price": "1.00"})},
		{"malformed JSON", "invalid_json", 400, `{"session_id":`},
	}
	for _, tc := range bad {
		a.fail(tc.status, tc.code, "cashier", "POST", "/sales", tc.body)
	}
	require.Equal(t, 1, a.count("cpg.sales", ""), "refused checkouts write nothing")
	require.Equal(t, "8", a.onHand(shirt))

	withCustomer := a.ok(http.StatusCreated, "manager", "POST", "/sales", map[string]any{
		"session_id": session, "lines": []any{map[string]any{"variant_id": shirt, "quantity": "1", "unit_price": "20.00"}},
		"payments": []any{map[string]any{"method": "cash", "amount": "20.00"}}, "customer": map[string]any{"name": "Público", "tax_id": "XAXX010101000"},
	})
	require.Equal(t, "20.00", withCustomer["total"], "a manager may override a price")
	require.Equal(t, "XAXX010101000", withCustomer["customer_tax_id"])

	a.fail(403, "insufficient_role", "cashier", "POST", "/sales/"+saleID+"/void", nil)
	voided := a.ok(http.StatusOK, "manager", "POST", "/sales/"+withCustomer["id"].(string)+"/void", map[string]any{"reason": "error de captura"})
	require.Equal(t, "voided", voided["status"])
	require.Equal(t, "8", a.onHand(shirt), "a void restocks")
	a.fail(409, "invalid_transition", "manager", "POST", "/sales/"+withCustomer["id"].(string)+"/void", nil)
	a.fail(404, "not_found", "manager", "POST", "/sales/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/void", nil)
	require.Equal(t, 1, a.events("cpg.sale.voided"))
	var history int
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT count(*) FROM status_history WHERE company_id = $1 AND row_id = $2 AND to_status = 'voided'", a.ID, withCustomer["id"]).Scan(&history))
	require.Equal(t, 1, history, "the host records the status history")

	wh := a.ok(http.StatusCreated, "manager", "POST", "/locations", map[string]any{"name": "Bodega", "kind": "warehouse"})["id"].(string)
	ret := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{
		"session_id": session, "location_id": wh, "reason": "talla",
		"lines": []any{line(shirt, "1")}, "refunds": []any{map[string]any{"method": "card", "amount": "25.00"}},
	})
	require.Equal(t, "25.00", ret["total"])
	require.Equal(t, "partially_returned", ret["sale_status"])
	require.Equal(t, "1", a.onHand(shirt, wh), "restocked where chosen")
	a.fail(422, "return_exceeds_sale", "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{"session_id": session, "lines": []any{line(shirt, "2")}})
	a.fail(422, "refund_mismatch", "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{"session_id": session, "lines": []any{line(shirt, "1")}, "refunds": []any{map[string]any{"method": "cash", "amount": "1.00"}}})
	// The 114.91 left goes back to the card's 75.00 left, then 39.91 in cash, which leaves a drawer.
	a.fail(422, "session_required", "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{})
	a.fail(404, "not_found", "cashier", "POST", "/sales/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/returns", map[string]any{})
	rest := a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{"session_id": session})
	require.Equal(t, "returned", rest["sale_status"])
	require.Equal(t, "114.91", rest["total"], "the rest of what was paid: 139.91 − 25.00")
	require.Equal(t, []any{
		map[string]any{"id": rest["refunds"].([]any)[0].(map[string]any)["id"], "method": "card", "amount": "75.00", "reference": "auth-123"},
		map[string]any{"id": rest["refunds"].([]any)[1].(map[string]any)["id"], "method": "cash", "amount": "39.91", "reference": nil},
	}, rest["refunds"], "without refunds the card takes back what it paid, cash the rest")
	require.Equal(t, "9", a.onHand(shirt), "restocked at the sale's location by default")
	require.Equal(t, "5", a.onHand(cap))
	a.fail(409, "invalid_transition", "cashier", "POST", "/sales/"+saleID+"/returns", map[string]any{"session_id": session})
	require.Equal(t, 2, a.events("cpg.sale.returned"))
	final := a.ok(http.StatusOK, "viewer", "GET", "/sales/"+saleID, nil)
	require.Equal(t, "139.91", final["refunded"])
	require.Len(t, final["refunds"], 3, "25.00 by card, then 75.00 by card and 39.91 in cash")
	a.integrity()

	sources := cpg.New().Manifest().UniversalSources
	var rows int
	var net string
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT count(*), sum(amount) FILTER (WHERE status <> 'voided')::text FROM ("+
		sources["cpg_pos"]+") u WHERE company_id = $1 AND transaction_type = 'cpg_pos' AND currency = 'MXN'", a.ID).Scan(&rows, &net))
	require.Equal(t, 4, rows, "two sales and two returns")
	require.Equal(t, "0.00", net, "139.91 sold and refunded; the voided sale does not count")
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT count(*) FROM ("+sources["cpg_consignment"]+") u WHERE company_id = $1", a.ID).Scan(&rows))
	require.Zero(t, rows)
}

func testOversell(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	v := a.product("LAST", "10.00", "5.00")
	a.stock(v, "10")
	session := a.session("0")
	results := parallel(50, func(int) hosttest.Response {
		return a.call("cashier", "POST", "/sales", saleBody(session, "10.00", line(v, "1")))
	})
	byStatus := map[int]int{}
	for _, r := range results {
		byStatus[r.Status]++
		if r.Status == http.StatusConflict {
			require.Equal(t, "insufficient_stock", r.ErrorCode())
		}
	}
	require.Equal(t, map[int]int{http.StatusCreated: 10, http.StatusConflict: 40}, byStatus)
	require.Equal(t, "0", a.onHand(v))
	require.Equal(t, 10, a.count("cpg.sales", ""))
	require.Equal(t, 10, a.count("cpg.stock_movements", "kind = 'sale'"))
	require.Equal(t, 10, a.events("cpg.sale.created"))
	a.integrity()
}

func testHalfWay(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	inStock := a.product("HAVE", "10.00", "5.00")
	outOfStock := a.product("HAVENT", "10.00", "5.00")
	a.stock(inStock, "5")
	session := a.session("0")
	res := a.fail(409, "insufficient_stock", "cashier", "POST", "/sales", saleBody(session, "30.00", line(inStock, "2"), line(outOfStock, "1")))
	require.Equal(t, map[string]any{"variant_id": outOfStock, "sku": "HAVENT", "location_id": a.principal, "requested": "1", "available": "0"},
		res["error"].(map[string]any)["details"])
	require.Equal(t, "5", a.onHand(inStock), "the first line's decrement was rolled back")
	require.Zero(t, a.count("cpg.sales", ""))
	require.Zero(t, a.count("cpg.sale_lines", ""))
	require.Zero(t, a.count("cpg.payments", ""))
	require.Zero(t, a.count("cpg.stock_movements", "kind = 'sale'"))
	require.Zero(t, a.events("cpg.sale.created"))
	a.integrity()
}

func testIdempotency(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	v := a.product("IDEM", "10.00", "5.00")
	a.stock(v, "5")
	session := a.session("0")
	first := a.sell(session, v, "1", "10.00", "Idempotency-Key", "sale-key-1")
	again := a.sell(session, v, "1", "10.00", "Idempotency-Key", "sale-key-1")
	require.Equal(t, first["id"], again["id"], "a retry returns the original sale")
	require.Equal(t, first, again)
	require.Equal(t, 1, a.count("cpg.sales", ""))
	require.Equal(t, "4", a.onHand(v))
	require.Equal(t, 1, a.events("cpg.sale.created"))
	a.fail(409, "idempotency_key_reused", "cashier", "POST", "/sales", saleBody(session, "20.00", line(v, "2")), "Idempotency-Key", "sale-key-1")
	require.Equal(t, 1, a.count("cpg.sales", ""))
	other := a.sell(session, v, "1", "10.00", "Idempotency-Key", "sale-key-2")
	require.NotEqual(t, first["id"], other["id"])
}

func testSessionClose(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	shirt := a.product("SHIRT", "25.00", "12.00")
	cap := a.product("CAP", "99.90", "40.00")
	a.stock(shirt, "10")
	a.stock(cap, "5")
	session := a.session("500.00")
	first := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{
		"session_id": session,
		"lines":      []any{line(shirt, "2"), map[string]any{"variant_id": cap, "quantity": "1", "discount": map[string]any{"percent": "10"}}},
		"payments":   []any{map[string]any{"method": "card", "amount": "100.00"}, map[string]any{"method": "cash", "amount": "50.00"}},
	}) // 139.91: card 100.00, cash 50.00 − 10.09 change = 39.91
	second := a.sell(session, shirt, "1", "30.00")                                                                                 // cash 25.00 (5.00 change)
	a.ok(http.StatusCreated, "cashier", "POST", "/sales/"+second["id"].(string)+"/returns", map[string]any{"session_id": session}) // cash −25.00
	third := a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{"session_id": session, "lines": []any{line(shirt, "1")},
		"payments": []any{map[string]any{"method": "transfer", "amount": "25.00"}}})
	a.ok(http.StatusOK, "manager", "POST", "/sales/"+third["id"].(string)+"/void", nil) // voided: leaves the expected amounts

	live := a.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+session, nil)
	require.EqualValues(t, 2, live["sales"])
	require.EqualValues(t, 1, live["voided"])

	a.fail(422, "invalid_field", "cashier", "POST", "/cash-sessions/"+session+"/close", map[string]any{"counted": []any{map[string]any{"method": "gold", "amount": "1"}}})
	a.fail(422, "invalid_field", "cashier", "POST", "/cash-sessions/"+session+"/close", map[string]any{"counted": []any{map[string]any{"method": "cash", "amount": "1.234"}}})
	a.fail(404, "not_found", "cashier", "POST", "/cash-sessions/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/close", map[string]any{"counted": []any{}})
	closed := a.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+session+"/close", map[string]any{
		"counted": []any{map[string]any{"method": "cash", "amount": "535.00"}, map[string]any{"method": "card", "amount": "100.00"}},
	})
	require.Equal(t, "closed", closed["status"])
	counts := map[string]map[string]any{}
	for _, c := range closed["counts"].([]any) {
		m := c.(map[string]any)
		counts[m["method"].(string)] = m
	}
	// cash: 500.00 float + 39.91 + 25.00 − 25.00 refund = 539.91
	require.Equal(t, map[string]any{"method": "cash", "expected": "539.91", "counted": "535.00", "difference": "-4.91"}, counts["cash"])
	require.Equal(t, map[string]any{"method": "card", "expected": "100.00", "counted": "100.00", "difference": "0.00"}, counts["card"])
	require.Len(t, counts, 2, "the voided transfer is not expected")
	require.Equal(t, "639.91", closed["expected_total"])
	require.Equal(t, "635.00", closed["counted_total"])
	require.Equal(t, "-4.91", closed["difference_total"])
	require.Equal(t, false, closed["over_limit"])

	a.fail(409, "session_closed", "cashier", "POST", "/cash-sessions/"+session+"/close", map[string]any{"counted": []any{}})
	a.fail(409, "session_closed", "cashier", "POST", "/sales", saleBody(session, "25", line(shirt, "1")))
	a.fail(409, "session_closed", "manager", "POST", "/sales/"+first["id"].(string)+"/void", nil)

	short := a.session("100.00")
	env := a.fail(403, "manager_required", "cashier", "POST", "/cash-sessions/"+short+"/close", map[string]any{"counted": []any{map[string]any{"method": "cash", "amount": "0"}}})
	require.Equal(t, "-100.00", env["error"].(map[string]any)["details"].(map[string]any)["difference"])
	byManager := a.ok(http.StatusOK, "manager", "POST", "/cash-sessions/"+short+"/close", map[string]any{"counted": []any{map[string]any{"method": "cash", "amount": "0"}}})
	require.Equal(t, true, byManager["over_limit"])
	sessions := a.ok(http.StatusOK, "viewer", "GET", "/reports/cash-sessions", nil)
	require.Len(t, items(t, sessions), 2)
}

func testConsignment(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX", map[string]any{"big_transaction_threshold": "200"})
	v := a.product("CONS", "25.00", "12.00")
	a.stock(v, "20")
	cust := a.ok(http.StatusCreated, "manager", "POST", "/customers", map[string]any{"name": "Tienda La Esquina", "tax_id": "GODE561231GR8", "consignee": true})
	consignee := cust["location_id"].(string)
	require.NotEmpty(t, consignee)
	plain := a.ok(http.StatusCreated, "manager", "POST", "/customers", map[string]any{"name": "Cliente"})["id"].(string)

	a.fail(422, "not_a_consignee", "manager", "POST", "/consignments", map[string]any{"customer_id": plain, "lines": []any{line(v, "1")}})
	a.fail(422, "unknown_customer", "manager", "POST", "/consignments", map[string]any{"customer_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "lines": []any{line(v, "1")}})
	a.fail(422, "invalid_field", "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(v, "1"), line(v, "2")}})
	a.fail(422, "unknown_variant", "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "1")}})
	draft := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(v, "1")}})
	a.ok(http.StatusOK, "manager", "POST", "/consignments/"+draft["id"].(string)+"/cancel", nil)

	c := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(v, "10")}, "note": "temporada"})
	id := c["id"].(string)
	require.Equal(t, "draft", c["status"])
	require.Equal(t, "250.00", c["value_at_price"])
	require.Equal(t, "20", a.onHand(v), "a draft moves nothing")
	a.fail(409, "consignment_not_out", "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "1")}})

	sent := a.ok(http.StatusOK, "manager", "POST", "/consignments/"+id+"/send", nil)
	require.Equal(t, "sent", sent["status"])
	require.Equal(t, "120.00", sent["value_at_cost"])
	require.Equal(t, "10", a.onHand(v))
	require.Equal(t, "10", a.onHand(v, consignee))
	require.Equal(t, 1, a.events("cpg.consignment.large"), "250.00 reaches the threshold of 200")
	a.fail(409, "invalid_transition", "manager", "POST", "/consignments/"+id+"/send", nil)
	a.fail(409, "insufficient_stock", "cashier", "POST", "/sales", saleBody(a.session("0"), "1000", line(v, "11")))

	aging := a.ok(http.StatusOK, "manager", "GET", "/reports/consignment-aging", nil)
	require.Len(t, items(t, aging), 1)
	require.Equal(t, "120.00", aging["value_at_cost"])
	require.Equal(t, "250.00", aging["value_at_price"])
	require.Equal(t, "0-30", items(t, aging)[0]["bucket"])

	rep := a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "3")}})
	require.Equal(t, "75.00", rep["owed"])
	require.Equal(t, "75.00", rep["report"].(map[string]any)["total"])
	require.Equal(t, "10.34", rep["report"].(map[string]any)["tax"], "75.00 includes 10.34 of IVA")
	require.Equal(t, "7", a.onHand(v, consignee))
	a.fail(422, "exceeds_outstanding", "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "8")}})

	paid := a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "50.00", "method": "transfer", "reference": "SPEI 1"})
	require.Equal(t, "partially_settled", paid["status"])
	require.Equal(t, "25.00", paid["owed"])
	a.fail(422, "overpayment", "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "25.01", "method": "cash"})
	a.fail(422, "invalid_field", "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "0", "method": "cash"})

	back := a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/returns", map[string]any{"lines": []any{line(v, "4")}})
	require.Equal(t, "3", back["outstanding_quantity"])
	require.Equal(t, "14", a.onHand(v))
	require.Equal(t, "3", a.onHand(v, consignee))
	a.fail(422, "exceeds_outstanding", "manager", "POST", "/consignments/"+id+"/returns", map[string]any{"lines": []any{line(v, "4")}})
	a.fail(409, "consignment_in_progress", "manager", "POST", "/consignments/"+id+"/cancel", nil)

	rep = a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/sales", map[string]any{"lines": []any{line(v, "3")}})
	require.Equal(t, "100.00", rep["owed"], "25.00 left + 75.00 newly sold")
	require.Equal(t, "partially_settled", rep["status"], "still owed")
	done := a.ok(http.StatusCreated, "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "100.00", "method": "cash"})
	require.Equal(t, "settled", done["status"])
	require.Equal(t, "0.00", done["owed"])
	a.fail(409, "consignment_not_out", "manager", "POST", "/consignments/"+id+"/settlements", map[string]any{"amount": "1", "method": "cash"})

	full := a.ok(http.StatusOK, "viewer", "GET", "/consignments/"+id, nil)
	require.Equal(t, "150.00", full["sold_total"])
	require.Equal(t, "150.00", full["settled_total"])
	require.Len(t, full["sales_reports"], 2)
	require.Len(t, full["settlements"], 2)
	line0 := full["lines"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"sold": "6", "returned": "4", "out": "0"}, map[string]any{"sold": line0["sold_quantity"], "returned": line0["returned_quantity"], "out": line0["outstanding"]})
	require.Equal(t, "0", a.onHand(v, consignee))
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/consignments?status=settled", nil)), 1)
	a.fail(400, "invalid_query", "viewer", "GET", "/consignments?customer_id=x", nil)
	a.fail(404, "not_found", "viewer", "GET", "/consignments/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)
	require.Empty(t, items(t, a.ok(http.StatusOK, "manager", "GET", "/reports/consignment-aging", nil)))
	var history int
	require.NoError(t, p.pool.QueryRow(t.Context(), "SELECT count(*) FROM status_history WHERE company_id = $1 AND row_id = $2", a.ID, id).Scan(&history))
	require.Equal(t, 3, history, "send, settle_partial, settle")
	a.integrity()
}

func testPurchases(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	v := a.product("BUY", "30.00", "0")
	sup := a.ok(http.StatusCreated, "manager", "POST", "/suppliers", map[string]any{"name": "Textiles del Norte", "tax_id": "GODE561231GR8"})
	a.fail(422, "invalid_field", "manager", "POST", "/suppliers", map[string]any{"name": ""})
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/suppliers", nil)), 1)
	a.fail(400, "invalid_limit", "viewer", "GET", "/suppliers?limit=-1", nil)

	a.fail(422, "unknown_variant", "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"], "lines": []any{map[string]any{"variant_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "quantity": "1", "unit_cost": "1"}}})
	a.fail(422, "unknown_supplier", "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", "lines": []any{map[string]any{"variant_id": v, "quantity": "1", "unit_cost": "1"}}})
	a.fail(422, "invalid_field", "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"], "lines": []any{map[string]any{"variant_id": v, "quantity": "1"}}})
	po := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"],
		"lines": []any{map[string]any{"variant_id": v, "quantity": "15", "unit_cost": "12.00"}}})
	id := po["id"].(string)
	require.Equal(t, "draft", po["status"])
	require.Equal(t, "180.00", po["total_cost"])
	a.fail(409, "invalid_transition", "manager", "POST", "/purchase-orders/"+id+"/receipts", map[string]any{})
	require.Equal(t, "ordered", a.ok(http.StatusOK, "manager", "POST", "/purchase-orders/"+id+"/order", nil)["status"])
	a.fail(409, "invalid_transition", "manager", "POST", "/purchase-orders/"+id+"/order", nil)

	first := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders/"+id+"/receipts", map[string]any{"lines": []any{map[string]any{"variant_id": v, "quantity": "10"}}})
	require.Equal(t, "partially_received", first["status"])
	rl := first["receipt"].(map[string]any)["lines"].([]any)[0].(map[string]any)
	require.Equal(t, "0.00", rl["cost_before"])
	require.Equal(t, "12.00", rl["cost_after"], "no stock before: the receipt's cost")
	a.fail(422, "exceeds_order", "manager", "POST", "/purchase-orders/"+id+"/receipts", map[string]any{"lines": []any{map[string]any{"variant_id": v, "quantity": "6"}}})

	second := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders/"+id+"/receipts", map[string]any{"lines": []any{map[string]any{"variant_id": v, "quantity": "5", "unit_cost": "15.00"}}})
	require.Equal(t, "received", second["status"])
	rl = second["receipt"].(map[string]any)["lines"].([]any)[0].(map[string]any)
	require.Equal(t, "13.00", rl["cost_after"], "(10 × 12.00 + 5 × 15.00) / 15")
	require.Equal(t, "15", a.onHand(v))
	prod := items(t, a.ok(http.StatusOK, "viewer", "GET", "/products?sku=BUY", nil))[0]
	require.Equal(t, "13.00", prod["variants"].([]any)[0].(map[string]any)["cost"])
	a.fail(409, "invalid_transition", "manager", "POST", "/purchase-orders/"+id+"/cancel", nil)
	require.Equal(t, "received", a.ok(http.StatusOK, "viewer", "GET", "/purchase-orders/"+id, nil)["status"])
	a.fail(404, "not_found", "viewer", "GET", "/purchase-orders/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)
	require.Len(t, items(t, a.ok(http.StatusOK, "viewer", "GET", "/purchase-orders?status=received", nil)), 1)
	a.fail(400, "invalid_query", "viewer", "GET", "/purchase-orders?supplier_id=nope", nil)

	other := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"],
		"lines": []any{map[string]any{"variant_id": v, "quantity": "1", "unit_cost": "1"}}})
	require.Equal(t, "cancelled", a.ok(http.StatusOK, "manager", "POST", "/purchase-orders/"+other["id"].(string)+"/cancel", nil)["status"])
	moves := items(t, a.ok(http.StatusOK, "viewer", "GET", "/stock/movements?kind=receipt", nil))
	require.Len(t, moves, 2)
	a.integrity()
}

func testReports(t *testing.T, p *platform) {
	a := p.newCompany(t, "MX")
	v := a.product("REP", "116.00", "50.00", map[string]any{"variants": []any{map[string]any{"sku": "REP", "price": "116.00", "cost": "50.00", "reorder_point": "8"}}})
	a.stock(v, "10")
	session := a.session("0")
	a.sell(session, v, "2", "232.00")
	today := time.Now().In(mustZone(t, "America/Mexico_City")).Format(time.DateOnly)

	byDay := a.ok(http.StatusOK, "viewer", "GET", "/reports/sales?group_by=day&from="+today+"&to="+today, nil)
	require.Equal(t, "232.00", byDay["total"])
	require.Equal(t, today, items(t, byDay)[0]["key"], "days are the company's")
	for _, g := range []string{"location", "product", "payment_method", "cashier"} {
		res := a.ok(http.StatusOK, "viewer", "GET", "/reports/sales?group_by="+g, nil)
		require.Len(t, items(t, res), 1, g)
		require.Equal(t, "232.00", res["total"], g)
	}
	a.fail(400, "invalid_query", "viewer", "GET", "/reports/sales?group_by=weather", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/reports/sales?from=2024-02-30", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/reports/sales?from=2024-02-02&to=2024-02-01", nil)

	top := items(t, a.ok(http.StatusOK, "viewer", "GET", "/reports/top-products?limit=5", nil))
	require.Equal(t, "2", top[0]["quantity"])
	a.fail(400, "invalid_limit", "viewer", "GET", "/reports/top-products?limit=1000", nil)

	margin := a.ok(http.StatusOK, "manager", "GET", "/reports/margin", nil)
	require.Equal(t, "200.00", margin["revenue"], "232.00 less 32.00 IVA")
	require.Equal(t, "100.00", margin["cost"])
	require.Equal(t, "100.00", margin["margin"])
	require.Equal(t, "50.00", margin["margin_percent"])
	a.fail(403, "insufficient_role", "viewer", "GET", "/reports/margin", nil)
	a.fail(400, "invalid_query", "manager", "GET", "/reports/margin?to=never", nil)

	val := a.ok(http.StatusOK, "manager", "GET", "/reports/stock-valuation", nil)
	require.Equal(t, "400.00", val["value_at_cost"], "8 × 50.00")
	a.fail(400, "invalid_query", "manager", "GET", "/reports/stock-valuation?location_id=x", nil)

	low := items(t, a.ok(http.StatusOK, "viewer", "GET", "/reports/low-stock", nil))
	require.Len(t, low, 1)
	require.Equal(t, "8", low[0]["on_hand"])
	a.fail(400, "invalid_query", "viewer", "GET", "/reports/low-stock?location_id=x", nil)
	a.fail(400, "invalid_query", "viewer", "GET", "/reports/cash-sessions?from=x", nil)
	require.Len(t, items(t, a.ok(http.StatusOK, "manager", "GET", "/reports/consignment-aging", nil)), 0)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func testConfiguration(t *testing.T, p *platform) {
	a := p.newCompany(t, "AR")
	res := p.h.Call(http.MethodPut, "/api/v1/companies/"+a.ID+"/verticals/cpg", a.Tokens["owner"], map[string]any{"allow_negative_stock": "yes"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Equal(t, "invalid_config", res.ErrorCode())
	res = p.h.Call(http.MethodPut, "/api/v1/companies/"+a.ID+"/verticals/cpg", a.Tokens["owner"], map[string]any{"default_tax_rate": "iva16"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, "Mexican rates are not Argentine: %s", res.Body)

	p.h.Expect(http.StatusOK, http.MethodPut, "/api/v1/companies/"+a.ID+"/verticals/cpg", a.Tokens["owner"],
		map[string]any{"allow_negative_stock": true, "sizes": []string{}, "prices_include_tax": false, "default_tax_rate": "iva10_5"})
	settings := a.ok(http.StatusOK, "viewer", "GET", "/settings", nil)
	require.Equal(t, true, settings["allow_negative_stock"])
	require.Equal(t, "ARS", settings["currency"])
	prod := a.ok(http.StatusCreated, "manager", "POST", "/products", map[string]any{"name": "Alfajor", "variants": []any{map[string]any{"sku": "ALF", "size": "Jumbo", "price": "100.00"}}})
	require.Equal(t, "iva10_5", prod["tax_code"], "the configured default rate")
	v := prod["variants"].([]any)[0].(map[string]any)["id"].(string)
	sale := a.sell(a.session("0"), v, "2", "221.00")
	require.Equal(t, "221.00", sale["total"], "prices without tax: 200.00 + 10.5 % IVA")
	require.Equal(t, "-2", a.onHand(v), "negative stock is allowed when configured")
	require.Equal(t, "AR", settings["country"])
	a.integrity()
}

func testIsolation(t *testing.T, p *platform) {
	a, b := p.newCompany(t, "MX"), p.newCompany(t, "MX")
	v := a.product("SECRET", "10.00", "5.00")
	a.stock(v, "5")
	session := a.session("0")
	sale := a.sell(session, v, "1", "10.00")
	cust := a.ok(http.StatusCreated, "manager", "POST", "/customers", map[string]any{"name": "Consignatario", "consignee": true})
	cons := a.ok(http.StatusCreated, "manager", "POST", "/consignments", map[string]any{"customer_id": cust["id"], "lines": []any{line(v, "1")}})
	sup := a.ok(http.StatusCreated, "manager", "POST", "/suppliers", map[string]any{"name": "Proveedor"})
	po := a.ok(http.StatusCreated, "manager", "POST", "/purchase-orders", map[string]any{"supplier_id": sup["id"], "lines": []any{map[string]any{"variant_id": v, "quantity": "1", "unit_cost": "1"}}})
	pid := items(t, a.ok(http.StatusOK, "viewer", "GET", "/products", nil))[0]["id"].(string)

	notFound := []struct{ method, path string }{
		{"GET", "/products/" + pid},
		{"PATCH", "/products/" + pid},
		{"PATCH", "/variants/" + v},
		{"GET", "/variants/" + v},
		{"POST", "/products/" + pid + "/variants"},
		{"GET", "/products/scan/SECRET"},
		{"GET", "/sales/" + sale["id"].(string)},
		{"GET", "/sales/" + sale["id"].(string) + "/receipt"},
		{"POST", "/sales/" + sale["id"].(string) + "/void"},
		{"POST", "/sales/" + sale["id"].(string) + "/returns"},
		{"POST", "/sales/" + sale["id"].(string) + "/returns/preview"},
		{"GET", "/cash-sessions/" + session},
		{"POST", "/cash-sessions/" + session + "/close"},
		{"GET", "/customers/" + cust["id"].(string)},
		{"GET", "/consignments/" + cons["id"].(string)},
		{"POST", "/consignments/" + cons["id"].(string) + "/send"},
		{"POST", "/consignments/" + cons["id"].(string) + "/cancel"},
		{"GET", "/purchase-orders/" + po["id"].(string)},
		{"POST", "/purchase-orders/" + po["id"].(string) + "/order"},
		{"POST", "/purchase-orders/" + po["id"].(string) + "/receipts"},
	}
	bodies := map[string]any{
		"/products/" + pid:                                    map[string]any{"name": "mine"},
		"/variants/" + v:                                      map[string]any{"price": "0"},
		"/products/" + pid + "/variants":                      map[string]any{"sku": "STEAL", "price": "1"},
		"/cash-sessions/" + session + "/close":                map[string]any{"counted": []any{}},
		"/sales/" + sale["id"].(string) + "/returns":          map[string]any{},
		"/sales/" + sale["id"].(string) + "/returns/preview":  map[string]any{},
		"/purchase-orders/" + po["id"].(string) + "/receipts": map[string]any{},
	}
	for _, tc := range notFound {
		res := b.call("owner", tc.method, tc.path, bodies[tc.path])
		require.Equal(t, http.StatusNotFound, res.Status, "%s %s: %s", tc.method, tc.path, res.Body)
	}
	b.fail(422, "unknown_session", "cashier", "POST", "/sales", saleBody(session, "10", line(v, "1")))
	b.fail(422, "unknown_variant", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": b.principal, "reason": "x", "lines": []any{line(v, "1")}})
	b.fail(422, "unknown_location", "manager", "POST", "/stock/adjustments", map[string]any{"location_id": a.principal, "reason": "x", "lines": []any{line(v, "1")}})
	mine := b.product("MINE", "1.00", "0.50")
	b.stock(mine, "1")
	b.fail(422, "unknown_customer", "cashier", "POST", "/sales", map[string]any{"session_id": b.session("0"), "customer_id": cust["id"], "lines": []any{line(mine, "1")}, "payments": []any{map[string]any{"method": "cash", "amount": "1"}}})
	for _, path := range []string{"/products", "/sales", "/cash-sessions", "/consignments", "/purchase-orders", "/suppliers", "/customers", "/stock", "/stock/movements"} {
		list := items(t, b.ok(http.StatusOK, "owner", "GET", path, nil))
		for _, it := range list {
			require.NotContains(t, []any{pid, sale["id"], session, cons["id"], po["id"], sup["id"], cust["id"], v}, it["id"], path)
			require.NotEqual(t, v, it["variant_id"], path)
		}
	}
	require.Len(t, items(t, b.ok(http.StatusOK, "owner", "GET", "/locations", nil)), 1, "only b's Principal")
	require.NotEqual(t, a.principal, b.principal)
	require.Equal(t, "4", a.onHand(v), "a's stock is untouched")
	require.Equal(t, "4", a.ok(http.StatusOK, "cashier", "GET", "/products/scan/SECRET", nil)["on_hand"])
}
