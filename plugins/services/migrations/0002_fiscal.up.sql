-- Fiscal documents of charges and credits, issued through the host's
-- fiscal service (an AFIP receipt with its CAE, a CFDI with its UUID);
-- the host keeps the documents, the fiscal_* columns of charges (their
-- invoice) and credits (their credit note) say where each one is:
-- fiscal_status is NULL until a document is asked for, pending while it
-- could not be issued yet (the authority unreachable or its breaker open,
-- or the input refused: fiscal_error_code says why, and the job
-- services.issue_fiscal_documents tries again), requested while the
-- authority's answer is unknown, then the host document's own status
-- (authorized, rejected, cancelled, and whatever statuses the host adds:
-- the CHECK takes any snake_case word, not a closed list).
ALTER TABLE charges
    ADD COLUMN credited                  numeric(18, 2) NOT NULL DEFAULT 0 CHECK (credited >= 0 AND credited <= total),
    ADD COLUMN fiscal_status             text CHECK (fiscal_status ~ '^[a-z][a-z_]{0,39}$'),
    ADD COLUMN fiscal_document_id        uuid,
    ADD COLUMN fiscal_series             text,
    ADD COLUMN fiscal_number             bigint,
    ADD COLUMN fiscal_authorization_code text,
    ADD COLUMN fiscal_error_code         text,
    ADD COLUMN fiscal_attempts           integer NOT NULL DEFAULT 0 CHECK (fiscal_attempts >= 0),
    ADD COLUMN fiscal_updated_at         timestamptz;

-- Credits reduce what a charge's client owes (all of it or part; together
-- at most the charge's total): negative revenue of the day they were
-- made, each with its credit note reversing the charge's invoice when the
-- charge was invoiced. amount includes IVA; net + tax = amount, split in
-- the charge's proportion, the credit that completes the charge taking
-- what is left of each.
CREATE TABLE credits (
    company_id                 uuid NOT NULL,
    id                         uuid NOT NULL,
    charge_id                  uuid NOT NULL,
    amount                     numeric(18, 2) NOT NULL CHECK (amount > 0),
    net                        numeric(18, 2) NOT NULL CHECK (net >= 0),
    tax                        numeric(18, 2) NOT NULL CHECK (tax >= 0),
    currency                   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    reason                     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_by                 uuid, -- the user who made it; NULL for a machine client
    created_at                 timestamptz NOT NULL DEFAULT now(),
    fiscal_status              text CHECK (fiscal_status ~ '^[a-z][a-z_]{0,39}$'),
    fiscal_document_id         uuid,
    fiscal_series              text,
    fiscal_number              bigint,
    fiscal_authorization_code  text,
    fiscal_error_code          text,
    fiscal_attempts            integer NOT NULL DEFAULT 0 CHECK (fiscal_attempts >= 0),
    fiscal_updated_at          timestamptz,
    PRIMARY KEY (company_id, id),
    CHECK (net + tax = amount),
    FOREIGN KEY (company_id, charge_id) REFERENCES charges (company_id, id)
);
CREATE INDEX credits_charge_idx ON credits (company_id, charge_id, created_at, id);
CREATE INDEX credits_created_idx ON credits (company_id, created_at);
-- The credits whose credit note the job may still have to issue.
CREATE INDEX credits_fiscal_open_idx ON credits (company_id, created_at, id)
    WHERE fiscal_status IS NULL OR fiscal_status IN ('pending', 'requested');

-- What the authority needs of a client beyond its tax id and name, for
-- the documents issued without being asked (automatic invoicing): its IVA
-- condition (AR) or régimen fiscal (MX), its fiscal postal code and the
-- CFDI use (MX).
ALTER TABLE clients
    ADD COLUMN fiscal jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(fiscal) = 'object');
