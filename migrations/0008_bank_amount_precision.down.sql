-- Back to two decimals: amounts with more are rounded to the cent (one
-- that rounds to zero fails the amount <> 0 check and stops the revert).
ALTER TABLE bank_matches ALTER COLUMN difference TYPE numeric(18, 2);
ALTER TABLE bank_movements
    DROP COLUMN kind,
    ALTER COLUMN amount TYPE numeric(18, 2),
    ADD COLUMN kind text NOT NULL GENERATED ALWAYS AS (CASE WHEN amount > 0 THEN 'deposit' ELSE 'withdrawal' END) STORED;
