package seed

// tables lists every host table the seed loads with COPY, in an order
// that satisfies the foreign keys, and the columns it writes: the CFDI
// tables of the host's reporting migration.
var tables = []struct {
	name string
	cols []string
}{
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
)
