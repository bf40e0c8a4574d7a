UPDATE payments SET fiscal_status = 'pending'
WHERE fiscal_status NOT IN ('not_required', 'pending', 'requested', 'authorized', 'rejected', 'cancelled');
ALTER TABLE payments
    DROP CONSTRAINT payments_fiscal_status_check,
    ADD CONSTRAINT payments_fiscal_status_check
        CHECK (fiscal_status IN ('not_required', 'pending', 'requested', 'authorized', 'rejected', 'cancelled')),
    DROP COLUMN fiscal_next_attempt_at,
    DROP COLUMN fiscal_error_field;
ALTER TABLE credits
    DROP COLUMN fiscal_next_attempt_at,
    DROP COLUMN fiscal_error_field;
ALTER TABLE charges
    DROP COLUMN fiscal_next_attempt_at,
    DROP COLUMN fiscal_error_field;
