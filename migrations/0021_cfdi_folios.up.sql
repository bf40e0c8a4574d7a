-- cfdi_folios numbers a company's CFDIs (host/internal/fiscal/mx): the
-- last folio given in each serie. The fiscal core holds the lock of the
-- serie while a folio is taken, so folios are given in order; one whose
-- CFDI the PAC refused is not reused (SAT needs no consecutive folios,
-- only unique ones per serie). Row-level security is added by the
-- migrator, as for every table with a company_id.
CREATE TABLE cfdi_folios (
    company_id uuid NOT NULL REFERENCES companies (id),
    serie      text NOT NULL CHECK (length(serie) BETWEEN 1 AND 25),
    last_folio bigint NOT NULL CHECK (last_folio > 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, serie)
);
