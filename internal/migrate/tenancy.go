package migrate

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TenantRole is the role tenant transactions switch to. It has no
// BYPASSRLS and owns no table, so row-level security always applies to it.
const TenantRole = "nexus_tenant"

// TenantPolicy is the name of the row-level-security policy that confines
// every tenant table to app.company_id.
const TenantPolicy = "tenant_isolation"

// DBTX is what the catalog helpers need; *pgxpool.Pool, *pgxpool.Conn,
// *pgx.Conn and pgx.Tx all satisfy it.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// EnforceTenancy makes every table in schema that has a company_id column
// a tenant table: row-level security enabled and forced, the
// tenant_isolation policy (company_id = app.company_id) for reads and
// writes, and SELECT, INSERT, UPDATE, DELETE (plus USAGE on the sequences
// those tables own) granted to TenantRole on every table whose privileges
// were never set. A table whose privileges a migration set on purpose (the
// host's 0011 narrows TenantRole on sessions, members and idempotency
// keys) keeps them. It only touches what is missing, so running it again
// is cheap and locks no table when nothing is missing.
func EnforceTenancy(ctx context.Context, db DBTX, schema string) error {
	rows, err := db.Query(ctx, tenantTablesSQL, schema, TenantPolicy)
	if err != nil {
		return fmt.Errorf("enforce tenancy on schema %q: list tables: %w", schema, err)
	}
	type table struct {
		name                     string
		secured, policy, granted bool
	}
	tables, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (table, error) {
		var t table
		err := row.Scan(&t.name, &t.secured, &t.policy, &t.granted)
		return t, err
	})
	if err != nil {
		return fmt.Errorf("enforce tenancy on schema %q: list tables: %w", schema, err)
	}
	for _, t := range tables {
		ident := pgx.Identifier{schema, t.name}.Sanitize()
		var stmts []string
		if !t.secured {
			stmts = append(stmts, fmt.Sprintf(enableRLSSQL, ident))
		}
		if !t.policy {
			stmts = append(stmts, fmt.Sprintf(createPolicySQL, pgx.Identifier{TenantPolicy}.Sanitize(), ident))
		}
		if !t.granted {
			stmts = append(stmts, fmt.Sprintf(grantTableSQL, ident, pgx.Identifier{TenantRole}.Sanitize()))
		}
		for _, stmt := range stmts {
			if _, err := db.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("enforce tenancy on %s: %w", ident, err)
			}
		}
	}

	if err := grantSequences(ctx, db, schema, TenantRole); err != nil {
		return fmt.Errorf("enforce tenancy on schema %q: %w", schema, err)
	}
	return nil
}

// TablesWithoutRLS lists, as "schema.table", every table in the database
// (outside the system schemas) that has a company_id column but lacks
// enabled or forced row-level security. An empty result means every tenant
// table is protected.
func TablesWithoutRLS(ctx context.Context, db DBTX) ([]string, error) {
	rows, err := db.Query(ctx, tablesWithoutRLSSQL)
	if err != nil {
		return nil, fmt.Errorf("list tables without row-level security: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list tables without row-level security: %w", err)
	}
	return names, nil
}
