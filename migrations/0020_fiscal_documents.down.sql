DROP TABLE fiscal_documents;
DROP TABLE fiscal_settings;
