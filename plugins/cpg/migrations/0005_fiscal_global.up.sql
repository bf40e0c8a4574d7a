-- A sale's fiscal document may be held by the host for its period's global
-- CFDI (Mexico, a sale to the public in general): the link then records
-- the host's pending_global, which the job cpg.issue_fiscal_documents
-- takes as settled (the host issues the global itself); the receipt asks
-- the host for the document's current state.
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_status_check,
    ADD CONSTRAINT fiscal_documents_status_check
        CHECK (status IN ('pending', 'pending_global', 'requested', 'authorized', 'rejected', 'cancelled'));
