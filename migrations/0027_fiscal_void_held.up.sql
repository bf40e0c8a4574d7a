-- A sale held for the global CFDI (pending_global) and in no global yet
-- may be voided: it becomes cancelled though nothing was ever stamped, so
-- a cancelled document either has its authorization (as before) or was
-- never sent (no authorization code, number, series nor attempt).
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_check,
    ADD CONSTRAINT fiscal_documents_check
        CHECK (status NOT IN ('authorized', 'cancelled') OR
               (authorization_code IS NOT NULL AND (number IS NOT NULL OR global_id IS NOT NULL)) OR
               (status = 'cancelled' AND authorization_code IS NULL AND number IS NULL AND series IS NULL
                AND attempt IS NULL AND global_id IS NULL AND cancelled_at IS NOT NULL));
