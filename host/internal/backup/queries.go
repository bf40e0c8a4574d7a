package backup

// SQL used by the package. Table names read from the catalog are quoted
// with pgx.Identifier before being substituted for %s.
const (
	// snapshotSQL exports the snapshot of the current (repeatable read)
	// transaction for pg_dump --snapshot.
	snapshotSQL = `SELECT pg_export_snapshot()`

	// rowSecurityOffSQL makes a count fail rather than silently skip the
	// rows row-level security would hide from a role without BYPASSRLS,
	// as pg_dump does.
	rowSecurityOffSQL = `SET LOCAL row_security = off`

	// serverVersionSQL reads the server's version.
	serverVersionSQL = `SHOW server_version`

	// migrationsExistSQL reports whether schema_migrations exists.
	migrationsExistSQL = `SELECT to_regclass('public.schema_migrations') IS NOT NULL`

	// migrationsSQL lists every applied migration, host first.
	migrationsSQL = `
SELECT component, version, name, checksum, applied_at
FROM public.schema_migrations
ORDER BY component <> 'host', component, version`

	// tablesSQL lists every ordinary and partitioned table outside the
	// system schemas.
	tablesSQL = `
SELECT n.nspname, c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%'
ORDER BY 1, 2`

	// countSQL takes the quoted schema-qualified table.
	countSQL = `SELECT count(*) FROM %s`

	// userObjectsSQL counts what a database holds beyond a fresh one:
	// relations, functions and types outside the system schemas, and
	// schemas other than public.
	userObjectsSQL = `
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')
     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'))
     + (SELECT count(*) FROM pg_namespace n
        WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')`

	// pinTenantACLsSQL gives every tenant table (one with a company_id
	// column) whose privileges are the owner's default an explicit
	// privilege list again. pg_dump writes no GRANT for a list equal to
	// the default, so a table the tenant role was taken off (the host's
	// sessions and memberships) comes back with none at all — which
	// migrate.EnforceTenancy reads as "never set" and would grant to the
	// tenant role at the next migration.
	pinTenantACLsSQL = `
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relacl IS NULL
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
    LOOP
        EXECUTE format('GRANT ALL ON %s TO CURRENT_USER', t);
    END LOOP;
END
$$`

	// analyzeSQL refreshes the planner's statistics, which a restore does
	// not carry.
	analyzeSQL = `ANALYZE`
)
