package migrate

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// verticalRolePrefix starts the name of every vertical's role.
const verticalRolePrefix = "nexus_v_"

// maxIdentLen is the longest identifier PostgreSQL keeps (NAMEDATALEN-1).
const maxIdentLen = 63

// VerticalRole is the role a vertical's statements run as: "nexus_v_"
// and its schema, shortened with a hash of the schema when that would
// exceed PostgreSQL's identifier length (so that two long schemas never
// share a role).
func VerticalRole(schema string) string {
	name := verticalRolePrefix + schema
	if len(name) <= maxIdentLen {
		return name
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(schema))
	suffix := fmt.Sprintf("_%08x", h.Sum32())
	return name[:maxIdentLen-len(suffix)] + suffix
}

// StateColumn is a column of a vertical's table that only the host's
// state machine changes: rows start in Initial, its default.
type StateColumn struct {
	Table, Column, Initial string
}

// FenceVertical sets up the role of the vertical whose tables live in
// schema (VerticalRole): created NOLOGIN, without BYPASSRLS and member of
// nothing, switchable by the connecting role, with USAGE on schema and
// SELECT, INSERT, UPDATE and DELETE on the schema's tenant tables (those
// with a company_id column, which EnforceTenancy keeps under row-level
// security), USAGE on their sequences — and nothing on the host's tables
// or any other schema (a vertical without migrations has no schema, and
// its role no table). states are the columns only the host may write
// (state-machine columns): each takes its machine's initial state as its
// default, and on its table INSERT and UPDATE are granted on every other
// column, so a new row starts in the initial state and moves only
// through a transition. It also takes EXECUTE on set_config from
// PUBLIC (granting it to TenantRole and the connecting role), so that a
// vertical's statement can neither change role nor company. It only
// touches what is missing and holds the migration lock until the
// transaction ends; run it in a transaction after the schema's
// migrations, every time the vertical registers, so that an existing
// database upgrades in place.
func FenceVertical(ctx context.Context, db DBTX, schema string, states []StateColumn) error {
	role := VerticalRole(schema)
	ident := pgx.Identifier{role}.Sanitize()
	// Hosts registering the vertical at once would otherwise race on the
	// same grants ("tuple concurrently updated").
	if _, err := db.Exec(ctx, xactLockSQL, migrateLockKey); err != nil {
		return fmt.Errorf("fence schema %q: take migration lock: %w", schema, err)
	}
	if err := ensureVerticalRole(ctx, db, role); err != nil {
		return fmt.Errorf("fence schema %q: %w", schema, err)
	}
	if err := revokeSetConfig(ctx, db, role); err != nil {
		return fmt.Errorf("fence schema %q: %w", schema, err)
	}
	var exists, usage bool
	if err := db.QueryRow(ctx, schemaUsageSQL, role, schema).Scan(&exists, &usage); err != nil {
		return fmt.Errorf("fence schema %q: %w", schema, err)
	}
	if !exists {
		return nil
	}
	if !usage {
		if _, err := db.Exec(ctx, fmt.Sprintf(grantSchemaSQL, pgx.Identifier{schema}.Sanitize(), ident)); err != nil {
			return fmt.Errorf("fence schema %q: %w", schema, err)
		}
	}
	managed := map[string][]string{}
	for _, sc := range states {
		if err := setStateDefault(ctx, db, schema, sc); err != nil {
			return fmt.Errorf("fence schema %q: %w", schema, err)
		}
		managed[sc.Table] = append(managed[sc.Table], sc.Column)
	}
	if err := fenceTables(ctx, db, schema, role, managed); err != nil {
		return fmt.Errorf("fence schema %q: %w", schema, err)
	}
	if err := grantSequences(ctx, db, schema, role); err != nil {
		return fmt.Errorf("fence schema %q: %w", schema, err)
	}
	return nil
}

// ensureVerticalRole creates role (a vertical's, or TenantRole: both are
// NOLOGIN without BYPASSRLS) when missing and lets the connecting role
// switch to it.
func ensureVerticalRole(ctx context.Context, db DBTX, role string) error {
	var exists, member bool
	if err := db.QueryRow(ctx, verticalRoleStateSQL, role).Scan(&exists, &member); err != nil {
		return fmt.Errorf("role %s: %w", role, err)
	}
	ident := pgx.Identifier{role}.Sanitize()
	if !exists {
		if _, err := db.Exec(ctx, fmt.Sprintf(createVerticalRoleSQL, ident)); err != nil {
			return fmt.Errorf("create role %s: %w", role, err)
		}
	}
	if !member {
		if _, err := db.Exec(ctx, fmt.Sprintf(grantRoleToSessionSQL, ident)); err != nil {
			return fmt.Errorf("grant role %s: %w", role, err)
		}
	}
	return nil
}

// revokeSetConfig makes set_config callable only by the connecting role
// and TenantRole, if role can still call it.
func revokeSetConfig(ctx context.Context, db DBTX, role string) error {
	var allowed bool
	if err := db.QueryRow(ctx, setConfigAllowedSQL, role).Scan(&allowed); err != nil {
		return fmt.Errorf("set_config privilege: %w", err)
	}
	if !allowed {
		return nil
	}
	if _, err := db.Exec(ctx, fmt.Sprintf(restrictSetConfigSQL, pgx.Identifier{TenantRole}.Sanitize())); err != nil {
		return fmt.Errorf("restrict set_config: %w", err)
	}
	return nil
}

