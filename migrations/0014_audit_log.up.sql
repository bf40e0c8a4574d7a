-- The append-only audit log of each company (host/internal/audit): who
-- (a user, an API key or the platform), did what (action, target, details
-- without secrets), when, from where (IP, user agent) and in which request.
-- Host actions and verticals (through the SDK) append; admins read it.
CREATE TABLE audit_log (
    company_id  uuid NOT NULL REFERENCES companies (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    -- clock_timestamp, not now(): rows of one transaction keep their order.
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_type  text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
    -- actor_id is the user or API key id (none for the platform); like
    -- status_history's actor_id it references nothing and outlives them.
    actor_id    uuid,
    actor_label text NOT NULL DEFAULT '' CHECK (length(actor_label) <= 254),
    action      text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$' AND length(action) <= 100),
    target      text NOT NULL DEFAULT '' CHECK (length(target) <= 200),
    details     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    -- vertical names the vertical that appended the row (NULL: the host).
    vertical    text,
    ip          text NOT NULL DEFAULT '' CHECK (length(ip) <= 64),
    user_agent  text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 512),
    request_id  text NOT NULL DEFAULT '' CHECK (length(request_id) <= 128),
    PRIMARY KEY (company_id, id)
);
-- The list, newest first, and its filters.
CREATE INDEX audit_log_list_idx ON audit_log (company_id, at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (company_id, action, at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (company_id, actor_id, at DESC, id DESC);

-- Append-only for everyone: tenant transactions may read and insert only
-- (the migrator leaves a tenant table's grants alone once it has SELECT),
-- and a trigger refuses UPDATE, DELETE and TRUNCATE whatever the role.
GRANT SELECT, INSERT ON audit_log TO nexus_tenant;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
