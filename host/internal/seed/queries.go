package seed

// tables lists every table the seed loads with COPY, in an order that
// satisfies the foreign keys, and the columns it writes. The CPG tables
// follow plugins/cpg/migrations/0001_cpg.up.sql; the invoice tables the
// host's reporting migration.
var tables = []struct {
	name string
	cols []string
}{
	{"cpg.locations", []string{"company_id", "id", "name", "name_key", "kind", "customer_id", "is_default", "created_at"}},
	{"cpg.customers", []string{"company_id", "id", "name", "tax_id", "email", "location_id", "created_at"}},
	{"cpg.products", []string{"company_id", "id", "name", "search_name", "tax_code", "attributes", "created_at", "updated_at"}},
	{"cpg.variants", []string{"company_id", "id", "product_id", "sku", "barcode", "size", "color", "price", "cost",
		"reorder_point", "created_at", "updated_at"}},
	{"cpg.registers", []string{"company_id", "id", "location_id", "name", "created_at"}},
	{"cpg.cash_sessions", []string{"company_id", "id", "register_id", "location_id", "status", "opening_float",
		"opened_by", "opened_at", "closed_by", "closed_at", "updated_at"}},
	{"cpg.suppliers", []string{"company_id", "id", "name", "tax_id", "email", "created_at"}},
	{"cpg.purchase_orders", []string{"company_id", "id", "supplier_id", "location_id", "status", "currency", "note",
		"total_cost", "created_by", "created_at", "updated_at"}},
	{"cpg.purchase_order_lines", []string{"company_id", "id", "purchase_order_id", "line_no", "variant_id", "quantity",
		"unit_cost", "received_quantity"}},
	{"cpg.purchase_receipts", []string{"company_id", "id", "purchase_order_id", "location_id", "lines", "user_id", "occurred_at"}},
	{"cpg.consignments", []string{"company_id", "id", "customer_id", "source_location_id", "location_id", "status",
		"currency", "note", "value_at_price", "value_at_cost", "created_by", "created_at", "sent_at", "updated_at"}},
	{"cpg.consignment_lines", []string{"company_id", "id", "consignment_id", "line_no", "variant_id", "quantity",
		"unit_price", "unit_cost", "tax_code"}},
	{"cpg.sales", []string{"company_id", "id", "session_id", "register_id", "location_id", "user_id", "cashier_email",
		"customer_id", "customer_name", "customer_tax_id", "status", "currency", "prices_include_tax", "subtotal",
		"discount", "net", "tax", "total", "paid", "change", "occurred_at", "updated_at"}},
	{"cpg.sale_lines", []string{"company_id", "id", "sale_id", "line_no", "variant_id", "product_id", "sku",
		"description", "quantity", "list_price", "unit_price", "unit_cost", "tax_code", "tax_rate", "gross",
		"line_discount", "document_discount", "net", "tax", "total"}},
	{"cpg.payments", []string{"company_id", "id", "session_id", "sale_id", "line_no", "method", "amount", "change",
		"reference", "occurred_at"}},
	{"cpg.stock_movements", []string{"company_id", "id", "variant_id", "location_id", "kind", "quantity", "unit_cost",
		"ref_type", "ref_id", "user_id", "occurred_at"}},
	{"cpg.stock", []string{"company_id", "id", "variant_id", "location_id", "on_hand", "updated_at"}},
	{"cpg.cash_session_counts", []string{"company_id", "id", "session_id", "method", "expected", "counted", "difference"}},
	{"public.sat_invoices", []string{"company_id", "id", "uuid", "version", "serie", "folio", "fecha", "tipo",
		"direction", "emisor_rfc", "emisor_nombre", "emisor_regimen", "receptor_rfc", "receptor_nombre",
		"receptor_domicilio", "receptor_regimen", "uso_cfdi", "lugar_expedicion", "exportacion", "moneda", "subtotal",
		"descuento", "total_traslados", "total", "forma_pago", "metodo_pago", "fecha_timbrado", "rfc_prov_certif",
		"sello_sat", "raw_xml", "raw_sha256", "created_at"}},
	{"public.sat_invoice_lines", []string{"company_id", "invoice_id", "line_no", "clave_prod_serv", "no_identificacion",
		"cantidad", "clave_unidad", "unidad", "descripcion", "valor_unitario", "importe", "objeto_imp"}},
	{"public.sat_invoice_taxes", []string{"company_id", "invoice_id", "tax_no", "line_no", "kind", "impuesto",
		"tipo_factor", "tasa", "base", "importe"}},
}

const (
	// seedOwnersSQL counts the owners of seeded companies: a database with
	// any already holds seed data.
	seedOwnersSQL = `SELECT count(*) FROM public.users WHERE email LIKE 'owner+%@` + emailDomain + `'`

	// setTenantSQL confines the transaction to one company for row-level
	// security when the host's role does not bypass it.
	setTenantSQL = `SELECT set_config('app.company_id', $1, true)`

	// fastCommitSQL skips waiting for the WAL flush: a crashed seed is simply
	// run again.
	fastCommitSQL = `SET LOCAL synchronous_commit = off`

	// skipTriggersSQL turns off triggers, foreign-key checks included, for
	// the transaction when the role is a superuser, and does nothing
	// otherwise.
	skipTriggersSQL = `SELECT set_config('session_replication_role', 'replica', true)
FROM pg_roles WHERE rolname = current_user AND rolsuper`

	// ensurePrincipalSQL creates the company's default location as the CPG
	// vertical does on first use.
	ensurePrincipalSQL = `INSERT INTO cpg.locations (company_id, id, name, name_key, kind, is_default, created_at)
VALUES ($1, $2, 'Principal', 'principal', 'store', true, $3)
ON CONFLICT DO NOTHING`

	// closeSessionsSQL records the close totals of a company's sessions.
	closeSessionsSQL = `UPDATE cpg.cash_sessions s
SET expected_total = v.expected, counted_total = v.counted, difference_total = v.counted - v.expected
FROM unnest($2::uuid[], $3::numeric[], $4::numeric[]) AS v(id, expected, counted)
WHERE s.company_id = $1 AND s.id = v.id`
)
