package fiscal

// SQL used by the package. Every value is bound; every statement names its
// company and runs in a tenant transaction of that company.
const (
	qGetSettings = `
SELECT environment, auto_issue, config, updated_at
FROM public.fiscal_settings WHERE company_id = $1`

	qPutSettings = `
INSERT INTO public.fiscal_settings (company_id, environment, auto_issue, config)
VALUES ($1, $2, $3, $4)
ON CONFLICT (company_id) DO UPDATE
SET environment = excluded.environment, auto_issue = excluded.auto_issue,
    config = excluded.config, updated_at = now()
RETURNING updated_at`

	// documentColumns are the columns scanDocument reads, in its order.
	documentColumns = `company_id, id, vertical, source_id, kind, status, country, currency, total, customer_tax_id,
related_id, series, number, authorization_code, authorization_expires::text, authorized_at,
details, messages, cancel_reason, cancelled_at, created_at, updated_at, input, attempt, legal_document`

	// qInsertDraft stores a new draft; nothing when the (vertical, source,
	// kind) has a document already.
	qInsertDraft = `
INSERT INTO public.fiscal_documents (company_id, vertical, source_id, kind, status, country, input, input_hash,
    currency, total, customer_tax_id, related_id)
VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (company_id, vertical, source_id, kind) DO NOTHING
RETURNING ` + documentColumns

	qBySource = `
SELECT input_hash, ` + documentColumns + `
FROM public.fiscal_documents
WHERE company_id = $1 AND vertical = $2 AND source_id = $3 AND kind = $4`

	qGet = `SELECT ` + documentColumns + ` FROM public.fiscal_documents WHERE company_id = $1 AND id = $2`

	// qLock reads a document for a transition, holding its row.
	qLock = `SELECT ` + documentColumns + ` FROM public.fiscal_documents WHERE company_id = $1 AND id = $2 FOR UPDATE`

	// qPending lists the documents of a series whose last request's
	// outcome is unknown, oldest first.
	qPending = `
SELECT id FROM public.fiscal_documents
WHERE company_id = $1 AND series = $2 AND attempt IS NOT NULL AND status = 'requested'
ORDER BY (attempt->>'number')::bigint, id`

	qRequested = `
UPDATE public.fiscal_documents
SET status = 'requested', series = $3, attempt = $4, updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qNotIssued forgets an attempt the authority has no record of.
	qNotIssued = `
UPDATE public.fiscal_documents SET attempt = NULL, updated_at = now()
WHERE company_id = $1 AND id = $2`

	qAuthorized = `
UPDATE public.fiscal_documents
SET status = 'authorized', series = $3, number = $4, authorization_code = $5, authorization_expires = $6::date,
    authorized_at = now(), legal_document = $7, details = $8, messages = $9, attempt = NULL, updated_at = now()
WHERE company_id = $1 AND id = $2`

	qRejected = `
UPDATE public.fiscal_documents
SET status = 'rejected', details = $3, messages = $4, attempt = NULL, updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qCancelled records a cancellation done, with the authority's word
	// ($5) in details.cancellation.
	qCancelled = `
UPDATE public.fiscal_documents
SET status = 'cancelled', cancel_reason = $3, cancelled_at = $4, cancel_next_check_at = NULL,
    details = details || jsonb_build_object('cancellation', $5::jsonb), updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qCancellationRequested records a cancellation waiting for the
	// receiver, first checked at $5.
	qCancellationRequested = `
UPDATE public.fiscal_documents
SET status = 'cancellation_requested', cancel_reason = $3, cancel_requested_at = $4, cancel_next_check_at = $5,
    cancel_checks = 0, details = details || jsonb_build_object('cancellation', $6::jsonb), updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qCancellationRejected puts a document whose receiver rejected the
	// cancellation back in force, adding the messages $3.
	qCancellationRejected = `
UPDATE public.fiscal_documents
SET status = 'authorized', cancel_reason = NULL, cancel_requested_at = NULL, cancel_next_check_at = NULL,
    cancel_checks = 0, messages = messages || $3::jsonb,
    details = details || jsonb_build_object('cancellation', $4::jsonb), updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qCancellationChecked keeps the authority's latest word on a
	// cancellation still waiting.
	qCancellationChecked = `
UPDATE public.fiscal_documents
SET details = details || jsonb_build_object('cancellation', $3::jsonb)
WHERE company_id = $1 AND id = $2 AND status = 'cancellation_requested'`

	// qDueCancellationCompanies lists the companies with a cancellation
	// check due at $1, as the host's role across companies (the job's
	// list).
	qDueCancellationCompanies = `
SELECT DISTINCT company_id FROM public.fiscal_documents
WHERE status = 'cancellation_requested' AND cancel_next_check_at <= $1`

	qDueCancellations = `
SELECT id, cancel_checks FROM public.fiscal_documents
WHERE company_id = $1 AND status = 'cancellation_requested' AND cancel_next_check_at <= $2
ORDER BY cancel_next_check_at, id LIMIT $3`

	// qClaimCancellation takes a due check for one run: the next check
	// moves to $5, so no other run (on any replica) takes it; nothing when
	// another run did first.
	qClaimCancellation = `
UPDATE public.fiscal_documents
SET cancel_checks = cancel_checks + 1, cancel_next_check_at = $5
WHERE company_id = $1 AND id = $2 AND status = 'cancellation_requested' AND cancel_next_check_at <= $3 AND cancel_checks = $4`

	// qLockSeries serializes the issuances of one series of one company
	// (or the cancellations of one document) across every replica, until
	// qUnlockSeries or the connection's end.
	qLockSeries   = `SELECT pg_advisory_lock(hashtextextended($1, 0))`
	qUnlockSeries = `SELECT pg_advisory_unlock(hashtextextended($1, 0))`

	qCompany = `SELECT name, country, tax_id, timezone FROM public.companies WHERE id = $1`

	// The list, newest first; listQuery adds the filters.
	listBaseSQL = `SELECT ` + documentColumns + ` FROM public.fiscal_documents WHERE company_id = $1`
	listOrder   = ` ORDER BY created_at DESC, id DESC LIMIT $%d`

	// qLockInvoices locks the invoices a payment receipt pays ($2, sorted)
	// and reads their totals.
	qLockInvoices = `
SELECT id, total FROM public.fiscal_documents
WHERE company_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`

	// qCredited sums the authorized credit notes reversing invoice $2.
	qCredited = `
SELECT coalesce(sum(total), 0) FROM public.fiscal_documents
WHERE company_id = $1 AND related_id = $2 AND kind = 'credit_note' AND status = 'authorized'`

	// qPaidSoFar lists the payment receipts paying invoice $2 (its id as
	// text, as the input holds it) and what each pays of it, oldest first
	// (index fiscal_documents_paid_idx).
	qPaidSoFar = `
SELECT r.id, r.status, (e ->> 'amount')::numeric
FROM public.fiscal_documents r, jsonb_array_elements(r.input -> 'payment' -> 'documents') e
WHERE r.company_id = $1 AND r.kind = 'payment_receipt'
  AND r.input -> 'payment' -> 'documents' @> jsonb_build_array(jsonb_build_object('document_id', $2::text))
  AND e ->> 'document_id' = $2::text
ORDER BY r.created_at, r.id`
)
