-- Per-company secrets of the verticals (host/internal/secrets): credentials
-- for fiscal authorities, payment providers, marketplaces. Only the AEAD
-- ciphertext is stored (nonce followed by the sealed value), with the id of
-- the key that sealed it, so keys can rotate (`nexus secrets rotate-key`).
-- The ciphertext is bound to its company, vertical and name (additional
-- data), so a row copied elsewhere does not decrypt. Row-level security is
-- added by the migrator, as for every table with a company_id.
CREATE TABLE secrets (
    company_id uuid NOT NULL REFERENCES companies (id),
    vertical   text NOT NULL CHECK (vertical ~ '^[a-z][a-z0-9_]{0,62}$'),
    name       text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    key_id     text NOT NULL CHECK (length(key_id) BETWEEN 1 AND 64),
    ciphertext bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- updated_by records who wrote the value (a user or an API key id);
    -- like status_history's actor_id it references nothing.
    updated_by uuid,
    PRIMARY KEY (company_id, vertical, name)
);
-- Rotation finds the rows sealed with an old key.
CREATE INDEX secrets_key_idx ON secrets (key_id);
