-- Held documents go back to drafts: without the job nothing issues them,
-- and a draft is issued again when its vertical asks.
DROP INDEX fiscal_documents_global_idx;
DROP INDEX fiscal_documents_open_globals_idx;
DROP INDEX fiscal_documents_held_idx;
UPDATE fiscal_documents SET status = 'draft' WHERE status = 'pending_global';
UPDATE fiscal_documents SET number = 0 WHERE global_id IS NOT NULL AND number IS NULL AND status IN ('authorized', 'cancelled');
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_check,
    ADD CONSTRAINT fiscal_documents_check
        CHECK (status NOT IN ('authorized', 'cancelled') OR (number IS NOT NULL AND authorization_code IS NOT NULL)),
    DROP CONSTRAINT fiscal_documents_global_member,
    DROP CONSTRAINT fiscal_documents_global_fkey,
    DROP COLUMN global_id,
    DROP COLUMN is_global,
    DROP CONSTRAINT fiscal_documents_status_check,
    ADD CONSTRAINT fiscal_documents_status_check
        CHECK (status IN ('draft', 'requested', 'authorized', 'rejected', 'cancelled'));
