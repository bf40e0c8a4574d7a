-- A cancellation still waiting for its receiver goes back to authorized:
-- the CFDI is in force until SAT says otherwise.
DROP INDEX fiscal_documents_cancel_due_idx;
UPDATE fiscal_documents SET status = 'authorized', cancel_reason = NULL WHERE status = 'cancellation_requested';
DROP INDEX fiscal_documents_number_key;
CREATE UNIQUE INDEX fiscal_documents_number_key ON fiscal_documents (company_id, series, number)
    WHERE status IN ('authorized', 'cancelled');
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_cancel_pending_check,
    DROP COLUMN cancel_checks,
    DROP COLUMN cancel_next_check_at,
    DROP COLUMN cancel_requested_at;
DO $$
DECLARE
    def text;
BEGIN
    SELECT pg_get_constraintdef(oid) INTO STRICT def FROM pg_constraint
    WHERE conrelid = 'fiscal_documents'::regclass AND conname = 'fiscal_documents_status_check';
    ALTER TABLE fiscal_documents DROP CONSTRAINT fiscal_documents_status_check;
    EXECUTE 'ALTER TABLE fiscal_documents ADD CONSTRAINT fiscal_documents_status_check '
        || replace(def, '''cancellation_requested''::text, ', '');
END
$$;
