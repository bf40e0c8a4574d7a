-- Reporting core, part 1: CFDI 4.0 invoices (host/internal/invoices) and bank
-- statements with their reconciliation (host/internal/banking). Every table
-- has a company_id, so store.EnforceTenancy gives it row-level security and
-- the nexus_tenant grants right after this migration. Primary and foreign
-- keys all lead with company_id, so the tables can be distributed by it.

-- One row per CFDI (identified by the UUID of its TimbreFiscalDigital) that a
-- company uploaded. The columns a universal-transactions view needs are
-- company_id, id, fecha, total, moneda, tipo, direction and status.
CREATE TABLE sat_invoices (
    company_id         uuid NOT NULL REFERENCES companies (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    uuid               uuid NOT NULL,
    version            text NOT NULL,
    serie              text NOT NULL DEFAULT '',
    folio              text NOT NULL DEFAULT '',
    -- Comprobante/@Fecha, a local time, read in the company's time zone.
    fecha              timestamptz NOT NULL,
    tipo               text NOT NULL CHECK (tipo IN ('I', 'E', 'P', 'T', 'N')),
    direction          text NOT NULL CHECK (direction IN ('issued', 'received')),
    emisor_rfc         text NOT NULL,
    emisor_nombre      text NOT NULL DEFAULT '',
    emisor_regimen     text NOT NULL DEFAULT '',
    receptor_rfc       text NOT NULL,
    receptor_nombre    text NOT NULL DEFAULT '',
    receptor_domicilio text NOT NULL DEFAULT '',
    receptor_regimen   text NOT NULL DEFAULT '',
    uso_cfdi           text NOT NULL DEFAULT '',
    lugar_expedicion   text NOT NULL DEFAULT '',
    exportacion        text NOT NULL DEFAULT '',
    moneda             text NOT NULL,
    tipo_cambio        numeric(18, 6),
    subtotal           numeric(18, 2) NOT NULL,
    descuento          numeric(18, 2) NOT NULL DEFAULT 0,
    total_traslados    numeric(18, 2) NOT NULL DEFAULT 0,
    total_retenciones  numeric(18, 2) NOT NULL DEFAULT 0,
    total              numeric(18, 2) NOT NULL,
    forma_pago         text NOT NULL DEFAULT '',
    metodo_pago        text NOT NULL DEFAULT '',
    fecha_timbrado     timestamptz NOT NULL,
    rfc_prov_certif    text NOT NULL DEFAULT '',
    sello_sat          text NOT NULL DEFAULT '',
    status             text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'cancelled')),
    cancelled_at       timestamptz,
    -- Doubts that did not reject the file, e.g. an RFC check digit mismatch.
    warnings           jsonb NOT NULL DEFAULT '[]',
    raw_xml            text NOT NULL,
    -- sha256 of the uploaded bytes: an identical re-upload is idempotent.
    raw_sha256         bytea NOT NULL,
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, uuid)
);
CREATE INDEX sat_invoices_fecha_idx ON sat_invoices (company_id, fecha DESC, id DESC);
CREATE INDEX sat_invoices_emisor_idx ON sat_invoices (company_id, emisor_rfc, fecha DESC);
CREATE INDEX sat_invoices_receptor_idx ON sat_invoices (company_id, receptor_rfc, fecha DESC);
-- Reconciliation looks up valid invoices by amount.
CREATE INDEX sat_invoices_total_idx ON sat_invoices (company_id, total) WHERE status = 'valid';

-- Conceptos, numbered from 1 in document order.
CREATE TABLE sat_invoice_lines (
    company_id        uuid NOT NULL,
    invoice_id        uuid NOT NULL,
    line_no           int NOT NULL CHECK (line_no > 0),
    clave_prod_serv   text NOT NULL DEFAULT '',
    no_identificacion text NOT NULL DEFAULT '',
    cantidad          numeric(24, 6) NOT NULL,
    clave_unidad      text NOT NULL DEFAULT '',
    unidad            text NOT NULL DEFAULT '',
    descripcion       text NOT NULL DEFAULT '',
    valor_unitario    numeric(24, 6) NOT NULL,
    importe           numeric(24, 6) NOT NULL,
    descuento         numeric(24, 6) NOT NULL DEFAULT 0,
    objeto_imp        text NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, invoice_id, line_no),
    FOREIGN KEY (company_id, invoice_id) REFERENCES sat_invoices (company_id, id) ON DELETE CASCADE
);

