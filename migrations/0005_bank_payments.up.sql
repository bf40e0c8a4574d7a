-- Bank reconciliation with the payments the verticals declare
-- (sdk.Manifest.PaymentSources: card, transfer and wallet payments taken at
-- a point of sale...) next to CFDI invoices (host/internal/banking).
--
-- A match now points at one kind of target: target 'invoice' pays
-- invoice_ids, target 'payment' the payments (payment_sources[i],
-- payment_ids[i]). Payments live in the verticals' schemas, which the host
-- must not depend on, so no foreign key reaches them.
ALTER TABLE bank_matches
    ADD COLUMN target text NOT NULL DEFAULT 'invoice' CHECK (target IN ('invoice', 'payment')),
    ADD COLUMN payment_sources text[] NOT NULL DEFAULT '{}',
    ADD COLUMN payment_ids uuid[] NOT NULL DEFAULT '{}',
    DROP CONSTRAINT bank_matches_invoice_ids_check,
    ADD CONSTRAINT bank_matches_targets_check CHECK (
        cardinality(payment_sources) = cardinality(payment_ids)
        AND CASE target
                WHEN 'invoice' THEN cardinality(invoice_ids) > 0 AND cardinality(payment_ids) = 0
                ELSE cardinality(payment_ids) > 0 AND cardinality(invoice_ids) = 0
            END);
ALTER TABLE bank_matches ALTER COLUMN target DROP DEFAULT;

-- The payments of each match, so that a payment is in at most one live
-- match, as bank_match_invoices does for invoices.
CREATE TABLE bank_match_payments (
    company_id uuid NOT NULL,
    match_id   uuid NOT NULL,
    source     text NOT NULL,
    payment_id uuid NOT NULL,
    undone_at  timestamptz,
    PRIMARY KEY (company_id, match_id, source, payment_id),
    FOREIGN KEY (company_id, match_id) REFERENCES bank_matches (company_id, id)
);
CREATE UNIQUE INDEX bank_match_payments_live_idx ON bank_match_payments (company_id, source, payment_id) WHERE undone_at IS NULL;