// setStateDefault makes sc's initial state its column's default, if it
// is not already.
func setStateDefault(ctx context.Context, db DBTX, schema string, sc StateColumn) error {
	var exists, set bool
	if err := db.QueryRow(ctx, stateDefaultSQL, schema, sc.Table, sc.Column, sc.Initial).Scan(&exists, &set); err != nil {
		return fmt.Errorf("default of %s.%s: %w", sc.Table, sc.Column, err)
	}
	switch {
	case !exists:
		return fmt.Errorf("state column %s.%s does not exist", sc.Table, sc.Column)
	case set:
		return nil
	}
	stmt := fmt.Sprintf(setStateDefaultSQL, pgx.Identifier{schema, sc.Table}.Sanitize(),
		pgx.Identifier{sc.Column}.Sanitize(), quoteLiteral(sc.Initial))
	if _, err := db.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("default of %s.%s: %w", sc.Table, sc.Column, err)
	}
	return nil
}

// quoteLiteral quotes s as an SQL string literal (standard conforming
// strings, PostgreSQL's default since 9.1).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// fenceTables grants role its privileges on schema's tenant tables,
// keeping INSERT and UPDATE off the managed columns.
func fenceTables(ctx context.Context, db DBTX, schema, role string, managed map[string][]string) error {
	rows, err := db.Query(ctx, fenceTablesSQL, schema, role)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	type table struct {
		name                           string
		readDelete, insert, update     bool
		columns, insertable, updatable []string
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (table, error) {
		var t table
		err := row.Scan(&t.name, &t.readDelete, &t.insert, &t.update, &t.columns, &t.insertable, &t.updatable)
		return t, err
	})
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	ident := pgx.Identifier{role}.Sanitize()
	for _, t := range tables {
		tbl := pgx.Identifier{schema, t.name}.Sanitize()
		var stmts []string
		if !t.readDelete {
			stmts = append(stmts, fmt.Sprintf(grantReadDeleteSQL, tbl, ident))
		}
		locked := managed[t.name]
		stmts = append(stmts, writeGrants("INSERT", tbl, ident, t.columns, locked, t.insert, t.insertable)...)
		stmts = append(stmts, writeGrants("UPDATE", tbl, ident, t.columns, locked, t.update, t.updatable)...)
		for _, stmt := range stmts {
			if _, err := db.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("grant on %s: %w", tbl, err)
			}
		}
	}
	return nil
}

// writeGrants returns the statements that leave role (ident) holding
// privilege on table tbl: on the whole table when no column is locked,
// else on every column but the locked ones. whole tells whether it holds
// privilege on the whole table, granted the columns it holds it on.
func writeGrants(privilege, tbl, ident string, columns, locked []string, whole bool, granted []string) []string {
	if len(locked) == 0 {
		if whole {
			return nil
		}
		return []string{fmt.Sprintf(grantWriteSQL, privilege, "", tbl, ident)}
	}
	var want []string
	for _, c := range columns {
		if !slices.Contains(locked, c) {
			want = append(want, c)
		}
	}
	if !whole && slices.Equal(want, granted) {
		return nil
	}
	stmts := []string{fmt.Sprintf(revokeWriteSQL, privilege, tbl, ident)}
	if len(want) > 0 {
		cols := make([]string, len(want))
		for i, c := range want {
			cols[i] = pgx.Identifier{c}.Sanitize()
		}
		stmts = append(stmts, fmt.Sprintf(grantWriteSQL, privilege, " ("+strings.Join(cols, ", ")+")", tbl, ident))
	}
	return stmts
}

// grantSequences grants role USAGE on the sequences of schema's tenant
// tables it cannot use yet.
func grantSequences(ctx context.Context, db DBTX, schema, role string) error {
	rows, err := db.Query(ctx, tenantSequencesSQL, schema, role)
	if err != nil {
		return fmt.Errorf("list sequences: %w", err)
	}
	sequences, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list sequences: %w", err)
	}
	for _, seq := range sequences {
		ident := pgx.Identifier{schema, seq}.Sanitize()
		if _, err := db.Exec(ctx, fmt.Sprintf(grantSequenceSQL, ident, pgx.Identifier{role}.Sanitize())); err != nil {
			return fmt.Errorf("grant on %s: %w", ident, err)
		}
	}
	return nil
}

// EnsureRoles creates, when missing, the roles a platform database relies
// on — TenantRole and the role of each vertical schema in schemas
// (VerticalRole) — and lets the connecting role switch to them. Roles
// belong to the server, not to a database, so a dump carries the grants
// made to them but not the roles: restoring it onto another server needs
// them first. Existing roles are left as they are.
func EnsureRoles(ctx context.Context, db DBTX, schemas []string) error {
	roles := []string{TenantRole}
	for _, s := range schemas {
		roles = append(roles, VerticalRole(s))
	}
	for _, r := range roles {
		if err := ensureVerticalRole(ctx, db, r); err != nil {
			return fmt.Errorf("ensure roles: %w", err)
		}
	}
	return nil
}