-- Taxes: line_no NULL for the document's Impuestos (one row per rate), the
-- Concepto's number for its own Traslados and Retenciones.
CREATE TABLE sat_invoice_taxes (
    company_id  uuid NOT NULL,
    invoice_id  uuid NOT NULL,
    tax_no      int NOT NULL CHECK (tax_no > 0),
    line_no     int,
    kind        text NOT NULL CHECK (kind IN ('traslado', 'retencion')),
    impuesto    text NOT NULL,
    tipo_factor text NOT NULL DEFAULT '',
    tasa        numeric(12, 6),
    base        numeric(24, 6),
    importe     numeric(24, 6),
    PRIMARY KEY (company_id, invoice_id, tax_no),
    FOREIGN KEY (company_id, invoice_id) REFERENCES sat_invoices (company_id, id) ON DELETE CASCADE
);

-- CfdiRelacionados: e.g. the invoice an Egreso (credit note) refers to.
CREATE TABLE sat_invoice_relations (
    company_id    uuid NOT NULL,
    invoice_id    uuid NOT NULL,
    relation_no   int NOT NULL CHECK (relation_no > 0),
    tipo_relacion text NOT NULL,
    related_uuid  uuid NOT NULL,
    PRIMARY KEY (company_id, invoice_id, relation_no),
    FOREIGN KEY (company_id, invoice_id) REFERENCES sat_invoices (company_id, id) ON DELETE CASCADE
);
CREATE INDEX sat_invoice_relations_related_idx ON sat_invoice_relations (company_id, related_uuid);

-- Pagos complement of a tipo P invoice: one row per Pago ...
CREATE TABLE sat_invoice_payments (
    company_id    uuid NOT NULL,
    invoice_id    uuid NOT NULL,
    payment_no    int NOT NULL CHECK (payment_no > 0),
    fecha_pago    timestamptz NOT NULL,
    forma_pago    text NOT NULL DEFAULT '',
    moneda        text NOT NULL,
    tipo_cambio   numeric(18, 6),
    monto         numeric(18, 2) NOT NULL,
    num_operacion text NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, invoice_id, payment_no),
    FOREIGN KEY (company_id, invoice_id) REFERENCES sat_invoices (company_id, id) ON DELETE CASCADE
);

-- ... and one per DoctoRelacionado (the invoice a Pago pays).
CREATE TABLE sat_invoice_payment_docs (
    company_id         uuid NOT NULL,
    invoice_id         uuid NOT NULL,
    payment_no         int NOT NULL,
    doc_no             int NOT NULL CHECK (doc_no > 0),
    id_documento       uuid NOT NULL,
    serie              text NOT NULL DEFAULT '',
    folio              text NOT NULL DEFAULT '',
    moneda             text NOT NULL DEFAULT '',
    equivalencia       numeric(18, 6),
    num_parcialidad    int,
    imp_saldo_ant      numeric(18, 2),
    imp_pagado         numeric(18, 2) NOT NULL,
    imp_saldo_insoluto numeric(18, 2),
    PRIMARY KEY (company_id, invoice_id, payment_no, doc_no),
    FOREIGN KEY (company_id, invoice_id, payment_no)
        REFERENCES sat_invoice_payments (company_id, invoice_id, payment_no) ON DELETE CASCADE
);
CREATE INDEX sat_invoice_payment_docs_documento_idx ON sat_invoice_payment_docs (company_id, id_documento);

-- Bank accounts a company imports statements into. csv_mapping is the CSV
-- column mapping saved for the account's statements.
CREATE TABLE bank_accounts (
    company_id    uuid NOT NULL REFERENCES companies (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    bank          text NOT NULL CHECK (length(bank) BETWEEN 1 AND 200),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    account_last4 text NOT NULL DEFAULT '' CHECK (account_last4 ~ '^([0-9]{4})?$'),
    csv_mapping   jsonb,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, name)
);

