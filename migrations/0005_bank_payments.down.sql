-- Matches with payments cannot be expressed without these columns: they
-- are deleted, and the movements they reconciled are unreconciled again.
UPDATE bank_movements m SET status = 'unreconciled'
FROM bank_matches bm
WHERE bm.company_id = m.company_id AND bm.movement_id = m.id AND bm.target = 'payment' AND bm.undone_at IS NULL;
DROP TABLE bank_match_payments;
DELETE FROM bank_matches WHERE target = 'payment';
ALTER TABLE bank_matches
    DROP CONSTRAINT bank_matches_targets_check,
    DROP COLUMN payment_ids,
    DROP COLUMN payment_sources,
    DROP COLUMN target,
    ADD CONSTRAINT bank_matches_invoice_ids_check CHECK (cardinality(invoice_ids) > 0);
