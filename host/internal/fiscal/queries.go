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
details, messages, cancel_reason, cancelled_at, created_at, updated_at, input, attempt, legal_document,
is_global, global_id`

	// qInsertDraft stores a new draft; nothing when the (vertical, source,
	// kind) has a document already.
	qInsertDraft = `
INSERT INTO public.fiscal_documents (company_id, vertical, source_id, kind, status, country, input, input_hash,
    currency, total, customer_tax_id, related_id)
VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (company_id, vertical, source_id, kind) DO NOTHING
RETURNING ` + documentColumns

	// qRevise gives a document that was never sent new content from its
	// source ($3 input, $4 fingerprint, $6–$9 its columns): a draft, or one
	// the authority rejected, with no attempt in flight and still holding
	// the content $5 it was read with.
	qRevise = `
UPDATE public.fiscal_documents
SET status = 'draft', input = $3, input_hash = $4, currency = $6, total = $7, customer_tax_id = $8, related_id = $9,
    messages = '[]', updated_at = now()
WHERE company_id = $1 AND id = $2 AND input_hash = $5 AND status IN ('draft', 'rejected') AND attempt IS NULL
  AND kind IN ('invoice', 'credit_note') AND NOT is_global AND global_id IS NULL
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

	// qRequested records an attempt on a document still as it was read
	// ($5 its updated_at): a revision in between leaves it unrecorded.
	qRequested = `
UPDATE public.fiscal_documents
SET status = 'requested', series = $3, attempt = $4, updated_at = now()
WHERE company_id = $1 AND id = $2 AND updated_at = $5`

	// qNotIssued forgets an attempt the authority has no record of.
	qNotIssued = `
UPDATE public.fiscal_documents SET attempt = NULL, updated_at = now()
WHERE company_id = $1 AND id = $2`

	qAuthorized = `
UPDATE public.fiscal_documents
SET status = 'authorized', series = $3, number = $4, authorization_code = $5, authorization_expires = $6::date,
    authorized_at = now(), legal_document = $7, details = details || $8, messages = $9, attempt = NULL, updated_at = now()
WHERE company_id = $1 AND id = $2`

	qRejected = `
UPDATE public.fiscal_documents
SET status = 'rejected', details = details || $3, messages = $4, attempt = NULL, updated_at = now()
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

	// The global documents (global.go). qGlobalCompanies lists, as the
	// host's role, the companies with held documents or unsent globals.
	qGlobalCompanies = `
SELECT company_id FROM public.fiscal_documents WHERE status = 'pending_global'
UNION
SELECT company_id FROM public.fiscal_documents WHERE is_global AND status IN ('draft', 'requested')`

	qOpenGlobals = `
SELECT id FROM public.fiscal_documents
WHERE company_id = $1 AND is_global AND status IN ('draft', 'requested')
ORDER BY created_at, id`

	// qHeldDays are the (vertical, date) of the held invoices in no global.
	qHeldDays = `
SELECT DISTINCT vertical, input->>'date' FROM public.fiscal_documents
WHERE company_id = $1 AND status = 'pending_global' AND kind = 'invoice' AND global_id IS NULL
ORDER BY 1, 2`

	// qLockGlobals serializes the making of a company's globals for the
	// rest of the transaction, across replicas.
	qLockGlobals = `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`

	// qHeldOf are the held invoices of a vertical dated in [$3, $4), in
	// no global yet, oldest first.
	qHeldOf = `
SELECT ` + documentColumns + ` FROM public.fiscal_documents
WHERE company_id = $1 AND vertical = $2 AND status = 'pending_global' AND kind = 'invoice' AND global_id IS NULL
  AND input->>'date' >= $3 AND input->>'date' < $4
ORDER BY input->>'date', created_at, id
LIMIT $5
FOR UPDATE`

	// qGlobalsOf counts the globals made for a period's source id.
	qGlobalsOf = `
SELECT count(*) FROM public.fiscal_documents
WHERE company_id = $1 AND vertical = $2 AND kind = 'invoice' AND (source_id = $3 OR starts_with(source_id, $3 || ':'))`

	qInsertGlobal = `
INSERT INTO public.fiscal_documents (company_id, vertical, source_id, kind, status, country, input, input_hash,
    currency, total, is_global, details)
VALUES ($1, $2, $3, 'invoice', 'draft', $4, $5, $6, $7, $8, true, $9)
RETURNING ` + documentColumns

	qAssignMembers = `
UPDATE public.fiscal_documents SET global_id = $2, details = details || $4, updated_at = now()
WHERE company_id = $1 AND id = ANY($3)`

	// qRejectedGlobals are the rejected globals that still hold members.
	qRejectedGlobals = `
SELECT g.id, g.source_id, g.updated_at FROM public.fiscal_documents g
WHERE g.company_id = $1 AND g.is_global AND g.status = 'rejected'
  AND EXISTS (SELECT 1 FROM public.fiscal_documents m
              WHERE m.company_id = $1 AND m.global_id = g.id AND m.status = 'pending_global')`

	qReleaseMembers = `
UPDATE public.fiscal_documents SET global_id = NULL, details = details - 'global_document_id', updated_at = now()
WHERE company_id = $1 AND global_id = $2 AND status = 'pending_global'`

	qHold = `
UPDATE public.fiscal_documents SET status = 'pending_global', updated_at = now()
WHERE company_id = $1 AND id = $2`

	qAuthorizeMembers = `
UPDATE public.fiscal_documents
SET status = 'authorized', authorization_code = $3, authorized_at = now(), details = details || $4, updated_at = now()
WHERE company_id = $1 AND global_id = $2 AND status = 'pending_global'`

	qUnauthorizeMembers = `
UPDATE public.fiscal_documents
SET status = 'pending_global', global_id = NULL, authorization_code = NULL, authorized_at = NULL,
    details = details - 'global_document_id' - 'uuid', updated_at = now()
WHERE company_id = $1 AND global_id = $2 AND status = 'authorized'`

	// qHeldCreditNotes are the held credit notes whose invoice has been
	// authorized, oldest first.
	qHeldCreditNotes = `
SELECT c.id FROM public.fiscal_documents c
JOIN public.fiscal_documents r ON r.company_id = c.company_id AND r.id = c.related_id
WHERE c.company_id = $1 AND c.status = 'pending_global' AND c.kind = 'credit_note' AND r.status = 'authorized'
ORDER BY c.created_at, c.id
LIMIT $2`
)

// The held sales invoiced by name or voided (global_held.go).
const (
	// qNominate makes a held sale in no global the draft of its named
	// invoice: input $3 (fingerprint $4), customer $5.
	qNominate = `
UPDATE public.fiscal_documents
SET status = 'draft', input = $3, input_hash = $4, customer_tax_id = $5, updated_at = now()
WHERE company_id = $1 AND id = $2 AND status = 'pending_global' AND global_id IS NULL`

	// qVoidHeld cancels a held sale in no global; nothing was sent.
	qVoidHeld = `
UPDATE public.fiscal_documents
SET status = 'cancelled', cancel_reason = $3, cancelled_at = $4,
    details = details || jsonb_build_object('cancellation', jsonb_build_object('sent', false)), updated_at = now()
WHERE company_id = $1 AND id = $2 AND status = 'pending_global' AND global_id IS NULL`

	// qHeldNotesOf counts the held credit notes of invoice $2.
	qHeldNotesOf = `
SELECT count(*) FROM public.fiscal_documents
WHERE company_id = $1 AND related_id = $2 AND kind = 'credit_note' AND status = 'pending_global'`
)
