DROP TABLE IF EXISTS payments, charges, billing_runs, contracts, clients CASCADE;
