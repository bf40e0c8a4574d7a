package banking

// All of the package's SQL. Everything but selectCompanyZoneSQL runs
// inside store.TenantTx (row-level security applies) and also filters
// company_id explicitly. companies has no company_id and nexus_tenant has
// no grant on it, so selectCompanyZoneSQL runs on the pool. Optional
// filters are bound as NULL when absent. The only text substituted into
// SQL (the payment queries' %s) is the UNION ALL of the payment sources'
// SELECTs, which come from installed verticals' manifests and are checked
// by SetPaymentSources, never from an API client.

const selectCompanyZoneSQL = `SELECT timezone FROM companies WHERE id = $1`

// lockReconcileSQL serializes, per company, everything that creates or
// undoes matches ($1 is a key derived from the company id).
const lockReconcileSQL = `SELECT pg_advisory_xact_lock($1)`

const accountColumns = `id, name, bank, currency, account_last4, csv_mapping, created_at, updated_at`

const (
	insertAccountSQL = `
INSERT INTO bank_accounts (company_id, name, bank, currency, account_last4, csv_mapping, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING ` + accountColumns

	selectAccountSQL = `SELECT ` + accountColumns + ` FROM bank_accounts WHERE company_id = $1 AND id = $2`

	// listAccountsSQL pages by (name, id); $2 and $3 are the last row of
	// the previous page, NULL for the first.
	listAccountsSQL = `
SELECT ` + accountColumns + `
FROM bank_accounts
WHERE company_id = $1 AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
ORDER BY name, id
LIMIT $4`

	updateMappingSQL = `
UPDATE bank_accounts SET csv_mapping = $3, updated_at = now()
WHERE company_id = $1 AND id = $2
RETURNING ` + accountColumns
)

const (
	insertBatchSQL = `
INSERT INTO bank_import_batches (company_id, account_id, format, filename, sha256, imported, duplicates, rejected, rejections, created_by)
VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8)
RETURNING id, created_at`

	// insertMovementsSQL inserts the lines of a batch, skipping those
	// whose dedupe hash the account already has (or that repeat within
	// the batch), and returns one row per line inserted.
	insertMovementsSQL = `
INSERT INTO bank_movements (company_id, account_id, batch_id, currency, posted_on, amount, description, reference, fitid, dedupe_hash)
SELECT $1, $2, $3, $4, l.posted_on, l.amount, l.description, l.reference, l.fitid, l.dedupe_hash
FROM unnest($5::date[], $6::numeric[], $7::text[], $8::text[], $9::text[], $10::bytea[])
     AS l (posted_on, amount, description, reference, fitid, dedupe_hash)
ON CONFLICT (company_id, account_id, dedupe_hash) DO NOTHING
RETURNING id`

	updateBatchCountsSQL = `
UPDATE bank_import_batches SET imported = $3, duplicates = $4
WHERE company_id = $1 AND id = $2`

	batchColumns = `id, account_id, format, filename, imported, duplicates, rejected, rejections, created_by, created_at`

	// listBatchesSQL pages by (created_at, id), newest first.
	listBatchesSQL = `
SELECT ` + batchColumns + `
FROM bank_import_batches
WHERE company_id = $1 AND account_id = $2
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5`
)

const movementColumns = `id, account_id, batch_id, posted_on, amount, currency, kind, description, reference, coalesce(fitid, ''), status, created_at`

const (
	// listMovementsSQL pages by (posted_on, id), newest first.
	listMovementsSQL = `
SELECT ` + movementColumns + `
FROM bank_movements
WHERE company_id = $1
  AND ($2::uuid IS NULL OR account_id = $2)
  AND ($3::date IS NULL OR posted_on >= $3)
  AND ($4::date IS NULL OR posted_on <= $4)
  AND ($5::text IS NULL OR status = $5)
  AND ($6::date IS NULL OR (posted_on, id) < ($6, $7::uuid))
ORDER BY posted_on DESC, id DESC
LIMIT $8`

	selectMovementForUpdateSQL = `
SELECT ` + movementColumns + `
FROM bank_movements WHERE company_id = $1 AND id = $2
FOR UPDATE`

	// unreconciledMovementsSQL is what a reconciliation run examines,
	// oldest first.
	unreconciledMovementsSQL = `
SELECT id, posted_on, amount, currency, description, reference
FROM bank_movements
WHERE company_id = $1 AND status = 'unreconciled'
  AND ($2::uuid IS NULL OR account_id = $2)
  AND ($3::date IS NULL OR posted_on >= $3)
  AND ($4::date IS NULL OR posted_on <= $4)
ORDER BY posted_on, id
LIMIT $5`

	setMovementStatusSQL = `
UPDATE bank_movements SET status = $3 WHERE company_id = $1 AND id = $2`
)

