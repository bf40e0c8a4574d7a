-- Global CFDIs (host/internal/fiscal, global.go): an anonymous Mexican
-- sale is not stamped alone but held (status pending_global) until its
-- period (daily, weekly, fortnightly, monthly or bimonthly, in the
-- company's time zone) has ended; the job host.issue_global_cfdi then
-- issues one global document per (company, vertical, period) whose
-- members are the held sales. A credit note of a held sale waits in the
-- same status until the global is stamped.
--
-- is_global marks such a global document (created by the host, never by
-- a vertical); global_id is, on a held sale, the global document it was
-- put in. A member is authorized with the global's UUID and has no serie
-- or folio of its own.
ALTER TABLE fiscal_documents
    DROP CONSTRAINT fiscal_documents_status_check,
    ADD CONSTRAINT fiscal_documents_status_check
        CHECK (status IN ('draft', 'pending_global', 'requested', 'authorized', 'rejected', 'cancelled')),
    ADD COLUMN is_global boolean NOT NULL DEFAULT false,
    ADD COLUMN global_id uuid,
    ADD CONSTRAINT fiscal_documents_global_fkey FOREIGN KEY (company_id, global_id) REFERENCES fiscal_documents (company_id, id),
    ADD CONSTRAINT fiscal_documents_global_member CHECK (NOT (is_global AND global_id IS NOT NULL)),
    DROP CONSTRAINT fiscal_documents_check,
    ADD CONSTRAINT fiscal_documents_check
        CHECK (status NOT IN ('authorized', 'cancelled') OR
               (authorization_code IS NOT NULL AND (number IS NOT NULL OR global_id IS NOT NULL)));

-- The held documents, for the job (which companies, which periods).
CREATE INDEX fiscal_documents_held_idx ON fiscal_documents (company_id, vertical, (input->>'date'))
    WHERE status = 'pending_global';
-- The globals left unsent or whose outcome is unknown.
CREATE INDEX fiscal_documents_open_globals_idx ON fiscal_documents (company_id)
    WHERE is_global AND status IN ('draft', 'requested');
-- The members of a global document.
CREATE INDEX fiscal_documents_global_idx ON fiscal_documents (company_id, global_id) WHERE global_id IS NOT NULL;
