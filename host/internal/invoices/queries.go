package invoices

// All of the package's SQL. Everything but selectCompanySQL runs inside
// store.TenantTx (row-level security applies) and also filters company_id
// explicitly. companies has no company_id and nexus_tenant has no grant on
// it, so selectCompanySQL runs on the pool.

const selectCompanySQL = `SELECT tax_id, timezone FROM companies WHERE id = $1`

const (
	// insertInvoiceSQL inserts an invoice unless its UUID is already
	// stored for the company; then it returns no row.
	insertInvoiceSQL = `
INSERT INTO sat_invoices (
    company_id, uuid, version, serie, folio, fecha, tipo, direction,
    emisor_rfc, emisor_nombre, emisor_regimen,
    receptor_rfc, receptor_nombre, receptor_domicilio, receptor_regimen, uso_cfdi,
    lugar_expedicion, exportacion, moneda, tipo_cambio,
    subtotal, descuento, total_traslados, total_retenciones, total,
    forma_pago, metodo_pago, fecha_timbrado, rfc_prov_certif, sello_sat,
    warnings, raw_xml, raw_sha256, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
        $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)
ON CONFLICT (company_id, uuid) DO NOTHING
RETURNING id`

	// selectInvoiceByUUIDSQL finds the invoice already stored under a UUID
	// and the hash of its raw XML.
	selectInvoiceByUUIDSQL = `
SELECT id, raw_sha256 FROM sat_invoices WHERE company_id = $1 AND uuid = $2`

	insertLineSQL = `
INSERT INTO sat_invoice_lines (
    company_id, invoice_id, line_no, clave_prod_serv, no_identificacion, cantidad,
    clave_unidad, unidad, descripcion, valor_unitario, importe, descuento, objeto_imp)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

	insertTaxSQL = `
INSERT INTO sat_invoice_taxes (
    company_id, invoice_id, tax_no, line_no, kind, impuesto, tipo_factor, tasa, base, importe)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

	insertRelationSQL = `
INSERT INTO sat_invoice_relations (company_id, invoice_id, relation_no, tipo_relacion, related_uuid)
VALUES ($1, $2, $3, $4, $5)`

	insertPaymentSQL = `
INSERT INTO sat_invoice_payments (
    company_id, invoice_id, payment_no, fecha_pago, forma_pago, moneda, tipo_cambio, monto, num_operacion)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

	insertPaymentDocSQL = `
INSERT INTO sat_invoice_payment_docs (
    company_id, invoice_id, payment_no, doc_no, id_documento, serie, folio, moneda,
    equivalencia, num_parcialidad, imp_saldo_ant, imp_pagado, imp_saldo_insoluto)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
)

// invoiceColumns are the columns scanned by scanInvoice, in order.
const invoiceColumns = `
    id, uuid, version, serie, folio, fecha, tipo, direction,
    emisor_rfc, emisor_nombre, emisor_regimen,
    receptor_rfc, receptor_nombre, receptor_domicilio, receptor_regimen, uso_cfdi,
    lugar_expedicion, exportacion, moneda, tipo_cambio,
    subtotal, descuento, total_traslados, total_retenciones, total,
    forma_pago, metodo_pago, fecha_timbrado, rfc_prov_certif,
    status, cancelled_at, warnings, created_at`

const (
	selectInvoiceSQL = `SELECT` + invoiceColumns + `, sello_sat
FROM sat_invoices WHERE company_id = $1 AND id = $2`

	selectLinesSQL = `
SELECT line_no, clave_prod_serv, no_identificacion, cantidad, clave_unidad, unidad,
       descripcion, valor_unitario, importe, descuento, objeto_imp
FROM sat_invoice_lines WHERE company_id = $1 AND invoice_id = $2
ORDER BY line_no`

	selectTaxesSQL = `
SELECT line_no, kind, impuesto, tipo_factor, tasa, base, importe
FROM sat_invoice_taxes WHERE company_id = $1 AND invoice_id = $2
ORDER BY tax_no`

	selectRelationsSQL = `
SELECT tipo_relacion, related_uuid
FROM sat_invoice_relations WHERE company_id = $1 AND invoice_id = $2
ORDER BY relation_no`

	selectPaymentsSQL = `
SELECT payment_no, fecha_pago, forma_pago, moneda, tipo_cambio, monto, num_operacion
FROM sat_invoice_payments WHERE company_id = $1 AND invoice_id = $2
ORDER BY payment_no`

	selectPaymentDocsSQL = `
SELECT payment_no, id_documento, serie, folio, moneda, equivalencia, num_parcialidad,
       imp_saldo_ant, imp_pagado, imp_saldo_insoluto
FROM sat_invoice_payment_docs WHERE company_id = $1 AND invoice_id = $2
ORDER BY payment_no, doc_no`

	selectHistorySQL = `
SELECT from_status, to_status, event, coalesce(note, ''), actor_id, at
FROM status_history
WHERE company_id = $1 AND vertical = 'host' AND table_name = 'sat_invoices' AND row_id = $2
ORDER BY at, id`

	selectRawXMLSQL = `
SELECT uuid, raw_xml FROM sat_invoices WHERE company_id = $1 AND id = $2`
)

// The list query is assembled from these fixed pieces: listBaseSQL, then
// one condition per filter given (each formatted with the positions of its
// bound values), then listOrderSQL with the limit's position.
const (
	listBaseSQL       = `SELECT` + invoiceColumns + ` FROM sat_invoices WHERE company_id = $1`
	listFromCond      = ` AND fecha >= $%d`
	listToCond        = ` AND fecha < $%d`
	listTipoCond      = ` AND tipo = ANY($%d)`
	listDirectionCond = ` AND direction = $%d`
	listRFCCond       = ` AND (emisor_rfc = $%[1]d OR receptor_rfc = $%[1]d)`
	listStatusCond    = ` AND status = $%d`
	listUUIDCond      = ` AND uuid = $%d`
	listAfterCond     = ` AND (fecha, id) < ($%d, $%d)`
	listOrderSQL      = ` ORDER BY fecha DESC, id DESC LIMIT $%d`
)

const (
	// lockInvoiceSQL reads an invoice's status and locks the row for the
	// transition.
	lockInvoiceSQL = `
SELECT status FROM sat_invoices WHERE company_id = $1 AND id = $2 FOR UPDATE`

	// liveMatchSQL finds the live bank match paying an invoice, if any.
	liveMatchSQL = `
SELECT match_id FROM bank_match_invoices
WHERE company_id = $1 AND invoice_id = $2 AND undone_at IS NULL`

	cancelInvoiceSQL = `
UPDATE sat_invoices SET status = 'cancelled', cancelled_at = now()
WHERE company_id = $1 AND id = $2`

	insertHistorySQL = `
INSERT INTO status_history (company_id, vertical, table_name, row_id, from_status, to_status, event, note, actor_id)
VALUES ($1, 'host', 'sat_invoices', $2, $3, $4, $5, $6, $7)`
)
