DROP TABLE fiscal_documents;