-- One row per statement file imported, with what became of its rows.
CREATE TABLE bank_import_batches (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL,
    format      text NOT NULL CHECK (format IN ('csv', 'ofx')),
    filename    text NOT NULL DEFAULT '',
    sha256      bytea NOT NULL,
    imported    int NOT NULL,
    duplicates  int NOT NULL,
    rejected    int NOT NULL,
    rejections  jsonb NOT NULL DEFAULT '[]',
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, account_id) REFERENCES bank_accounts (company_id, id)
);
CREATE INDEX bank_import_batches_account_idx ON bank_import_batches (company_id, account_id, created_at DESC);

-- Statement lines. amount is signed: deposits positive, withdrawals
-- negative. dedupe_hash identifies the line across imports (from the OFX
-- FITID, or from date, amount, description and occurrence). status is kept
-- by the reconciliation in the same transaction as bank_matches.
CREATE TABLE bank_movements (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL,
    batch_id    uuid NOT NULL,
    posted_on   date NOT NULL,
    amount      numeric(18, 2) NOT NULL CHECK (amount <> 0),
    currency    text NOT NULL,
    kind        text NOT NULL GENERATED ALWAYS AS (CASE WHEN amount > 0 THEN 'deposit' ELSE 'withdrawal' END) STORED,
    description text NOT NULL DEFAULT '',
    reference   text NOT NULL DEFAULT '',
    fitid       text,
    dedupe_hash bytea NOT NULL,
    status      text NOT NULL DEFAULT 'unreconciled' CHECK (status IN ('unreconciled', 'reconciled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, account_id, dedupe_hash),
    FOREIGN KEY (company_id, account_id) REFERENCES bank_accounts (company_id, id),
    FOREIGN KEY (company_id, batch_id) REFERENCES bank_import_batches (company_id, id)
);
CREATE INDEX bank_movements_posted_idx ON bank_movements (company_id, posted_on DESC, id DESC);
CREATE INDEX bank_movements_unreconciled_idx ON bank_movements (company_id, posted_on, id) WHERE status = 'unreconciled';

-- Every reconciliation decision, kept forever: undoing a match stamps
-- undone_at and undone_by instead of deleting it.
CREATE TABLE bank_matches (
    company_id  uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    movement_id uuid NOT NULL,
    invoice_ids uuid[] NOT NULL CHECK (cardinality(invoice_ids) > 0),
    score       int NOT NULL CHECK (score BETWEEN 0 AND 100),
    -- What the score was made of, e.g. {"amount":50,"date":18,"rfc":15}.
    reasons     jsonb NOT NULL DEFAULT '{}',
    -- Movement amount minus the invoices' totals (manual matches may differ).
    difference  numeric(18, 2) NOT NULL DEFAULT 0,
    method      text NOT NULL CHECK (method IN ('auto', 'manual')),
    note        text NOT NULL DEFAULT '',
    actor_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    undone_at   timestamptz,
    undone_by   uuid,
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, movement_id) REFERENCES bank_movements (company_id, id)
);
-- A movement is in at most one live match.
CREATE UNIQUE INDEX bank_matches_live_movement_idx ON bank_matches (company_id, movement_id) WHERE undone_at IS NULL;
CREATE INDEX bank_matches_created_idx ON bank_matches (company_id, created_at DESC, id DESC);

-- The invoices of each match, so that an invoice is in at most one live
-- match (bank_matches.invoice_ids cannot carry that constraint).
CREATE TABLE bank_match_invoices (
    company_id uuid NOT NULL,
    match_id   uuid NOT NULL,
    invoice_id uuid NOT NULL,
    undone_at  timestamptz,
    PRIMARY KEY (company_id, match_id, invoice_id),
    FOREIGN KEY (company_id, match_id) REFERENCES bank_matches (company_id, id),
    FOREIGN KEY (company_id, invoice_id) REFERENCES sat_invoices (company_id, id)
);
CREATE UNIQUE INDEX bank_match_invoices_live_idx ON bank_match_invoices (company_id, invoice_id) WHERE undone_at IS NULL;
