-- The role tenant transactions switch to (SET LOCAL ROLE nexus_tenant). Roles
-- are cluster-wide, so two databases migrating at once may race to create it.
DO $$
BEGIN
    CREATE ROLE nexus_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A superuser may switch to any role; any other migrating role must be a
-- member of nexus_tenant to run tenant transactions.
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT nexus_tenant TO %I', current_user);
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO nexus_tenant;

CREATE TABLE companies (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country    text NOT NULL CHECK (country IN ('MX', 'AR')),
    currency   text NOT NULL CHECK (currency IN ('MXN', 'ARS')),
    tax_id     text NOT NULL,
    timezone   text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (country, tax_id)
);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL,
    password_hash  text NOT NULL,
    platform_admin boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    company_id uuid NOT NULL REFERENCES companies (id),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier', 'viewer')),
    created_at timestamptz DEFAULT now(),
    PRIMARY KEY (company_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON memberships (user_id);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    company_id uuid NULL REFERENCES companies (id),
    token_hash bytea NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);

CREATE TABLE company_verticals (
    company_id  uuid NOT NULL REFERENCES companies (id),
    vertical    text NOT NULL,
    enabled     boolean NOT NULL,
    config      jsonb NOT NULL DEFAULT '{}',
    enabled_at  timestamptz,
    disabled_at timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, vertical)
);

CREATE TABLE status_history (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    vertical    text NOT NULL,
    table_name  text NOT NULL,
    row_id      uuid NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    event       text NOT NULL,
    note        text,
    actor_id    uuid,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
CREATE INDEX status_history_row_idx ON status_history (company_id, table_name, row_id);

CREATE TABLE idempotency_keys (
    company_id   uuid NOT NULL,
    scope        text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    status       int,
    response     jsonb,
    headers      jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, scope, key)
);

-- Row-level security is not written here: after every migration the migrator
-- runs store.EnforceTenancy, which enables and forces it, creates the
-- tenant_isolation policy and grants nexus_tenant access on every table with
-- a company_id column (memberships, refresh_tokens, company_verticals,
-- status_history, idempotency_keys), in the migration's own transaction.
