-- A held link goes back to pending: the job asks the host again, which
-- answers the document as it is.
UPDATE fiscal_documents SET status = 'pending' WHERE status = 'pending_global';
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_status_check,
    ADD CONSTRAINT fiscal_documents_status_check
        CHECK (status IN ('pending', 'requested', 'authorized', 'rejected', 'cancelled'));