const (
	// openInvoicesSQL lists the valid invoices of tipo I or E, with Fecha
	// in [$2, $3), that no live match pays yet.
	openInvoicesSQL = `
SELECT i.id, i.uuid, i.serie, i.folio, i.fecha, i.tipo, i.direction, i.emisor_rfc, i.receptor_rfc, i.total, i.moneda
FROM sat_invoices i
WHERE i.company_id = $1 AND i.status = 'valid' AND i.tipo IN ('I', 'E')
  AND i.fecha >= $2 AND i.fecha < $3
  AND NOT EXISTS (SELECT 1 FROM bank_match_invoices mi
                  WHERE mi.company_id = i.company_id AND mi.invoice_id = i.id AND mi.undone_at IS NULL)
ORDER BY i.fecha, i.id
LIMIT $4`

	// selectInvoicesForMatchSQL reads the invoices of a manual match and
	// the live match already paying each, if any.
	selectInvoicesForMatchSQL = `
SELECT i.id, i.uuid, i.serie, i.folio, i.fecha, i.tipo, i.direction, i.emisor_rfc, i.receptor_rfc, i.total, i.moneda,
       i.status, mi.match_id
FROM sat_invoices i
LEFT JOIN bank_match_invoices mi
       ON mi.company_id = i.company_id AND mi.invoice_id = i.id AND mi.undone_at IS NULL
WHERE i.company_id = $1 AND i.id = ANY($2)
FOR UPDATE OF i`
)

const matchColumns = `id, movement_id, target, invoice_ids, payment_sources, payment_ids, score, reasons, difference, method, note,
actor_id, created_at, undone_at, undone_by`

const (
	insertMatchSQL = `
INSERT INTO bank_matches (company_id, movement_id, target, invoice_ids, payment_sources, payment_ids, score, reasons, difference,
                          method, note, actor_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING ` + matchColumns

	insertMatchInvoicesSQL = `
INSERT INTO bank_match_invoices (company_id, match_id, invoice_id)
SELECT $1, $2, unnest($3::uuid[])`

	insertMatchPaymentsSQL = `
INSERT INTO bank_match_payments (company_id, match_id, source, payment_id)
SELECT $1, $2, u.source, u.payment_id FROM unnest($3::text[], $4::uuid[]) AS u (source, payment_id)`

	liveMatchOfMovementSQL = `
SELECT id FROM bank_matches WHERE company_id = $1 AND movement_id = $2 AND undone_at IS NULL`

	selectMatchForUpdateSQL = `
SELECT ` + matchColumns + ` FROM bank_matches WHERE company_id = $1 AND id = $2 FOR UPDATE`

	undoMatchSQL = `
UPDATE bank_matches SET undone_at = now(), undone_by = $3
WHERE company_id = $1 AND id = $2
RETURNING ` + matchColumns

	undoMatchInvoicesSQL = `
UPDATE bank_match_invoices SET undone_at = now()
WHERE company_id = $1 AND match_id = $2 AND undone_at IS NULL`

	undoMatchPaymentsSQL = `
UPDATE bank_match_payments SET undone_at = now()
WHERE company_id = $1 AND match_id = $2 AND undone_at IS NULL`

	// listMatchesSQL pages by (created_at, id), newest first.
	listMatchesSQL = `
SELECT ` + matchColumns + `
FROM bank_matches
WHERE company_id = $1
  AND ($2::uuid IS NULL OR movement_id = $2)
  AND ($3::uuid IS NULL OR invoice_ids @> ARRAY[$3::uuid])
  AND ($4::uuid IS NULL OR payment_ids @> ARRAY[$4::uuid])
  AND ($5::bool OR undone_at IS NULL)
  AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $7::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $8`
)

