DROP INDEX payments_host_payment_idx;
ALTER TABLE payments DROP COLUMN fee, DROP COLUMN provider_payment_id, DROP COLUMN host_payment_id;
