package cpg

import (
	"fmt"
	"strings"
)

// Named queries the vertical declares in its manifest. The host prepares
// them when the plugin registers and runs them in the request's unit of
// work with search_path "cpg, public"; row-level security confines them to
// the caller's company, and each one also filters company_id itself so its
// indexes are used. Every value is a bound parameter.

// Names of the named queries.
const (
	qEnsurePrincipal        = "ensure_principal"
	qStockAdd               = "stock_add"
	qStockTake              = "stock_take"
	qStockTakeMany          = "stock_take_many"
	qStockAddMany           = "stock_add_many"
	qStockShortage          = "stock_shortage"
	qVariantsByIDs          = "variants_by_ids"
	qVariantsByFewIDs       = "variants_by_few_ids"
	qVariantsByCodes        = "variants_by_codes"
	qVariantsOfProducts     = "variants_of_products"
	qVariantsJSON           = "variants_json"
	qProductPage            = "product_page"
	qSaleInsert             = "sale_insert"
	qProductsByIDs          = "products_by_ids"
	qScan                   = "scan"
	qStockTotals            = "stock_totals"
	qIntegrity              = "integrity"
	qIntegrityCounts        = "integrity_counts"
	qSessionForSale         = "session_for_sale"
	qSessionExpected        = "session_expected"
	qSessionSales           = "session_sales"
	qSaleForUpdate          = "sale_for_update"
	qSaleState              = "sale_state"
	qSaleHeader             = "sale_header"
	qConsignmentLines       = "consignment_lines"
	qReportSalesByDay       = "report_sales_by_day"
	qReportSalesByLocation  = "report_sales_by_location"
	qReportSalesByCashier   = "report_sales_by_cashier"
	qReportSalesByProduct   = "report_sales_by_product"
	qReportSalesByPayment   = "report_sales_by_payment_method"
	qReportTopProducts      = "report_top_products"
	qReportMargin           = "report_margin"
	qReportStockValuation   = "report_stock_valuation"
	qReportLowStock         = "report_low_stock"
	qReportCashSessions     = "report_cash_sessions"
	qReportConsignmentAging = "report_consignment_aging"
	qReportAgingBuckets     = "report_consignment_aging_buckets"
	qMPRefundsPending       = "mp_refunds_pending"
	qMPRefundSettle         = "mp_refund_settle"
	qOpenSessionOfSale      = "open_session_of_sale"
	qMoveSalePayments       = "move_sale_payments"
	companyFilter           = "current_setting('app.company_id')::uuid"
	saleRange               = `s.occurred_at >= ($1::date)::timestamp AT TIME ZONE $3::text
  AND s.occurred_at < ($2::date + 1)::timestamp AT TIME ZONE $3::text`
)

// variantJSON renders a variant v for a product list: what a point of sale
// needs to pick one (its id, SKU, barcode, size, color and price, rendered
// like variantView does); GET /products/{id} shows the rest.
const variantJSON = `json_build_object('id', v.id, 'sku', v.sku, 'barcode', v.barcode, 'size', v.size, 'color', v.color,
         'price', round(v.price, greatest(2, scale(trim_scale(v.price))))::text)`

// saleState reads a sale with its session's status (lockedSale).
const saleState = `SELECT s.id, s.session_id, s.location_id, s.status, s.total, s.refunded, s.occurred_at,
       cs.status AS session_status
FROM sales s
JOIN cash_sessions cs ON cs.company_id = s.company_id AND cs.id = s.session_id
WHERE s.company_id = ` + companyFilter + ` AND s.id = $1::uuid`