const (
	// reportMovementsSQL pages the unreconciled movements by (posted_on,
	// id), oldest first.
	reportMovementsSQL = `
SELECT ` + movementColumns + `
FROM bank_movements
WHERE company_id = $1 AND status = 'unreconciled'
  AND ($2::uuid IS NULL OR account_id = $2)
  AND ($3::date IS NULL OR posted_on >= $3)
  AND ($4::date IS NULL OR posted_on <= $4)
  AND ($5::date IS NULL OR (posted_on, id) > ($5, $6::uuid))
ORDER BY posted_on, id
LIMIT $7`

	// reportMovementTotalsSQL sums the unreconciled movements per
	// currency.
	reportMovementTotalsSQL = `
SELECT currency, count(*), coalesce(sum(amount) FILTER (WHERE amount > 0), 0), coalesce(sum(amount) FILTER (WHERE amount < 0), 0)
FROM bank_movements
WHERE company_id = $1 AND status = 'unreconciled'
  AND ($2::uuid IS NULL OR account_id = $2)
  AND ($3::date IS NULL OR posted_on >= $3)
  AND ($4::date IS NULL OR posted_on <= $4)
GROUP BY currency
ORDER BY currency`

	// openInvoicesFilter selects the invoices no live match pays, with
	// Fecha in [$2, $3) when given.
	openInvoicesFilter = `
FROM sat_invoices i
WHERE i.company_id = $1 AND i.status = 'valid' AND i.tipo IN ('I', 'E')
  AND ($2::timestamptz IS NULL OR i.fecha >= $2)
  AND ($3::timestamptz IS NULL OR i.fecha < $3)
  AND NOT EXISTS (SELECT 1 FROM bank_match_invoices mi
                  WHERE mi.company_id = i.company_id AND mi.invoice_id = i.id AND mi.undone_at IS NULL)`

	// reportInvoicesSQL pages the open invoices by (fecha, id), oldest
	// first.
	reportInvoicesSQL = `
SELECT i.id, i.uuid, i.serie, i.folio, i.fecha, i.tipo, i.direction, i.emisor_rfc, i.receptor_rfc, i.total, i.moneda` +
		openInvoicesFilter + `
  AND ($4::timestamptz IS NULL OR (i.fecha, i.id) > ($4, $5::uuid))
ORDER BY i.fecha, i.id
LIMIT $6`

	// reportInvoiceTotalsSQL sums the open invoices per currency and
	// direction.
	reportInvoiceTotalsSQL = `
SELECT i.moneda, i.direction, count(*), coalesce(sum(i.total), 0)` + openInvoicesFilter + `
GROUP BY i.moneda, i.direction
ORDER BY i.moneda, i.direction`
)

// The payment queries are templates: %s is the UNION ALL of the payment
// sources (see paymentQuery), whose rows have the columns of
// paymentColumns.
const (
	// paymentBranchSQL is one source's branch of that UNION ALL: its
	// SELECT (the second %s) with the source's name (the first, a quoted
	// literal) stamped on every row.
	paymentBranchSQL = `SELECT s.company_id, %s::text AS source, s.payment_id, s.occurred_at, s.amount, s.currency, s.method,
       s.reference, s.document_id
FROM (%s) AS s`

	// openPaymentsFilter selects $1's payments that no live match claims.
	openPaymentsFilter = `
FROM (%s) AS p
WHERE p.company_id = $1 AND p.amount <> 0
  AND NOT EXISTS (SELECT 1 FROM bank_match_payments mp
                  WHERE mp.company_id = p.company_id AND mp.source = p.source AND mp.payment_id = p.payment_id
                    AND mp.undone_at IS NULL)`

	paymentColumnsSQL = `p.source, p.payment_id, p.occurred_at, p.amount, p.currency, p.method, coalesce(p.reference, ''), p.document_id`

	// openPaymentsSQL lists the open payments with occurred_at in [$2,
	// $3), oldest first.
	openPaymentsSQL = `
SELECT ` + paymentColumnsSQL + openPaymentsFilter + `
  AND p.occurred_at >= $2 AND p.occurred_at < $3
ORDER BY p.occurred_at, p.source, p.payment_id
LIMIT $4`

	// selectPaymentsForMatchSQL reads the payments of a manual match (the
	// pairs of $2 and $3) and the live match claiming each, if any.
	selectPaymentsForMatchSQL = `
SELECT ` + paymentColumnsSQL + `, mp.match_id
FROM (%s) AS p
LEFT JOIN bank_match_payments mp
       ON mp.company_id = p.company_id AND mp.source = p.source AND mp.payment_id = p.payment_id AND mp.undone_at IS NULL
WHERE p.company_id = $1 AND (p.source, p.payment_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))`

	// reportPaymentsSQL pages the open payments with occurred_at in [$2,
	// $3) when given, by (occurred_at, source, payment_id), oldest first.
	reportPaymentsSQL = `
SELECT ` + paymentColumnsSQL + openPaymentsFilter + `
  AND ($2::timestamptz IS NULL OR p.occurred_at >= $2)
  AND ($3::timestamptz IS NULL OR p.occurred_at < $3)
  AND ($4::timestamptz IS NULL OR (p.occurred_at, p.source, p.payment_id) > ($4, $5::text, $6::uuid))
ORDER BY p.occurred_at, p.source, p.payment_id
LIMIT $7`

	// reportPaymentTotalsSQL sums the open payments per currency and
	// method.
	reportPaymentTotalsSQL = `
SELECT p.currency, p.method, count(*), coalesce(sum(p.amount) FILTER (WHERE p.amount > 0), 0),
       coalesce(sum(p.amount) FILTER (WHERE p.amount < 0), 0)` + openPaymentsFilter + `
  AND ($2::timestamptz IS NULL OR p.occurred_at >= $2)
  AND ($3::timestamptz IS NULL OR p.occurred_at < $3)
GROUP BY p.currency, p.method
ORDER BY p.currency, p.method`
)
