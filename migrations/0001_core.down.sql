-- The nexus_tenant role is cluster-wide and shared by every database on the
-- server, so it is left in place.
DROP TABLE idempotency_keys;
DROP TABLE status_history;
DROP TABLE company_verticals;
DROP TABLE refresh_tokens;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE companies;
REVOKE USAGE ON SCHEMA public FROM nexus_tenant;
