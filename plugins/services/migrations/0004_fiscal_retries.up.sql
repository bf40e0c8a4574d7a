-- What the job services.issue_fiscal_documents (and issue_payment_receipts)
-- retries, and when. A refusal of the document's own data (422
-- invalid_field naming a field of the document, such as a Mexican client's
-- missing postal code or a payment form the CFDI cannot carry) is recorded
-- as fiscal_status needs_data with the host's code and field and is not
-- retried until something changes (the client's fiscal profile, or a
-- manual issuance); an authority's rejection is rejected. An unavailable
-- authority (503) stays pending with fiscal_next_attempt_at, backing off.
-- Payments' fiscal_status takes any snake_case status, as charges' and
-- credits' do, so it follows the host's statuses.
ALTER TABLE charges
    ADD COLUMN fiscal_error_field      text,
    ADD COLUMN fiscal_next_attempt_at  timestamptz;
ALTER TABLE credits
    ADD COLUMN fiscal_error_field      text,
    ADD COLUMN fiscal_next_attempt_at  timestamptz;
ALTER TABLE payments
    ADD COLUMN fiscal_error_field      text,
    ADD COLUMN fiscal_next_attempt_at  timestamptz,
    DROP CONSTRAINT payments_fiscal_status_check,
    ADD CONSTRAINT payments_fiscal_status_check CHECK (fiscal_status ~ '^[a-z][a-z_]{0,39}$');
