package mx

// nextFolioSQL takes the next folio of a company's serie (run in the
// company's tenant transaction, under the core's lock of the serie).
const nextFolioSQL = `
INSERT INTO cfdi_folios (company_id, serie, last_folio) VALUES ($1, $2, 1)
ON CONFLICT (company_id, serie) DO UPDATE
SET last_folio = cfdi_folios.last_folio + 1, updated_at = now()
RETURNING last_folio`
