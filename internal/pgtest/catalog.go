package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// catalogSQL describes, one line each, everything a migration or a
// restore must reproduce outside the system schemas: relations (with
// row-level security and privileges), columns, constraints, indexes,
// policies, triggers, functions, view definitions, enum labels, schema
// privileges and who may run set_config. Owners and object ids are left
// out, and privilege lists are sorted, so two databases built the same way
// describe the same.
const catalogSQL = `
WITH ns AS (
    SELECT oid, nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema')
      AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'
), rel AS (
    SELECT c.*, ns.nspname FROM pg_class c JOIN ns ON ns.oid = c.relnamespace
)
SELECT line FROM (
    SELECT 'schema ' || nspname || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text)
                                                        FROM unnest(n.nspacl) a), '') AS line
    FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns)
  UNION ALL
    SELECT 'relation ' || nspname || '.' || relname || ' kind=' || relkind::text
        || ' rls=' || relrowsecurity || ' force=' || relforcerowsecurity
        || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(relacl) a), '')
    FROM rel WHERE relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
    SELECT 'column ' || r.nspname || '.' || r.relname || '.' || a.attname
        || ' ' || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull
        || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        || ' acl=' || coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x), '')
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
    WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f')
  UNION ALL
    SELECT 'constraint ' || r.nspname || '.' || r.relname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
    FROM pg_constraint c JOIN rel r ON r.oid = c.conrelid
  UNION ALL
    SELECT 'index ' || schemaname || '.' || indexname || ' ' || indexdef
    FROM pg_indexes WHERE schemaname IN (SELECT nspname FROM ns)
  UNION ALL
    SELECT 'policy ' || schemaname || '.' || tablename || '.' || policyname || ' ' || permissive
        || ' roles=' || array_to_string(ARRAY(SELECT unnest(roles) ORDER BY 1), ',') || ' cmd=' || cmd
        || ' using=' || coalesce(qual, '') || ' check=' || coalesce(with_check, '')
    FROM pg_policies WHERE schemaname IN (SELECT nspname FROM ns)
  UNION ALL
    SELECT 'trigger ' || r.nspname || '.' || r.relname || ' ' || pg_get_triggerdef(t.oid)
    FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE NOT t.tgisinternal
  UNION ALL
    SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
        || md5(pg_get_functiondef(p.oid))
        || ' acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), '')
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind IN ('f', 'p')
  UNION ALL
    SELECT 'view ' || nspname || '.' || relname || ' ' || md5(pg_get_viewdef(oid))
    FROM rel WHERE relkind IN ('v', 'm')
  UNION ALL
    SELECT 'enum ' || ns.nspname || '.' || t.typname || ' '
        || (SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'e'
  UNION ALL
    SELECT 'set_config acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(proacl) a), '')
    FROM pg_proc WHERE oid = 'pg_catalog.set_config(text, text, boolean)'::regprocedure
) lines ORDER BY line`

// Catalog returns the catalog description of db's database (catalogSQL),
// one line per object, sorted: compare two of them to check that two
// databases have the same schema, row-level security and privileges.
func Catalog(t testing.TB, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rows, err := db.Query(ctx, catalogSQL)
	if err != nil {
		t.Fatalf("pgtest: catalog: %v", err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("pgtest: catalog: %v", err)
	}
	return lines
}
