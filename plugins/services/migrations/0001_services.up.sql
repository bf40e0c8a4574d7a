-- Professional services vertical: clients, contracts with a monthly fee,
-- monthly billing runs that charge every active contract once per period,
-- and payments against those charges. Every table carries company_id and
-- id (primary key (company_id, id)); foreign keys include company_id so a
-- company's rows only ever reference its own. The host's migrator enables
-- row-level security on every table with a company_id.
--
-- Amounts are numeric(18,2) (the minor unit of MXN, ARS and USD); the
-- plugin validates precision before writing, so nothing is rounded here.

CREATE TABLE clients (
    company_id      uuid NOT NULL,
    id              uuid NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    tax_id          text NOT NULL CHECK (length(tax_id) BETWEEN 11 AND 13),
    -- doubts about the tax id that did not refuse it (an RFC whose check
    -- digit does not match the SAT algorithm)
    tax_id_warnings jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(tax_id_warnings) = 'array'),
    email           text CHECK (length(email) <= 254),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
-- One client per taxpayer; the generic RFCs (público en general,
-- foreigners) name no taxpayer and may repeat.
CREATE UNIQUE INDEX clients_tax_id_key ON clients (company_id, tax_id)
    WHERE tax_id NOT IN ('XAXX010101000', 'XEXX010101000');
CREATE INDEX clients_name_idx ON clients (company_id, name, id);

-- status is guarded by the host's state machine:
-- draft -> active <-> suspended -> terminated.
CREATE TABLE contracts (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    client_id   uuid NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    monthly_fee numeric(18, 2) NOT NULL CHECK (monthly_fee > 0),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    tax_code    text NOT NULL,
    start_date  date NOT NULL,
    billing_day smallint NOT NULL CHECK (billing_day BETWEEN 1 AND 31),
    status      text NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, client_id) REFERENCES clients (company_id, id)
);
CREATE INDEX contracts_status_idx ON contracts (company_id, status, id);
CREATE INDEX contracts_client_idx ON contracts (company_id, client_id, id);

CREATE TABLE billing_runs (
    company_id      uuid NOT NULL,
    id              uuid NOT NULL,
    period          text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    charges_created integer NOT NULL CHECK (charges_created >= 0),
    already_billed  integer NOT NULL CHECK (already_billed >= 0),
    created_by      uuid, -- the user who ran it; NULL for a machine client
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
);
CREATE INDEX billing_runs_created_idx ON billing_runs (company_id, created_at, id);

-- One charge per contract and period, whatever runs concurrently: the
-- unique key decides, and a run's insert skips what another committed.
-- issued_at is the revenue date (the run's time); due_date is the
-- period's billing day. status is guarded by the host's state machine:
-- open -> partially_paid -> paid.
CREATE TABLE charges (
    company_id     uuid NOT NULL,
    id             uuid NOT NULL,
    contract_id    uuid NOT NULL,
    client_id      uuid NOT NULL,
    billing_run_id uuid NOT NULL,
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    due_date       date NOT NULL,
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    tax_code       text NOT NULL,
    tax_rate       numeric(9, 6) NOT NULL CHECK (tax_rate >= 0),
    subtotal       numeric(18, 2) NOT NULL CHECK (subtotal > 0),
    tax            numeric(18, 2) NOT NULL CHECK (tax >= 0),
    total          numeric(18, 2) NOT NULL CHECK (total = subtotal + tax),
    paid           numeric(18, 2) NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= total),
    status         text NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    issued_at      timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, contract_id, period),
    FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id),
    FOREIGN KEY (company_id, client_id) REFERENCES clients (company_id, id),
    FOREIGN KEY (company_id, billing_run_id) REFERENCES billing_runs (company_id, id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX charges_status_idx ON charges (company_id, status, id);
CREATE INDEX charges_client_idx ON charges (company_id, client_id, id);
CREATE INDEX charges_run_idx ON charges (company_id, billing_run_id, id);
CREATE INDEX charges_issued_idx ON charges (company_id, issued_at);

CREATE TABLE payments (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL,
    charge_id   uuid NOT NULL,
    amount      numeric(18, 2) NOT NULL CHECK (amount > 0),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    method      text NOT NULL CHECK (method IN ('transfer', 'card', 'cash', 'check', 'other')),
    reference   text CHECK (length(reference) <= 100),
    paid_at     timestamptz NOT NULL,
    recorded_by uuid, -- the user who recorded it; NULL for a machine client
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, charge_id) REFERENCES charges (company_id, id)
);
CREATE INDEX payments_charge_idx ON payments (company_id, charge_id, paid_at, id);
