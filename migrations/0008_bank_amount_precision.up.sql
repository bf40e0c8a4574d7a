-- Statement amounts are stored exactly as the bank sends them: OFX allows
-- more than two decimals (Fidelity sends four, +00000000000115.8331), so
-- amounts and match differences keep up to six. The integer digits stay
-- 16, as numeric(18, 2) allowed. kind is generated from amount, and
-- PostgreSQL cannot retype a column a generated column reads, so kind is
-- dropped and added back with the same definition.
ALTER TABLE bank_movements
    DROP COLUMN kind,
    ALTER COLUMN amount TYPE numeric(22, 6),
    ADD COLUMN kind text NOT NULL GENERATED ALWAYS AS (CASE WHEN amount > 0 THEN 'deposit' ELSE 'withdrawal' END) STORED;
ALTER TABLE bank_matches ALTER COLUMN difference TYPE numeric(22, 6);
