-- A CFDI whose cancellation waits for its receiver's acceptance (SAT's
-- rules since 2022) is 'cancellation_requested' until SAT tells the
-- outcome: cancelled (accepted, or three business days without an
-- answer), or authorized again (rejected). The host's job
-- host.fiscal_cancellations asks SAT about each one when
-- cancel_next_check_at is due, backing off with cancel_checks.
--
-- The status check gains the value next to 'cancelled' in whatever list
-- the earlier migrations left (another migration of this round adds a
-- status too), so that the down migration restores that list exactly.
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO STRICT def FROM pg_constraint
    WHERE conrelid = 'fiscal_documents'::regclass AND conname = 'fiscal_documents_status_check';
    IF position('''cancelled''::text' IN def) = 0 THEN
        RAISE EXCEPTION 'fiscal_documents_status_check has no cancelled: %', def;
    END IF;
    ALTER TABLE fiscal_documents DROP CONSTRAINT fiscal_documents_status_check;
    EXECUTE 'ALTER TABLE fiscal_documents ADD CONSTRAINT fiscal_documents_status_check '
        || replace(def, '''cancelled''::text', '''cancellation_requested''::text, ''cancelled''::text');
END
$$;

ALTER TABLE fiscal_documents
    ADD COLUMN cancel_requested_at  timestamptz,
    ADD COLUMN cancel_next_check_at timestamptz,
    ADD COLUMN cancel_checks        integer NOT NULL DEFAULT 0 CHECK (cancel_checks >= 0),
    ADD CONSTRAINT fiscal_documents_cancel_pending_check
        CHECK (status <> 'cancellation_requested' OR
               (authorization_code IS NOT NULL AND cancel_requested_at IS NOT NULL AND cancel_next_check_at IS NOT NULL));

DROP INDEX fiscal_documents_number_key;
CREATE UNIQUE INDEX fiscal_documents_number_key ON fiscal_documents (company_id, series, number)
    WHERE status IN ('authorized', 'cancellation_requested', 'cancelled');
-- The cancellations the job asks SAT about, across companies.
CREATE INDEX fiscal_documents_cancel_due_idx ON fiscal_documents (cancel_next_check_at, company_id)
    WHERE status = 'cancellation_requested';