// agingLines are the consignment lines still at consignees ($1 is the
// company's time zone), with how many days and which age bucket they have
// been out.
const agingLines = `SELECT c.id AS consignment_id, c.customer_id, cu.name AS customer_name, c.location_id, c.status,
       c.sent_at, d.days_out, CASE WHEN d.days_out <= 30 THEN '0-30' WHEN d.days_out <= 60 THEN '31-60'
       WHEN d.days_out <= 90 THEN '61-90' ELSE '90+' END AS bucket,
       cl.line_no, cl.variant_id, v.sku, cl.quantity - cl.sold_quantity - cl.returned_quantity AS outstanding,
       cl.unit_cost, cl.unit_price
FROM consignments c
CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE $1::text)::date - (c.sent_at AT TIME ZONE $1::text)::date AS days_out) d
JOIN consignment_lines cl ON cl.company_id = c.company_id AND cl.consignment_id = c.id
JOIN customers cu ON cu.company_id = c.company_id AND cu.id = c.customer_id
JOIN variants v ON v.company_id = cl.company_id AND v.id = cl.variant_id
WHERE c.company_id = ` + companyFilter + ` AND c.status IN ('sent', 'partially_settled')
  AND cl.quantity - cl.sold_quantity - cl.returned_quantity > 0`

// groupOrder is the order in which a grouped report shows its rows.
type groupOrder int

const (
	// byKey orders rows by their key (days).
	byKey groupOrder = iota
	// bySortDesc orders rows by their numeric sort column, largest first,
	// then by key.
	bySortDesc
	// bySortAsc orders rows by their text sort column, then by key.
	bySortAsc
)

// groupedReport is a report whose rows are the groups of one aggregate
// query: a page of its rows is the named query name, the sums over every
// group (the report's summary) name + summarySuffix.
type groupedReport struct {
	name   string
	sql    string
	params int
	order  groupOrder
	sort   string
	sums   []string
}

// summarySuffix names the summary query of a grouped report.
const summarySuffix = "_summary"

// groupedReports are the reports paged by groupPage.
var groupedReports = []groupedReport{
	{qReportSalesByDay, salesByDaySQL, 3, byKey, "", salesSums},
	{qReportSalesByLocation, salesByLocationSQL, 3, bySortDesc, "total", salesSums},
	{qReportSalesByCashier, salesByCashierSQL, 3, bySortDesc, "total", salesSums},
	{qReportSalesByProduct, salesByProductSQL, 3, bySortDesc, "total", salesSums},
	{qReportSalesByPayment, salesByPaymentSQL, 3, bySortDesc, "total", salesSums},
	{qReportMargin, marginSQL, 3, bySortDesc, "revenue", []string{"revenue", "cost"}},
	{qReportStockValuation, stockValuationSQL, 1, bySortAsc, "label", []string{"value_at_cost", "value_at_price"}},
}

// salesSums are the summary columns of the sales reports.
var salesSums = []string{"sales", "total", "refunded"}

// groupPage pages the rows of a grouped report by keyset, in the order the
// report shows them. After the report's own n parameters come the last
// row's sort value ($n+1, NULL on the first page and by key) and key
// ($n+2), and the page size ($n+3).
func groupPage(r groupedReport) string {
	v, k, lim := fmt.Sprintf("$%d", r.params+1), fmt.Sprintf("$%d::text", r.params+2), fmt.Sprintf("$%d::int", r.params+3)
	var after, order string
	switch r.order {
	case byKey:
		after = "(" + k + " IS NULL OR g.key > " + k + ") AND " + v + "::text IS NULL"
		order = "g.key"
	case bySortDesc:
		after = "(" + k + " IS NULL OR g." + r.sort + " < " + v + "::numeric OR (g." + r.sort + " = " + v + "::numeric AND g.key > " + k + "))"
		order = "g." + r.sort + " DESC, g.key"
	case bySortAsc:
		after = "(" + k + " IS NULL OR (g." + r.sort + ", g.key) > (" + v + "::text, " + k + "))"
		order = "g." + r.sort + ", g.key"
	}
	return "SELECT g.* FROM (" + r.sql + ") g\nWHERE " + after + "\nORDER BY " + order + "\nLIMIT " + lim
}

