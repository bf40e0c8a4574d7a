package dal

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// SQL the package runs. Fixed statements are complete constants; the
// statements built per operation are assembled from the fragments below,
// with identifiers taken from the Catalog and quoted with pgx.Identifier
// and every value bound as a $n parameter. company_id is always bound as
// $1.

// Conventional column names.
const (
	colCompany   = "company_id"
	colID        = "id"
	colVersion   = "version"
	colUpdatedAt = "updated_at"
)

const (
	// catalogSQL lists the columns (name, formatted type, not null, has
	// default, generated, base type name) of the ordinary and partitioned
	// tables of schema $1 that have a company_id column. Domains are
	// classified by their base type.
	catalogSQL = `
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef,
       (a.attgenerated <> '' OR a.attidentity = 'a'), bt.typname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND EXISTS (SELECT 1 FROM pg_attribute x
              WHERE x.attrelid = c.oid AND x.attname = 'company_id' AND x.attnum > 0 AND NOT x.attisdropped)
ORDER BY c.relname, a.attnum`

	// tenantBeginSQL makes a fresh transaction a tenant transaction: role
	// $1, app.company_id $2, search_path $3 and lock_timeout $4, all local
	// to the transaction, in one round trip.
	tenantBeginSQL = `SELECT set_config('role', $1, true), set_config('app.company_id', $2, true),
       set_config('search_path', $3, true), set_config('lock_timeout', $4, true)`

	// setRoleSQL, followed by a quoted role, switches the transaction's
	// role. It is a statement, not set_config, because the roles of
	// verticals may not call set_config.
	setRoleSQL = `SET LOCAL ROLE `

	// searchPathSQL sets a transaction's search_path to $1.
	searchPathSQL = `SELECT set_config('search_path', $1, true)`

	// historySQL is the status_history insert of a transition, run as a
	// data-modifying CTE over the updated row q: $1 company, $4 vertical,
	// $5 table, $6 previous status, $7 event, $8 note, $9 actor, $10 new
	// status (as text; $3 is the same status typed like the state column).
	historySQL = `INSERT INTO public.status_history
  (company_id, vertical, table_name, row_id, from_status, to_status, event, note, actor_id)
SELECT $1::uuid, $4, $5, q.id, $6::text, $10::text, $7, $8, $9::uuid FROM q`
)

// Statements of CopyRows and NewBulkTenantUnit; %s stand for quoted
// identifiers or lists built from them.
const (
	// bulkSettingsSQL makes a transaction commit without waiting for the
	// WAL flush and, when the connecting role is a superuser, skip
	// triggers (foreign-key checks included) until it ends. It must run
	// before the switch to the tenant role: session_replication_role is
	// a superuser's setting.
	bulkSettingsSQL = `SELECT set_config('synchronous_commit', 'off', true),
       (SELECT set_config('session_replication_role', 'replica', true)
        FROM pg_roles WHERE rolname = current_user AND rolsuper)`

	// copyTempTable is the temporary table CopyRows loads through.
	copyTempTable = "nexus_copy_rows"

	// createCopyTempSQL takes the temporary table, the column list and the
	// target table: an empty table with the target's column types.
	createCopyTempSQL = `CREATE TEMP TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA`

	// copyFromStdinSQL takes the temporary table and the column list.
	copyFromStdinSQL = `COPY %s (%s) FROM STDIN`

	// grantTempSQL takes the temporary table and the role that reads it.
	grantTempSQL = `GRANT SELECT ON %s TO %s`

	// insertFromTempSQL takes the target, the column list twice and the
	// temporary table; $1 is the company.
	insertFromTempSQL = `INSERT INTO %s (company_id, %s) SELECT $1::uuid, %s FROM %s`

	// dropCopyTempSQL takes the temporary table.
	dropCopyTempSQL = `DROP TABLE %s`

	// foreignStatesSQL takes the state column and the temporary table: the
	// distinct values of the column that are not among the states $1.
	foreignStatesSQL = `SELECT coalesce(array_agg(DISTINCT coalesce(s, '(null)')), '{}')
FROM (SELECT %s::text AS s FROM %s) x WHERE s IS NULL OR NOT (s = ANY($1::text[]))`
)

