-- Invitations to join a company (host/internal/tenancy). An admin invites an
-- email with a role; the invitee accepts with a single-use token that
-- expires. Only the token's SHA-256 is stored; the token itself is shown
-- once, to the inviter. Row-level security is added by the migrator, as for
-- every table with a company_id.
CREATE TABLE invitations (
    company_id  uuid NOT NULL REFERENCES companies (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    email       text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'cashier', 'viewer')),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    -- invited_by and accepted_by record who acted; like status_history's
    -- actor_id they outlive the user, so they reference nothing.
    invited_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid,
    revoked_at  timestamptz,
    PRIMARY KEY (company_id, id),
    CHECK (accepted_at IS NULL OR revoked_at IS NULL),
    CHECK ((accepted_at IS NULL) = (accepted_by IS NULL))
);
-- One open invitation per email and company: inviting again replaces it.
CREATE UNIQUE INDEX invitations_open_email_idx ON invitations (company_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
-- The list, newest first.
CREATE INDEX invitations_list_idx ON invitations (company_id, created_at DESC, id DESC);

-- The name a user gives when creating their account from an invitation.
ALTER TABLE users ADD COLUMN name text NOT NULL DEFAULT '' CHECK (length(name) <= 200);
