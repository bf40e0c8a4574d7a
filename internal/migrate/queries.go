package migrate

// SQL used by the package. Identifiers that vary (schemas, tables, roles)
// are quoted with pgx.Identifier before being substituted for %s; every
// value is bound.
const (
	// tenantTablesSQL lists the tables of schema $1 that have a company_id
	// column, with whether RLS is enabled and forced, whether policy $3
	// exists and whether role $2 holds every DML privilege.
	tenantTablesSQL = `
SELECT c.relname,
       c.relrowsecurity AND c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $3),
       has_table_privilege($2, c.oid, 'SELECT')
         AND has_table_privilege($2, c.oid, 'INSERT')
         AND has_table_privilege($2, c.oid, 'UPDATE')
         AND has_table_privilege($2, c.oid, 'DELETE')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
ORDER BY c.relname`

	// tenantSequencesSQL lists the sequences of schema $1 owned by (serial
	// or identity columns of) a table with a company_id column on which
	// role $2 lacks USAGE. The CASE keeps has_sequence_privilege from ever
	// seeing a relation that is not a sequence.
	tenantSequencesSQL = `
SELECT DISTINCT s.relname
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
WHERE n.nspname = $1
  AND s.relkind = 'S'
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = d.refobjid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
  AND CASE WHEN s.relkind = 'S' THEN NOT has_sequence_privilege($2, s.oid, 'USAGE') ELSE false END
ORDER BY s.relname`

	// enableRLSSQL takes the quoted table.
	enableRLSSQL = `ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`

	// createPolicySQL takes the quoted policy name and table.
	createPolicySQL = `CREATE POLICY %s ON %s
  USING (company_id = current_setting('app.company_id', true)::uuid)
  WITH CHECK (company_id = current_setting('app.company_id', true)::uuid)`

	// grantTableSQL takes the quoted table and role.
	grantTableSQL = `GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %s`

	// grantSequenceSQL takes the quoted sequence and role.
	grantSequenceSQL = `GRANT USAGE ON SEQUENCE %s TO %s`

	// tablesWithoutRLSSQL lists every table with a company_id column whose
	// row-level security is not both enabled and forced.
	tablesWithoutRLSSQL = `
SELECT n.nspname || '.' || c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
ORDER BY 1`

	// createMigrationsTableSQL creates the migrator's bookkeeping table.
	createMigrationsTableSQL = `
CREATE TABLE IF NOT EXISTS public.schema_migrations (
    component  text NOT NULL,
    version    int NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (component, version)
)`

	// migrationsTableExistsSQL reports whether schema_migrations exists.
	migrationsTableExistsSQL = `SELECT to_regclass('public.schema_migrations') IS NOT NULL`

	// appliedMigrationsSQL lists component $1's applied migrations.
	appliedMigrationsSQL = `
SELECT version, name, checksum, applied_at
FROM public.schema_migrations
WHERE component = $1
ORDER BY version`

	// insertMigrationSQL records an applied migration.
	insertMigrationSQL = `
INSERT INTO public.schema_migrations (component, version, name, checksum)
VALUES ($1, $2, $3, $4)`

	// deleteMigrationSQL forgets a reverted migration.
	deleteMigrationSQL = `DELETE FROM public.schema_migrations WHERE component = $1 AND version = $2`

	// lockSQL and unlockSQL take and release the migration advisory lock.
	lockSQL   = `SELECT pg_advisory_lock($1)`
	unlockSQL = `SELECT pg_advisory_unlock($1)`

	// createSchemaSQL and grantSchemaSQL take the quoted schema (and role).
	createSchemaSQL = `CREATE SCHEMA IF NOT EXISTS %s`
	grantSchemaSQL  = `GRANT USAGE ON SCHEMA %s TO %s`

	// searchPathSQL takes the quoted vertical schema.
	searchPathSQL = `SET LOCAL search_path TO %s, public`
)
