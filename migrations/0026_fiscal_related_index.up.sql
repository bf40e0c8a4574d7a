-- The documents related to another (a credit note to the invoice it
-- reverses): the fiscal core sums an invoice's authorized credit notes
-- (qCredited) and the foreign key (company_id, related_id) is checked on
-- every delete of a document; without an index both scanned the
-- company's documents.
CREATE INDEX fiscal_documents_related_idx ON fiscal_documents (company_id, related_id)
    WHERE related_id IS NOT NULL;
