-- Payment receipts: a payment of a charge whose invoice was issued as
-- deferred (in Mexico, a charge due after the day it is invoiced: a CFDI
-- with MetodoPago PPD) takes a receipt from the host's fiscal service (in
-- Mexico a CFDI of type P with the Pagos 2.0 complement; the host keeps
-- the invoice's balance and numbers the installments). The fiscal_*
-- columns of a payment say where its receipt is, as those of charges say
-- where their invoice is: NULL until the charge's invoice is authorized,
-- not_required when that invoice was paid when issued, pending while the
-- receipt could not be issued (fiscal_error_code says why; the job
-- services.issue_payment_receipts tries again while the fiscal service
-- was unavailable), requested while the authority's answer is unknown,
-- then the host document's authorized, rejected or cancelled.
ALTER TABLE payments
    ADD COLUMN fiscal_status             text CHECK (fiscal_status IN ('not_required', 'pending', 'requested', 'authorized', 'rejected', 'cancelled')),
    ADD COLUMN fiscal_document_id        uuid,
    ADD COLUMN fiscal_series             text,
    ADD COLUMN fiscal_number             bigint,
    ADD COLUMN fiscal_authorization_code text,
    ADD COLUMN fiscal_error_code         text,
    ADD COLUMN fiscal_attempts           integer NOT NULL DEFAULT 0 CHECK (fiscal_attempts >= 0),
    ADD COLUMN fiscal_updated_at         timestamptz;

-- The payments whose receipt is still to issue, oldest first (the job's).
CREATE INDEX payments_receipt_idx ON payments (company_id, created_at, id)
    WHERE fiscal_status IS NULL OR fiscal_status IN ('pending', 'requested');