// groupSummary sums a grouped report's summary columns over every group.
func groupSummary(r groupedReport) string {
	cols := make([]string, len(r.sums))
	for i, c := range r.sums {
		cols[i] = "coalesce(sum(g." + c + "), 0) AS " + c
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM (" + r.sql + ") g"
}

// withGroupedReports adds the page and summary queries of every grouped
// report to queries.
func withGroupedReports(queries map[string]string) map[string]string {
	for _, r := range groupedReports {
		queries[r.name] = groupPage(r)
		queries[r.name+summarySuffix] = groupSummary(r)
	}
	return queries
}

// salesByDaySQL groups the sales of a range ($1, $2 dates in time zone $3) by day.
const salesByDaySQL = `SELECT ((s.occurred_at AT TIME ZONE $3::text)::date)::text AS key,
       count(*) AS sales, sum(s.total) AS total, sum(s.net) AS net, sum(s.tax) AS tax, sum(s.refunded) AS refunded
FROM sales s
WHERE s.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY 1 ORDER BY 1`

// salesByLocationSQL groups the sales of a range by location.
const salesByLocationSQL = `SELECT s.location_id::text AS key, min(l.name) AS label,
       count(*) AS sales, sum(s.total) AS total, sum(s.net) AS net, sum(s.tax) AS tax, sum(s.refunded) AS refunded
FROM sales s
JOIN locations l ON l.company_id = s.company_id AND l.id = s.location_id
WHERE s.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY s.location_id ORDER BY total DESC, key`

// salesByCashierSQL groups the sales of a range by cashier.
const salesByCashierSQL = `SELECT coalesce(s.user_id::text, '') AS key, coalesce(min(s.cashier_email), '') AS label,
       count(*) AS sales, sum(s.total) AS total, sum(s.net) AS net, sum(s.tax) AS tax, sum(s.refunded) AS refunded
FROM sales s
WHERE s.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY s.user_id ORDER BY total DESC, key`

// salesByProductSQL groups the sale lines of a range by product.
const salesByProductSQL = `SELECT sl.product_id::text AS key, min(p.name) AS label,
       count(DISTINCT s.id) AS sales, sum(sl.quantity) AS quantity, sum(sl.total) AS total, sum(sl.net) AS net,
       sum(sl.tax) AS tax, sum(sl.refunded_net + sl.refunded_tax) AS refunded
FROM sale_lines sl
JOIN sales s ON s.company_id = sl.company_id AND s.id = sl.sale_id
JOIN products p ON p.company_id = sl.company_id AND p.id = sl.product_id
WHERE sl.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY sl.product_id ORDER BY total DESC, key`

// salesByPaymentSQL groups the payments and refunds of a range's sales by method.
const salesByPaymentSQL = `SELECT p.method AS key, count(DISTINCT p.sale_id) FILTER (WHERE p.return_id IS NULL) AS sales,
       coalesce(sum(p.amount - p.change) FILTER (WHERE p.return_id IS NULL), 0) AS total,
       coalesce(-sum(p.amount) FILTER (WHERE p.return_id IS NOT NULL), 0) AS refunded
FROM payments p
JOIN sales s ON s.company_id = p.company_id AND s.id = p.sale_id
WHERE p.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY p.method ORDER BY total DESC, key`

// marginSQL is revenue net of tax and returns against cost per product over a range.
const marginSQL = `SELECT sl.product_id::text AS key, min(p.name) AS label,
       sum(sl.quantity - sl.returned_quantity) AS quantity,
       sum(sl.net - sl.refunded_net) AS revenue,
       round(sum((sl.quantity - sl.returned_quantity) * sl.unit_cost), 2) AS cost
FROM sale_lines sl
JOIN sales s ON s.company_id = sl.company_id AND s.id = sl.sale_id
JOIN products p ON p.company_id = sl.company_id AND p.id = sl.product_id
WHERE sl.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY sl.product_id ORDER BY revenue DESC, key`

// stockValuationSQL values on-hand per location ($1: one location, or NULL for all).
const stockValuationSQL = `SELECT st.location_id::text AS key, min(l.name) AS label, min(l.kind) AS kind,
       count(*) AS variants, sum(st.on_hand) AS units,
       round(sum(st.on_hand * v.cost), 2) AS value_at_cost, round(sum(st.on_hand * v.price), 2) AS value_at_price
FROM stock st
JOIN variants v ON v.company_id = st.company_id AND v.id = st.variant_id
JOIN locations l ON l.company_id = st.company_id AND l.id = st.location_id
WHERE st.company_id = ` + companyFilter + ` AND ($1::uuid IS NULL OR st.location_id = $1::uuid) AND st.on_hand <> 0
GROUP BY st.location_id ORDER BY label, key`

// queries maps each named query to its SQL.
var queries = withGroupedReports(map[string]string{
	qEnsurePrincipal: `INSERT INTO locations (company_id, id, name, name_key, kind, is_default)
VALUES (` + companyFilter + `, $1::uuid, $2::text, $3::text, 'store', true)
ON CONFLICT DO NOTHING`,

	qStockAdd: `INSERT INTO stock (company_id, variant_id, location_id, on_hand)
VALUES (` + companyFilter + `, $1::uuid, $2::uuid, $3::numeric)
ON CONFLICT (company_id, variant_id, location_id)
DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand, updated_at = now()`,

	qStockTake: `UPDATE stock SET on_hand = on_hand - $3::numeric, updated_at = now()
WHERE company_id = ` + companyFilter + ` AND variant_id = $1::uuid AND location_id = $2::uuid
  AND on_hand >= $3::numeric`,

	// Each line's stock row is looked up by its key, in key order (so
	// that concurrent sales lock rows in the same order): joined with the
	// lines, PostgreSQL hashed every stock row of the company instead.
	qStockTakeMany: `WITH d AS MATERIALIZED (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[]) AS d(variant_id, location_id, quantity)
  ORDER BY variant_id, location_id
), locked AS (
  SELECT s.id, d.quantity FROM d
  CROSS JOIN LATERAL (
    SELECT id FROM stock
    WHERE company_id = ` + companyFilter + ` AND variant_id = d.variant_id AND location_id = d.location_id
    FOR UPDATE
  ) s
)
UPDATE stock s SET on_hand = s.on_hand - locked.quantity, updated_at = now()
FROM locked
WHERE s.company_id = ` + companyFilter + ` AND s.id = locked.id AND s.on_hand >= locked.quantity
RETURNING s.variant_id, s.location_id`,

	qStockShortage: `SELECT v.sku, coalesce(st.on_hand, 0) AS on_hand
FROM variants v
LEFT JOIN stock st ON st.company_id = v.company_id AND st.variant_id = v.id AND st.location_id = $2::uuid
WHERE v.company_id = ` + companyFilter + ` AND v.id = $1::uuid`,

	qStockAddMany: `INSERT INTO stock (company_id, variant_id, location_id, on_hand)
SELECT ` + companyFilter + `, d.variant_id, d.location_id, d.quantity
FROM unnest($1::uuid[], $2::uuid[], $3::numeric[]) AS d(variant_id, location_id, quantity)
ORDER BY d.variant_id, d.location_id
ON CONFLICT (company_id, variant_id, location_id)
DO UPDATE SET on_hand = stock.on_hand + EXCLUDED.on_hand, updated_at = now()`,

	// qSaleInsert writes a checkout's sale ($1, a JSON object), lines,
	// payments and ledger movements ($2, $3, $4, JSON arrays) in one
	// statement: the hottest write path takes one round trip instead of
	// four. It leaves status out: the sale starts in its state machine's
	// initial state (completed), the column's default, which the vertical's
	// role may not write. The foreign keys are checked at the end of the
	// statement.
	qSaleInsert: `WITH s AS (
  INSERT INTO sales (company_id, id, session_id, register_id, location_id, user_id, cashier_email, customer_id,
                     customer_name, customer_tax_id, currency, prices_include_tax, subtotal, discount, net,
                     tax, total, paid, change, refunded, occurred_at)
  SELECT ` + companyFilter + `, r.id, r.session_id, r.register_id, r.location_id, r.user_id, r.cashier_email,
         r.customer_id, r.customer_name, r.customer_tax_id, r.currency, r.prices_include_tax, r.subtotal,
         r.discount, r.net, r.tax, r.total, r.paid, r.change, 0, r.occurred_at
  FROM json_populate_record(NULL::sales, $1::json) r
), l AS (
  INSERT INTO sale_lines (company_id, id, sale_id, line_no, variant_id, product_id, sku, description, quantity,
                          list_price, unit_price, unit_cost, tax_code, tax_rate, gross, line_discount,
                          document_discount, net, tax, total)
  SELECT ` + companyFilter + `, r.id, r.sale_id, r.line_no, r.variant_id, r.product_id, r.sku, r.description,
         r.quantity, r.list_price, r.unit_price, r.unit_cost, r.tax_code, r.tax_rate, r.gross, r.line_discount,
         r.document_discount, r.net, r.tax, r.total
  FROM json_populate_recordset(NULL::sale_lines, $2::json) r
), p AS (
  INSERT INTO payments (company_id, id, session_id, sale_id, return_id, line_no, method, amount, change, reference, occurred_at)
  SELECT ` + companyFilter + `, r.id, r.session_id, r.sale_id, r.return_id, r.line_no, r.method, r.amount, r.change,
         r.reference, r.occurred_at
  FROM json_populate_recordset(NULL::payments, $3::json) r
)
INSERT INTO stock_movements (company_id, id, variant_id, location_id, kind, quantity, unit_cost, ref_type, ref_id,
                             reason, user_id, occurred_at)
SELECT ` + companyFilter + `, r.id, r.variant_id, r.location_id, r.kind, r.quantity, r.unit_cost, r.ref_type, r.ref_id,
       r.reason, r.user_id, r.occurred_at
FROM json_populate_recordset(NULL::stock_movements, $4::json) r`,

	qVariantsByIDs: `SELECT v.id, v.product_id, v.sku, v.barcode, v.size, v.color, v.price, v.cost,
       v.reorder_point, p.name, p.tax_code
FROM variants v
JOIN products p ON p.company_id = v.company_id AND p.id = v.product_id
WHERE v.company_id = ` + companyFilter + ` AND v.id = ANY($1::uuid[])`,

	// qVariantsByFewIDs is qVariantsByIDs for up to fewIDs ids, each a
	// parameter (repeated to fill all eight): PostgreSQL then keeps a
	// generic plan for it, where it plans qVariantsByIDs afresh each time
	// (see fewTakes).
	qVariantsByFewIDs: `SELECT v.id, v.product_id, v.sku, v.barcode, v.size, v.color, v.price, v.cost,
       v.reorder_point, p.name, p.tax_code
FROM variants v
JOIN products p ON p.company_id = v.company_id AND p.id = v.product_id
WHERE v.company_id = ` + companyFilter + ` AND v.id IN ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::uuid)`,

	qVariantsByCodes: `SELECT id, sku, barcode FROM variants
WHERE company_id = ` + companyFilter + ` AND (sku = ANY($1::text[]) OR barcode = ANY($2::text[]))`,

	qVariantsOfProducts: `SELECT id, product_id, sku, barcode, size, color, price, cost, reorder_point, version
FROM variants
WHERE company_id = ` + companyFilter + ` AND product_id = ANY($1::uuid[])
ORDER BY product_id, sku`,

	// qVariantsJSON renders the variants of products for a list (see
	// variantJSON), so the list passes them through untouched.
	qVariantsJSON: `SELECT v.product_id, json_agg(` + variantJSON + ` ORDER BY v.sku) AS variants
FROM variants v
WHERE v.company_id = ` + companyFilter + ` AND v.product_id = ANY($1::uuid[])
GROUP BY v.product_id`,

	// qProductPage is a page of products by name with their variants, in
	// one statement: after the keyset ($3, $4), search_name below $1 and
	// LIKE $2 (a name prefix), at most $5 rows. The keyset starts the index
	// scan and $1 stops it, even under row-level security, where LIKE
	// cannot bound it; the keyset is one row comparison so that the scan
	// starts right at it (a second lower bound on search_name would not be
	// merged with it).
	qProductPage: `SELECT p.id, p.name, p.search_name, p.tax_code, p.attributes, p.version,
       coalesce((SELECT json_agg(` + variantJSON + ` ORDER BY v.sku)
                 FROM variants v WHERE v.company_id = p.company_id AND v.product_id = p.id), '[]') AS variants
FROM products p
WHERE p.company_id = ` + companyFilter + `
  AND (p.search_name, p.id) > ($3::text, $4::uuid) AND p.search_name < $1::text AND p.search_name LIKE $2::text
ORDER BY p.search_name, p.id
LIMIT $5::int`,

	qProductsByIDs: `SELECT id, name, tax_code, attributes, version, created_at, updated_at FROM products
WHERE company_id = ` + companyFilter + ` AND id = ANY($1::uuid[])`,

	qScan: `SELECT v.id AS variant_id, v.product_id, p.name AS product_name, v.sku, v.barcode, v.size, v.color,
       v.price, p.tax_code, coalesce(s.on_hand, 0) AS on_hand
FROM variants v
JOIN products p ON p.company_id = v.company_id AND p.id = v.product_id
LEFT JOIN stock s ON s.company_id = v.company_id AND s.variant_id = v.id AND s.location_id = $2::uuid
WHERE v.company_id = ` + companyFilter + ` AND (v.sku = $1::text OR v.barcode = $1::text)
ORDER BY v.sku = $1::text DESC
LIMIT 1`,

	qStockTotals: `SELECT variant_id, sum(on_hand) AS on_hand FROM stock
WHERE company_id = ` + companyFilter + ` AND variant_id = ANY($1::uuid[])
GROUP BY variant_id`,

	qIntegrity: `WITH m AS (
  SELECT variant_id, location_id, sum(quantity) AS total FROM stock_movements
  WHERE company_id = ` + companyFilter + ` GROUP BY variant_id, location_id
), s AS (
  SELECT variant_id, location_id, on_hand FROM stock WHERE company_id = ` + companyFilter + `
)
SELECT coalesce(s.variant_id, m.variant_id) AS variant_id, coalesce(s.location_id, m.location_id) AS location_id,
       coalesce(s.on_hand, 0) AS on_hand, coalesce(m.total, 0) AS movements
FROM s FULL JOIN m ON m.variant_id = s.variant_id AND m.location_id = s.location_id
WHERE coalesce(s.on_hand, 0) <> coalesce(m.total, 0)
ORDER BY 1, 2
LIMIT 500`,

	qIntegrityCounts: `SELECT (SELECT count(*) FROM stock WHERE company_id = ` + companyFilter + `) AS stock_rows,
       (SELECT count(*) FROM stock_movements WHERE company_id = ` + companyFilter + `) AS movements`,

	qSessionForSale: `SELECT id, register_id, location_id, status FROM cash_sessions
WHERE company_id = ` + companyFilter + ` AND id = $1::uuid
FOR SHARE`,

	qSessionExpected: `SELECT p.method, sum(p.amount - p.change) AS amount
FROM payments p
JOIN sales s ON s.company_id = p.company_id AND s.id = p.sale_id
WHERE p.company_id = ` + companyFilter + ` AND p.session_id = $1::uuid
  AND (p.return_id IS NOT NULL OR s.status NOT IN ('voided', 'pending_payment'))
GROUP BY p.method
ORDER BY p.method`,

	qSessionSales: `SELECT count(*) FILTER (WHERE status NOT IN ('voided', 'pending_payment')) AS sales,
       coalesce(sum(total) FILTER (WHERE status NOT IN ('voided', 'pending_payment')), 0) AS total,
       count(*) FILTER (WHERE status = 'voided') AS voided
FROM sales WHERE company_id = ` + companyFilter + ` AND session_id = $1::uuid`,

	// qMPRefundsPending lists the refunds through Mercado Pago still to
	// send, oldest first ($1: how many).
	qMPRefundsPending: `SELECT id, sale_id, return_id, payment_id, host_payment_id, amount, idempotency_key, status
FROM mp_refunds
WHERE company_id = ` + companyFilter + ` AND status = 'pending'
ORDER BY created_at, id
LIMIT $1::int`,

	// qMPRefundSettle settles a pending refund ($2 refunded or failed, $3
	// the refusal's code); a settled one stays as it is.
	qMPRefundSettle: `UPDATE mp_refunds SET status = $2::text, error_code = $3::text, updated_at = now()
WHERE company_id = ` + companyFilter + ` AND id = $1::uuid AND status = 'pending'`,

	// qOpenSessionOfSale finds the session open now on the register of
	// sale $1 and holds it open (FOR SHARE, as a checkout does).
	qOpenSessionOfSale: `SELECT cs.id, cs.register_id, cs.location_id, cs.status
FROM sales s
JOIN cash_sessions cs ON cs.company_id = s.company_id AND cs.register_id = s.register_id AND cs.status = 'open'
WHERE s.company_id = ` + companyFilter + ` AND s.id = $1::uuid
FOR SHARE OF cs`,

	// qMoveSalePayments moves the tenders of sale $1 to session $2.
	qMoveSalePayments: `UPDATE payments SET session_id = $2::uuid
WHERE company_id = ` + companyFilter + ` AND sale_id = $1::uuid AND return_id IS NULL`,

	qSaleForUpdate: saleState + `
FOR UPDATE OF s FOR SHARE OF cs`,

	qSaleState: saleState,

	qSaleHeader: `SELECT s.id, s.session_id, s.register_id, s.location_id, s.user_id, s.cashier_email, s.customer_id,
       s.customer_name, s.customer_tax_id, s.status, s.currency, s.prices_include_tax, s.subtotal, s.discount,
       s.net, s.tax, s.total, s.paid, s.change, s.refunded, s.occurred_at,
       l.name AS location_name, r.name AS register_name
FROM sales s
JOIN locations l ON l.company_id = s.company_id AND l.id = s.location_id
JOIN registers r ON r.company_id = s.company_id AND r.id = s.register_id
WHERE s.company_id = ` + companyFilter + ` AND s.id = $1::uuid`,

	qConsignmentLines: `SELECT cl.id, cl.line_no, cl.variant_id, cl.quantity, cl.unit_price, cl.unit_cost, cl.tax_code,
       cl.sold_quantity, cl.returned_quantity, v.sku, v.cost AS current_cost
FROM consignment_lines cl
JOIN variants v ON v.company_id = cl.company_id AND v.id = cl.variant_id
WHERE cl.company_id = ` + companyFilter + ` AND cl.consignment_id = $1::uuid
ORDER BY cl.line_no`,

	qReportTopProducts: `SELECT sl.variant_id::text AS key, min(sl.sku) AS sku, min(sl.description) AS label,
       sum(sl.quantity - sl.returned_quantity) AS quantity,
       sum(sl.total - sl.refunded_net - sl.refunded_tax) AS total
FROM sale_lines sl
JOIN sales s ON s.company_id = sl.company_id AND s.id = sl.sale_id
WHERE sl.company_id = ` + companyFilter + ` AND s.status NOT IN ('voided', 'pending_payment') AND ` + saleRange + `
GROUP BY sl.variant_id ORDER BY total DESC, quantity DESC, key
LIMIT $4::int`,

	qReportLowStock: `SELECT v.id AS variant_id, v.sku, p.name AS product_name, st.location_id, l.name AS location_name,
       st.on_hand, v.reorder_point
FROM stock st
JOIN variants v ON v.company_id = st.company_id AND v.id = st.variant_id
JOIN products p ON p.company_id = v.company_id AND p.id = v.product_id
JOIN locations l ON l.company_id = st.company_id AND l.id = st.location_id
WHERE st.company_id = ` + companyFilter + ` AND l.kind <> 'consignee' AND v.reorder_point > 0
  AND st.on_hand <= v.reorder_point AND ($1::uuid IS NULL OR st.location_id = $1::uuid)
  AND ($2::numeric IS NULL OR (st.on_hand - v.reorder_point, v.sku, st.location_id) > ($2::numeric, $3::text, $4::uuid))
ORDER BY st.on_hand - v.reorder_point, v.sku, st.location_id
LIMIT $5::int`,

	qReportCashSessions: `SELECT cs.id, cs.register_id, r.name AS register_name, cs.location_id, cs.status, cs.opening_float,
       cs.opened_at, cs.closed_at, cs.expected_total, cs.counted_total, cs.difference_total,
       (SELECT count(*) FROM sales s WHERE s.company_id = cs.company_id AND s.session_id = cs.id AND s.status NOT IN ('voided', 'pending_payment')) AS sales,
       (SELECT coalesce(sum(s.total), 0) FROM sales s WHERE s.company_id = cs.company_id AND s.session_id = cs.id AND s.status NOT IN ('voided', 'pending_payment')) AS sales_total
FROM cash_sessions cs
JOIN registers r ON r.company_id = cs.company_id AND r.id = cs.register_id
WHERE cs.company_id = ` + companyFilter + `
  AND cs.opened_at >= ($1::date)::timestamp AT TIME ZONE $3::text
  AND cs.opened_at < ($2::date + 1)::timestamp AT TIME ZONE $3::text
  AND ($4::timestamptz IS NULL OR (cs.opened_at, cs.id) > ($4::timestamptz, $5::uuid))
ORDER BY cs.opened_at, cs.id
LIMIT $6::int`,

	qReportConsignmentAging: `SELECT * FROM (` + agingLines + `) a
WHERE $2::timestamptz IS NULL OR (a.sent_at, a.consignment_id, a.line_no) > ($2::timestamptz, $3::uuid, $4::int)
ORDER BY a.sent_at, a.consignment_id, a.line_no
LIMIT $5::int`,

	// Each line's values are rounded to the currency ($2 decimals) before
	// they are summed, as the report's rows show them.
	qReportAgingBuckets: `SELECT a.bucket, sum(round(a.outstanding * a.unit_cost, $2::int)) AS value_at_cost,
       sum(round(a.outstanding * a.unit_price, $2::int)) AS value_at_price
FROM (` + agingLines + `) a
GROUP BY a.bucket ORDER BY min(a.days_out)`,
})

// universalSources map sales and consignments into the platform's universal
// transactions (company_id, transaction_type, source_id, occurred_at,
// amount, currency, status). Sales keep their own total and status
// (completed, partially_returned, returned, voided; a sale still waiting
// for Mercado Pago is a draft, no revenue yet); each return is a
// cpg_pos row of its own with a negative amount and status "refund", so
// summing non-voided rows gives net sales. Consigned goods stay the
// company's until the consignee reports them sold: each sales report is a
// cpg_consignment row at the agreed prices, on the day it was reported.
// Sending and returning goods move no revenue, and settlements are
// payments of what was reported, not revenue.
var universalSources = map[string]string{
	"cpg_pos": `SELECT company_id, 'cpg_pos'::text AS transaction_type, id AS source_id, occurred_at,
       total AS amount, currency, CASE status WHEN 'pending_payment' THEN 'draft' ELSE status END AS status
FROM cpg.sales
UNION ALL
SELECT r.company_id, 'cpg_pos'::text, r.id, r.occurred_at, -r.total, s.currency, 'refund'::text
FROM cpg.returns r
JOIN cpg.sales s ON s.company_id = r.company_id AND s.id = r.sale_id`,
	"cpg_consignment": `SELECT r.company_id, 'cpg_consignment'::text AS transaction_type, r.id AS source_id,
       r.occurred_at, r.total AS amount, c.currency, 'sold'::text AS status
FROM cpg.consignment_reports r
JOIN cpg.consignments c ON c.company_id = r.company_id AND c.id = r.consignment_id`,
}
