-- The fiscal document of each sale (an invoice) and each return of an
-- invoiced sale (a credit note), issued through the host's fiscal service:
-- id is the sale's or the return's id. status is pending while the
-- document could not be issued yet (the authority unreachable, its
-- breaker open: the job cpg.issue_fiscal_documents tries again), then the
-- host document's authorized or rejected; the host keeps the document
-- itself (GET /api/v1/fiscal/documents/{document_id}).
CREATE TABLE fiscal_documents (
    company_id         uuid NOT NULL,
    id                 uuid NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    sale_id            uuid NOT NULL,
    status             text NOT NULL CHECK (status IN ('pending', 'requested', 'authorized', 'rejected', 'cancelled')),
    document_id        uuid,
    series             text,
    number             bigint,
    authorization_code text,
    error_code         text,
    attempts           int NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, sale_id) REFERENCES sales (company_id, id)
);
CREATE INDEX fiscal_documents_sale_idx ON fiscal_documents (company_id, sale_id);