// Fragments of built statements; %s stand for quoted identifiers or lists
// built from them.
const (
	// jsonRowsSQL wraps a query named q (a CTE) whose columns are selected by
	// the output list: SELECT <output> FROM q, one JSON object per row.
	jsonRowsSQL = `SELECT row_to_json(x)::text FROM (SELECT %s FROM q) x`

	insertSQL = `INSERT INTO %s (company_id%s) SELECT $1::uuid%s FROM json_populate_recordset(NULL::%s, $2::json) r`

	getSQL = `SELECT * FROM %s WHERE company_id = $1::uuid AND id = $2::uuid`

	listSQL = `SELECT * FROM %s WHERE %s ORDER BY %s LIMIT %d`

	updateSQL = `UPDATE %s AS t SET %s FROM json_populate_record(NULL::%s, $3::json) r
WHERE t.company_id = $1::uuid AND t.id = $2::uuid%s`

	// versionCheck is appended to update and delete WHERE clauses.
	versionCheck = ` AND t.version = $%d`

	currentVersionSQL = `SELECT version FROM %s WHERE company_id = $1::uuid AND id = $2::uuid`

	deleteSQL = `DELETE FROM %s AS t WHERE t.company_id = $1::uuid AND t.id = $2::uuid%s`

	// companyCond starts every WHERE clause built for list and aggregate.
	companyCond = `company_id = $1::uuid`

	aggregateSQL = `SELECT %s FROM %s AS t WHERE %s%s`

	lockSQL = `SELECT id::text FROM %s WHERE company_id = $1::uuid AND id = ANY($2::text[]::uuid[]) ORDER BY id FOR UPDATE`

	stateSQL = `SELECT %s::text FROM %s WHERE company_id = $1::uuid AND id = $2::uuid FOR UPDATE`

	transitionSQL = `UPDATE %s AS t SET %s WHERE t.company_id = $1::uuid AND t.id = $2::uuid RETURNING t.*`
)

// quote quotes one identifier.
func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// outputExpr selects column name, as text when asText.
func outputExpr(name string, asText bool) string {
	q := quote(name)
	if asText {
		return q + "::text AS " + q
	}
	return q
}

// joinComma joins parts with ", ".
func joinComma(parts []string) string { return strings.Join(parts, ", ") }

// wrapRows turns a statement returning a table's rows into one returning
// them as JSON objects: WITH q AS (<stmt>) SELECT row_to_json(...).
func wrapRows(stmt, output string) string {
	return "WITH q AS (" + stmt + ") " + fmt.Sprintf(jsonRowsSQL, output)
}

// wrapTransition is wrapRows for a transition's update, adding the
// status_history insert as a second data-modifying CTE.
func wrapTransition(update, output string) string {
	return "WITH q AS (" + update + "), h AS (" + historySQL + ") " + fmt.Sprintf(jsonRowsSQL, output)
}

// wrapOrdered turns an ordered, limited SELECT * into one returning each
// row as a JSON object, keeping the subquery's order.
func wrapOrdered(stmt, output string) string {
	return "SELECT row_to_json(x)::text FROM (SELECT " + output + " FROM (" + stmt + ") q) x"
}

// wrapAggregate returns each row of an aggregate query as a JSON object.
func wrapAggregate(stmt string) string {
	return "SELECT row_to_json(x)::text FROM (" + stmt + ") x"
}

// wrapNamed wraps a named query returning rows: its result columns are
// renamed c1..cn in a CTE (so duplicate or odd names cannot clash) and
// selected back under their names, numerics (numeric[i]) as text.
func wrapNamed(sql string, names []string, numeric []bool) string {
	inner, outer := make([]string, len(names)), make([]string, len(names))
	for i, name := range names {
		inner[i] = quote(fmt.Sprintf("c%d", i+1))
		outer[i] = "q." + inner[i]
		if numeric[i] {
			outer[i] += "::text"
		}
		outer[i] += " AS " + quote(name)
	}
	return "WITH q (" + joinComma(inner) + ") AS (" + sql + ") SELECT row_to_json(x)::text FROM (SELECT " +
		joinComma(outer) + " FROM q) x"
}
