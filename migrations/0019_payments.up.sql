-- Payments through a provider (host/internal/payments; Mercado Pago today).
-- payment_configs is a company's provider setup: the environment and which
-- methods are on (the access token and webhook secret are secrets, in the
-- secrets table). payments mirrors each payment at the provider, tied to
-- the document of the vertical that asked for it (vertical, document_id);
-- status changes only through the package's state machine, each one in the
-- audit log. payment_refunds are the refunds sent for a payment;
-- payment_notifications the webhook deliveries already applied, so a
-- replayed notification is refused. Row-level security is added by the
-- migrator, as for every table with a company_id.
CREATE TABLE payment_configs (
    company_id         uuid PRIMARY KEY REFERENCES companies (id),
    provider           text NOT NULL DEFAULT 'mercadopago' CHECK (provider = 'mercadopago'),
    environment        text NOT NULL CHECK (environment IN ('test', 'production')),
    card_enabled       boolean NOT NULL DEFAULT false,
    qr_enabled         boolean NOT NULL DEFAULT false,
    -- The in-store QR order is posted for the collector (the account's user
    -- id) at one of its points of sale (the external POS id).
    qr_user_id         text NOT NULL DEFAULT '' CHECK (length(qr_user_id) <= 64),
    qr_external_pos_id text NOT NULL DEFAULT '' CHECK (length(qr_external_pos_id) <= 64),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE payments (
    company_id          uuid NOT NULL REFERENCES companies (id),
    id                  uuid NOT NULL,
    provider            text NOT NULL DEFAULT 'mercadopago' CHECK (provider = 'mercadopago'),
    vertical            text NOT NULL CHECK (vertical ~ '^[a-z][a-z0-9-]{0,39}$'),
    document_id         text NOT NULL CHECK (length(document_id) BETWEEN 1 AND 128),
    idempotency_key     text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    -- request_hash is the SHA-256 of the creation request: the same key
    -- with another request is a conflict.
    request_hash        bytea NOT NULL CHECK (length(request_hash) = 32),
    method              text NOT NULL CHECK (method IN ('card', 'qr')),
    amount              numeric(20, 4) NOT NULL CHECK (amount > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_process', 'authorized',
                            'in_mediation', 'approved', 'rejected', 'cancelled', 'refunded', 'charged_back')),
    status_detail       text NOT NULL DEFAULT '' CHECK (length(status_detail) <= 128),
    provider_payment_id text CHECK (length(provider_payment_id) <= 64),
    provider_order_id   text CHECK (length(provider_order_id) <= 128),
    qr_data             text CHECK (length(qr_data) <= 4096),
    fee_amount          numeric(20, 4) NOT NULL DEFAULT 0 CHECK (fee_amount >= 0),
    refunded_amount     numeric(20, 4) NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    expires_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, vertical, idempotency_key),
    UNIQUE (company_id, provider_payment_id)
);
-- The poll job's scan: payments not settled yet, oldest update first.
CREATE INDEX payments_open_idx ON payments (company_id, updated_at)
    WHERE status IN ('pending', 'in_process', 'authorized', 'in_mediation');
CREATE INDEX payments_document_idx ON payments (company_id, vertical, document_id);

CREATE TABLE payment_refunds (
    company_id         uuid NOT NULL,
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    payment_id         uuid NOT NULL,
    idempotency_key    text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    amount             numeric(20, 4) NOT NULL CHECK (amount > 0),
    provider_refund_id text NOT NULL CHECK (length(provider_refund_id) <= 64),
    status             text NOT NULL CHECK (length(status) <= 32),
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, payment_id, idempotency_key),
    FOREIGN KEY (company_id, payment_id) REFERENCES payments (company_id, id)
);

CREATE TABLE payment_notifications (
    company_id  uuid NOT NULL REFERENCES companies (id),
    -- request_id is the notification's x-request-id, unique per delivery.
    request_id  text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
    data_id     text NOT NULL CHECK (length(data_id) <= 64),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, request_id)
);
