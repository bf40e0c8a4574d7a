-- API keys of machine clients (host/internal/apikeys): POS terminals, sync
-- agents, integrations. A key acts in one company with one role; only the
-- SHA-256 of the key is stored (the key is shown once, at creation).
-- Revocation and expiry take effect on the next request: every request
-- reads this table (host/internal/auth). Row-level security is added by the
-- migrator, as for every table with a company_id.
CREATE TABLE api_keys (
    company_id   uuid NOT NULL REFERENCES companies (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role         text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier', 'viewer')),
    -- prefix is the key's first characters, shown in lists to tell keys apart.
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    -- created_by and revoked_by record who acted; they outlive the user.
    created_by   uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   uuid,
    PRIMARY KEY (company_id, id)
);
-- The list, newest first.
CREATE INDEX api_keys_list_idx ON api_keys (company_id, created_at DESC, id DESC);
