package migrate_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// tenantPrivileges returns, for each of tables, which of SELECT, INSERT,
// UPDATE and DELETE migrate.TenantRole holds on it.
func tenantPrivileges(t *testing.T, pool *pgxpool.Pool, tables ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range tables {
		out[table] = []string{}
		for _, priv := range []string{"SELECT", "INSERT", "UPDATE", "DELETE"} {
			var held bool
			require.NoError(t, pool.QueryRow(t.Context(), `SELECT has_table_privilege($1, $2::regclass, $3)`,
				migrate.TenantRole, "public."+table, priv).Scan(&held))
			if held {
				out[table] = append(out[table], priv)
			}
		}
	}
	return out
}

// TestTenantRoleHostGrants: the host's tenant role reads memberships but
// does not write them, never touches refresh_tokens, and may claim and
// answer idempotency keys but not delete them; the other tenant tables
// keep the four privileges. A database migrated before 0011 upgrades in
// place, later migrations (whose EnforceTenancy runs again) do not give
// the privileges back, and reverting 0011 does.
func TestTenantRoleHostGrants(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := openPool(t, pgtest.NewDatabase(t), false)
	m := migrate.NewMigrator(pool, nil)
	host, err := migrate.Host()
	require.NoError(t, err)
	before := host
	before.Migrations = nil
	for _, mig := range host.Migrations {
		if mig.Version < 11 {
			before.Migrations = append(before.Migrations, mig)
		}
	}
	tables := []string{"memberships", "refresh_tokens", "idempotency_keys", "company_verticals", "status_history"}
	all := []string{"SELECT", "INSERT", "UPDATE", "DELETE"}
	everything := map[string][]string{}
	for _, table := range tables {
		everything[table] = all
	}
	narrowed := map[string][]string{
		"memberships":       {"SELECT"},
		"refresh_tokens":    {},
		"idempotency_keys":  {"SELECT", "INSERT", "UPDATE"},
		"company_verticals": all,
		"status_history":    all,
	}

	_, err = m.Up(ctx, before)
	require.NoError(t, err)
	require.Equal(t, everything, tenantPrivileges(t, pool, tables...), "before 0011")

	applied, err := m.Up(ctx, host)
	require.NoError(t, err)
	require.Contains(t, applied, 11)
	require.Equal(t, narrowed, tenantPrivileges(t, pool, tables...), "upgraded in place")

	// A later migration runs EnforceTenancy on the host's schema again.
	later := host
	later.Migrations = append(later.Migrations[:len(later.Migrations):len(later.Migrations)],
		migration.Migration{Version: 9999, Name: "later", Up: "CREATE TABLE later_things (company_id uuid NOT NULL)", Down: "DROP TABLE later_things"})
	_, err = m.Up(ctx, later)
	require.NoError(t, err)
	require.Equal(t, narrowed, tenantPrivileges(t, pool, tables...), "EnforceTenancy leaves deliberate grants alone")
	require.Equal(t, map[string][]string{"later_things": all}, tenantPrivileges(t, pool, "later_things"), "a new tenant table is granted")
	_, err = m.Down(ctx, later, 1)
	require.NoError(t, err)

	// In a tenant transaction, the refused writes fail with
	// insufficient_privilege and change nothing.
	company := uuid.New()
	for _, stmt := range []string{
		`INSERT INTO memberships (company_id, user_id, role) VALUES ($1, gen_random_uuid(), 'owner')`,
		`UPDATE memberships SET role = 'owner' WHERE company_id = $1`,
		`DELETE FROM memberships WHERE company_id = $1`,
		`SELECT count(*) FROM refresh_tokens WHERE company_id = $1`,
		`DELETE FROM idempotency_keys WHERE company_id = $1`,
	} {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, `SELECT set_config('role', $1, true), set_config('app.company_id', $2, true)`,
			migrate.TenantRole, company.String())
		require.NoError(t, err)
		_, err = tx.Exec(ctx, stmt, company)
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), "%s: %v", stmt, err)
		require.Equal(t, "42501", pgErr.Code, stmt)
		require.NoError(t, tx.Rollback(ctx))
	}

	reverted, err := m.Down(ctx, host, len(host.Migrations)-len(before.Migrations))
	require.NoError(t, err)
	require.Contains(t, reverted, 11)
	require.Equal(t, everything, tenantPrivileges(t, pool, tables...), "reverted")
	_, err = m.Up(ctx, host)
	require.NoError(t, err)
	require.Equal(t, narrowed, tenantPrivileges(t, pool, tables...), "applied again")
}
