-- Without payment receipts, the receipts issued so far go with them (the
-- stamped CFDIs stay with the invoices).
DROP INDEX fiscal_documents_paid_idx;
DELETE FROM fiscal_documents WHERE kind = 'payment_receipt';
ALTER TABLE fiscal_documents DROP CONSTRAINT fiscal_documents_kind_check;
ALTER TABLE fiscal_documents ADD CONSTRAINT fiscal_documents_kind_check
    CHECK (kind IN ('invoice', 'credit_note'));
