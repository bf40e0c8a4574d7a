ALTER TABLE clients DROP COLUMN fiscal;
DROP TABLE credits;
ALTER TABLE charges
    DROP COLUMN credited,
    DROP COLUMN fiscal_status,
    DROP COLUMN fiscal_document_id,
    DROP COLUMN fiscal_series,
    DROP COLUMN fiscal_number,
    DROP COLUMN fiscal_authorization_code,
    DROP COLUMN fiscal_error_code,
    DROP COLUMN fiscal_attempts,
    DROP COLUMN fiscal_updated_at;
