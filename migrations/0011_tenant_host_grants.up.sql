-- The role of the host's tenant transactions (nexus_tenant) keeps only what
-- those transactions do on the host tables that hold sessions, members and
-- idempotency keys; the rest is written on the owner's connection, where
-- every statement names its company explicitly.
--   refresh_tokens: auth reads and writes sessions on the owner's connection;
--     no tenant transaction touches them.
--   memberships: the company's member list is read in tenant transactions;
--     adding, changing and removing a member (tenancy) write as the owner.
--   idempotency_keys: a key is claimed, read and answered inside the
--     request's own tenant transaction, so that it commits with the request's
--     effects; only the pruner, as the owner, deletes keys.
-- The migrator's EnforceTenancy grants only tables whose privileges were
-- never set, so it leaves these as they are. REVOKE of a privilege not held
-- is a no-op: running this again changes nothing.
REVOKE ALL ON refresh_tokens FROM nexus_tenant;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON memberships FROM nexus_tenant;
REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON idempotency_keys FROM nexus_tenant;
