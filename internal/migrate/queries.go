package migrate

// SQL used by the package. Identifiers that vary (schemas, tables, roles)
// are quoted with pgx.Identifier before being substituted for %s; every
// value is bound.
const (
	// tenantTablesSQL lists the tables of schema $1 that have a company_id
	// column, with whether RLS is enabled and forced, whether policy $2
	// exists and whether the table's privileges were ever set (a non-null
	// ACL: granted by EnforceTenancy, or set on purpose by a migration).
	tenantTablesSQL = `
SELECT c.relname,
       c.relrowsecurity AND c.relforcerowsecurity,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2),
       c.relacl IS NOT NULL
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
	// xactLockSQL takes the migration advisory lock until the transaction
	// ends.
	xactLockSQL = `SELECT pg_advisory_xact_lock($1)`

	// createSchemaSQL and grantSchemaSQL take the quoted schema (and role).
	createSchemaSQL = `CREATE SCHEMA IF NOT EXISTS %s`
	grantSchemaSQL  = `GRANT USAGE ON SCHEMA %s TO %s`

	// searchPathSQL takes the quoted vertical schema.
	searchPathSQL = `SET LOCAL search_path TO %s, public`

	// verticalRoleStateSQL reports whether role $1 exists and whether the
	// connecting role may switch to it (a superuser always may).
	verticalRoleStateSQL = `
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
         OR CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
                 THEN pg_has_role(current_user, $1, 'MEMBER') ELSE false END`

	// createVerticalRoleSQL takes the quoted role. Roles are cluster-wide,
	// so two databases preparing the same vertical may race to create it.
	createVerticalRoleSQL = `DO $$
BEGIN
    CREATE ROLE %s NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$`

	// grantRoleToSessionSQL takes the quoted role.
	grantRoleToSessionSQL = `GRANT %s TO CURRENT_USER`

	// setConfigAllowedSQL reports whether role $1 may call set_config.
	setConfigAllowedSQL = `SELECT has_function_privilege($1, 'pg_catalog.set_config(text, text, boolean)', 'EXECUTE')`

	// restrictSetConfigSQL takes the quoted tenant role: set_config changes
	// the role and app.company_id, so only the connecting role and the
	// tenant role keep it.
	restrictSetConfigSQL = `REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO %s, CURRENT_USER`

	// schemaUsageSQL reports whether schema $2 exists (a vertical without
	// migrations has none) and whether role $1 has USAGE on it.
	schemaUsageSQL = `
SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2),
       CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2)
            THEN has_schema_privilege($1, $2, 'USAGE') ELSE false END`

	// fenceTablesSQL lists the tables of schema $1 that have a company_id
	// column with whether role $2 holds SELECT and DELETE, whether it
	// holds INSERT and UPDATE on the whole table, their columns and the
	// columns it may insert and update, in column order.
	fenceTablesSQL = `
SELECT c.relname,
       has_table_privilege($2, c.oid, 'SELECT') AND has_table_privilege($2, c.oid, 'DELETE'),
       has_table_privilege($2, c.oid, 'INSERT'),
       has_table_privilege($2, c.oid, 'UPDATE'),
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum),
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege($2, c.oid, a.attnum, 'INSERT') ORDER BY a.attnum),
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege($2, c.oid, a.attnum, 'UPDATE') ORDER BY a.attnum)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
ORDER BY c.relname`

	// stateDefaultSQL reports whether column $3 of table $2 in schema $1
	// exists and whether its default is the literal $4 of its type.
	stateDefaultSQL = `
SELECT EXISTS (SELECT 1 FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped),
       coalesce((SELECT pg_get_expr(d.adbin, d.adrelid) = quote_literal($4) || '::' || format_type(a.atttypid, NULL)
                 FROM pg_attribute a
                 JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                 WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3), false)`

	// setStateDefaultSQL takes the quoted table, column and initial state
	// (a quoted literal).
	setStateDefaultSQL = `ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s`

	// grantReadDeleteSQL takes the quoted table and role.
	grantReadDeleteSQL = `GRANT SELECT, DELETE ON %s TO %s`

	// grantWriteSQL takes the privilege (INSERT or UPDATE), an optional
	// column list (" (a, b)"), the quoted table and role.
	grantWriteSQL = `GRANT %s%s ON %s TO %s`

	// revokeWriteSQL takes the privilege (INSERT or UPDATE), the quoted
	// table and role; it revokes the column privileges too.
	revokeWriteSQL = `REVOKE %s ON %s FROM %s`
)
