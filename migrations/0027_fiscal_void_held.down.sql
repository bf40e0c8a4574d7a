-- Before 0027 a cancelled document had an authorization: a voided held
-- sale, never sent, becomes rejected with a message saying so (it stays
-- out of every global and is never sent).
UPDATE fiscal_documents
SET status = 'rejected',
    messages = messages || '[{"type":"error","code":"voided","message":"voided while held for the global CFDI"}]'::jsonb
WHERE status = 'cancelled' AND authorization_code IS NULL;
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_check,
    ADD CONSTRAINT fiscal_documents_check
        CHECK (status NOT IN ('authorized', 'cancelled') OR
               (authorization_code IS NOT NULL AND (number IS NOT NULL OR global_id IS NOT NULL)));
