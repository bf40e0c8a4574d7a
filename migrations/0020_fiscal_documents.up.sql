-- Fiscal documents (host/internal/fiscal): the legal receipts the host
-- issues for any vertical — AFIP WSFEv1 receipts with a CAE in Argentina,
-- CFDI 4.0 stamped by a PAC in Mexico — and each company's fiscal
-- settings. Row-level security is added by the migrator, as for every
-- table with a company_id.

-- fiscal_settings is a company's fiscal configuration: the environment
-- (homologation or production), whether every sale needs a document, and
-- the country's own settings (AR: CUIT, IVA condition, points of sale; MX:
-- RFC, régimen, lugar de expedición, serie, PAC), validated by the
-- country's issuer. Certificates and keys are secrets, never here.
CREATE TABLE fiscal_settings (
    company_id  uuid PRIMARY KEY REFERENCES companies (id),
    environment text NOT NULL CHECK (environment IN ('homologation', 'production')),
    auto_issue  boolean NOT NULL DEFAULT false,
    config      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- fiscal_documents holds one row per (vertical, source document, kind):
-- asking again for the same source answers the same row. status follows
-- draft → requested → authorized | rejected, authorized → cancelled.
-- series and number are the issuer's numbering (AR: "<cuit>-<point of
-- sale>-<receipt type>" and the receipt number; MX: serie and folio);
-- attempt is what the last request sent while its outcome is not known.
CREATE TABLE fiscal_documents (
    company_id            uuid NOT NULL REFERENCES companies (id),
    id                    uuid NOT NULL DEFAULT gen_random_uuid(),
    vertical              text NOT NULL CHECK (vertical ~ '^[a-z][a-z0-9-]{0,39}$'),
    source_id             text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 200),
    kind                  text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    status                text NOT NULL CHECK (status IN ('draft', 'requested', 'authorized', 'rejected', 'cancelled')),
    country               text NOT NULL CHECK (country IN ('MX', 'AR')),
    input                 jsonb NOT NULL CHECK (jsonb_typeof(input) = 'object'),
    input_hash            bytea NOT NULL,
    currency              text NOT NULL,
    total                 numeric(20, 6) NOT NULL,
    customer_tax_id       text NOT NULL DEFAULT '',
    related_id            uuid,
    series                text,
    number                bigint,
    attempt               jsonb,
    authorization_code    text,
    authorization_expires date,
    authorized_at         timestamptz,
    legal_document        bytea,
    details               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    messages              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(messages) = 'array'),
    cancel_reason         text,
    cancelled_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, vertical, source_id, kind),
    FOREIGN KEY (company_id, related_id) REFERENCES fiscal_documents (company_id, id),
    CHECK (status NOT IN ('authorized', 'cancelled') OR (number IS NOT NULL AND authorization_code IS NOT NULL))
);
-- A number of a series is authorized once: never a duplicate.
CREATE UNIQUE INDEX fiscal_documents_number_key ON fiscal_documents (company_id, series, number)
    WHERE status IN ('authorized', 'cancelled');
-- The list, newest first, and its filters.
CREATE INDEX fiscal_documents_list_idx ON fiscal_documents (company_id, created_at DESC, id DESC);
CREATE INDEX fiscal_documents_status_idx ON fiscal_documents (company_id, status, created_at DESC, id DESC);
-- The attempts whose outcome is unknown, resolved before a series numbers again.
CREATE INDEX fiscal_documents_pending_idx ON fiscal_documents (company_id, series) WHERE attempt IS NOT NULL;
