DROP TABLE reporting_source_failures;
