-- Gives nexus_tenant back the four data privileges EnforceTenancy grants on
-- every tenant table.
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens, memberships, idempotency_keys TO nexus_tenant;
