-- Recreates sales_daily as 0002_events made it, with the row-level security,
-- tenant_isolation policy and nexus_tenant grants the migrator's
-- EnforceTenancy gave it (Down does not run EnforceTenancy).
CREATE TABLE sales_daily (
    company_id  uuid NOT NULL,
    day         date NOT NULL,
    location_id uuid NOT NULL,
    sales_count bigint NOT NULL DEFAULT 0,
    gross       numeric NOT NULL DEFAULT 0,
    returns     numeric NOT NULL DEFAULT 0,
    voids_count bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, day, location_id)
);
ALTER TABLE sales_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sales_daily
  USING (company_id = current_setting('app.company_id', true)::uuid)
  WITH CHECK (company_id = current_setting('app.company_id', true)::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON sales_daily TO nexus_tenant;
