-- A point-of-sale payment charged through the host's payment service
-- (Mercado Pago) keeps the host's payment id (refunds of returns go back
-- through it), the provider's payment id (also its reference, the id a
-- settlement names) and the provider's fee, so that bank reconciliation
-- matches a settlement net of that fee.
ALTER TABLE payments
    ADD COLUMN host_payment_id     uuid,
    ADD COLUMN provider_payment_id text CHECK (length(provider_payment_id) <= 64),
    ADD COLUMN fee                 numeric(18, 2) NOT NULL DEFAULT 0 CHECK (fee >= 0);
CREATE INDEX payments_host_payment_idx ON payments (company_id, host_payment_id) WHERE host_payment_id IS NOT NULL;
