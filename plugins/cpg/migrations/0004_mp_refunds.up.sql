-- Refunds sent back through the host's payment service (Mercado Pago):
-- those of returns (payment_id is the return's refund row in payments)
-- and of a payment approved after its sale could no longer be completed
-- (no return, no refund row). A row is written pending in the unit of
-- work that decides the refund and sent only after that commits (event
-- cpg.mercadopago.refund_requested; the job cpg.send_mercadopago_refunds
-- sends again what a crash or an outage left pending), under
-- idempotency_key, so sending twice refunds once. Then it is refunded, or
-- failed with the host's refusal (error_code) for someone to refund by
-- another method.
CREATE TABLE mp_refunds (
    company_id      uuid NOT NULL,
    id              uuid NOT NULL,
    sale_id         uuid NOT NULL,
    return_id       uuid,
    payment_id      uuid,
    host_payment_id uuid NOT NULL,
    amount          numeric(18, 2) NOT NULL CHECK (amount > 0),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    status          text NOT NULL CHECK (status IN ('pending', 'refunded', 'failed')),
    error_code      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, sale_id) REFERENCES sales (company_id, id),
    FOREIGN KEY (company_id, return_id) REFERENCES returns (company_id, id),
    FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, id)
);
CREATE INDEX mp_refunds_pending_idx ON mp_refunds (company_id, created_at) WHERE status = 'pending';
CREATE INDEX mp_refunds_return_idx ON mp_refunds (company_id, return_id) WHERE return_id IS NOT NULL;
CREATE INDEX mp_refunds_payment_idx ON mp_refunds (company_id, payment_id) WHERE payment_id IS NOT NULL;
