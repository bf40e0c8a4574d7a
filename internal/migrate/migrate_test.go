package migrate_test

import (
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/internal/pgtest"
)

func TestHostMigrationsLoad(t *testing.T) {
	t.Parallel()
	host, err := migrate.Host()
	require.NoError(t, err)
	require.Equal(t, "host", host.Name)
	require.Equal(t, "public", host.Schema)
	require.NotEmpty(t, host.Migrations)
	require.Equal(t, 1, host.Migrations[0].Version)
	require.Equal(t, "core", host.Migrations[0].Name)
}

// testComponent is a small vertical whose three migrations are easy to
// observe.
func testComponent() migrate.Component {
	return migrate.Component{Name: "testvert", Schema: "testvert", Migrations: []migration.Migration{
		{Version: 1, Name: "items", Up: `CREATE TABLE items (
    company_id uuid NOT NULL, id bigserial, name text NOT NULL, PRIMARY KEY (company_id, id));`,
			Down: `DROP TABLE items;`},
		{Version: 2, Name: "units", Up: `CREATE TABLE units (code text PRIMARY KEY);`, Down: `DROP TABLE units;`},
		{Version: 3, Name: "item_notes", Up: `CREATE TABLE item_notes (
    company_id uuid NOT NULL, item_id bigint NOT NULL, note text NOT NULL,
    PRIMARY KEY (company_id, item_id), FOREIGN KEY (company_id, item_id) REFERENCES items (company_id, id));`,
			Down: `DROP TABLE item_notes;`},
	}}
}

// migratedHost returns a pool on a fresh database carrying the host's
// migrations, and a migrator on it.
func migratedHost(t *testing.T) (*pgxpool.Pool, *migrate.Migrator) {
	t.Helper()
	pool := openPool(t, pgtest.NewDatabase(t), true)
	return pool, migrate.NewMigrator(pool, nil)
}

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var exists bool
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists))
	return exists
}

func TestMigratorHostUpDownStatus(t *testing.T) {
	t.Parallel()
	pool := openPool(t, pgtest.NewDatabase(t), false)
	m := migrate.NewMigrator(pool, nil)
	host, err := migrate.Host()
	require.NoError(t, err)
	last := host.Migrations[len(host.Migrations)-1].Version

	status, err := m.Status(t.Context(), host)
	require.NoError(t, err)
	require.Len(t, status, len(host.Migrations))
	for _, s := range status {
		require.False(t, s.Applied, "version %d", s.Version)
	}

	applied, err := m.Up(t.Context(), host)
	require.NoError(t, err)
	require.Len(t, applied, len(host.Migrations))
	for _, table := range []string{"companies", "users", "memberships", "refresh_tokens", "company_verticals", "status_history", "idempotency_keys"} {
		require.True(t, tableExists(t, pool, "public."+table), table)
	}

	applied, err = m.Up(t.Context(), host)
	require.NoError(t, err)
	require.Empty(t, applied)

	reverted, err := m.Down(t.Context(), host, 1)
	require.NoError(t, err)
	require.Equal(t, []int{last}, reverted)
	if last == 1 {
		require.False(t, tableExists(t, pool, "public.companies"))
	}

	applied, err = m.Up(t.Context(), host)
	require.NoError(t, err)
	require.Equal(t, []int{last}, applied)
	missing, err := migrate.TablesWithoutRLS(t.Context(), pool)
	require.NoError(t, err)
	require.Empty(t, missing)
}

func TestMigratorVerticalUpDownStatus(t *testing.T) {
	t.Parallel()
	pool, m := migratedHost(t)
	c := testComponent()

	applied, err := m.Up(t.Context(), c)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, applied)
	require.True(t, tableExists(t, pool, "testvert.items"), "migrations run with the vertical's schema first in search_path")
	require.False(t, tableExists(t, pool, "public.items"))

	applied, err = m.Up(t.Context(), c)
	require.NoError(t, err)
	require.Empty(t, applied)

	status, err := m.Status(t.Context(), c)
	require.NoError(t, err)
	require.Len(t, status, 3)
	for i, s := range status {
		require.Equal(t, i+1, s.Version)
		require.Equal(t, c.Migrations[i].Name, s.Name)
		require.True(t, s.Applied)
		require.False(t, s.AppliedAt.IsZero())
		require.False(t, s.Modified)
		require.False(t, s.Missing)
	}

	reverted, err := m.Down(t.Context(), c, 1)
	require.NoError(t, err)
	require.Equal(t, []int{3}, reverted)
	require.False(t, tableExists(t, pool, "testvert.item_notes"))
	require.True(t, tableExists(t, pool, "testvert.items"))

	status, err = m.Status(t.Context(), c)
	require.NoError(t, err)
	require.Equal(t, []bool{true, true, false}, []bool{status[0].Applied, status[1].Applied, status[2].Applied})

	reverted, err = m.Down(t.Context(), c, 10)
	require.NoError(t, err)
	require.Equal(t, []int{2, 1}, reverted)
	require.False(t, tableExists(t, pool, "testvert.items"))

	_, err = m.Down(t.Context(), c, 0)
	require.ErrorContains(t, err, "need at least one migration")

	// The host component is untouched by the vertical's bookkeeping.
	host, err := migrate.Host()
	require.NoError(t, err)
	status, err = m.Status(t.Context(), host)
	require.NoError(t, err)
	for _, s := range status {
		require.True(t, s.Applied)
	}
}

func TestMigratorConcurrentUp(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	host, err := migrate.Host()
	require.NoError(t, err)
	components := []migrate.Component{host, testComponent()}

	const migrators = 2
	applied := make([][]int, migrators)
	errs := make([]error, migrators)
	pools := make([]*pgxpool.Pool, migrators)
	for i := range pools {
		pools[i] = openPool(t, dbURL, false)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range migrators {
		wg.Go(func() {
			<-start
			m := migrate.NewMigrator(pools[i], nil)
			for _, c := range components {
				got, err := m.Up(t.Context(), c)
				if err != nil {
					errs[i] = err
					return
				}
				applied[i] = append(applied[i], got...)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	total := len(host.Migrations) + len(testComponent().Migrations)
	require.Len(t, append(applied[0], applied[1]...), total, "each migration is applied exactly once")

	var rows int
	require.NoError(t, pools[0].QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&rows))
	require.Equal(t, total, rows)
	for _, pool := range pools {
		m := migrate.NewMigrator(pool, nil)
		for _, c := range components {
			status, err := m.Status(t.Context(), c)
			require.NoError(t, err)
			for _, s := range status {
				require.True(t, s.Applied, "%s %d", c.Name, s.Version)
			}
		}
	}
	missing, err := migrate.TablesWithoutRLS(t.Context(), pools[1])
	require.NoError(t, err)
	require.Empty(t, missing)
}

func TestMigratorRefusesDrift(t *testing.T) {
	t.Parallel()
	pool, m := migratedHost(t)
	c := testComponent()
	_, err := m.Up(t.Context(), c)
	require.NoError(t, err)

	changed := testComponent()
	changed.Migrations[1].Up += "\nCREATE INDEX ON units (code);"
	removed := testComponent()
	removed.Migrations = removed.Migrations[:2]

	tests := []struct {
		name      string
		component migrate.Component
		want      error
		wantMsg   string
		status    migrate.Status
	}{
		{
			name: "changed checksum", component: changed, want: migrate.ErrChecksumMismatch,
			wantMsg: "component testvert: migration 0002_units",
			status:  migrate.Status{Version: 2, Name: "units", Applied: true, Modified: true},
		},
		{
			name: "applied file removed", component: removed, want: migrate.ErrMissingMigration,
			wantMsg: "component testvert: migration 0003_item_notes",
			status:  migrate.Status{Version: 3, Name: "item_notes", Applied: true, Missing: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Up(t.Context(), tt.component)
			require.ErrorIs(t, err, tt.want)
			require.ErrorContains(t, err, tt.wantMsg)

			_, err = m.Down(t.Context(), tt.component, 1)
			require.ErrorIs(t, err, tt.want)

			status, err := m.Status(t.Context(), tt.component)
			require.NoError(t, err)
			var got migrate.Status
			for _, s := range status {
				if s.Version == tt.status.Version {
					got = s
				}
			}
			require.False(t, got.AppliedAt.IsZero())
			got.AppliedAt = time.Time{}
			require.Equal(t, tt.status, got)
		})
	}
	require.True(t, tableExists(t, pool, "testvert.item_notes"), "a refused run changes nothing")
}

func TestMigratorRejectsBadComponents(t *testing.T) {
	t.Parallel()
	pool := openPool(t, pgtest.NewDatabase(t), false)
	m := migrate.NewMigrator(pool, nil)
	ok := migration.Migration{Version: 1, Name: "a", Up: "SELECT 1", Down: "SELECT 1"}
	tests := []struct {
		name string
		c    migrate.Component
		want string
	}{
		{name: "no name", c: migrate.Component{Schema: "x"}, want: "component name"},
		{name: "quoted schema", c: migrate.Component{Name: "x", Schema: `x"; DROP`}, want: "not a usable schema name"},
		{name: "system schema", c: migrate.Component{Name: "x", Schema: "pg_catalog"}, want: "not a usable schema name"},
		{name: "unordered", c: migrate.Component{Name: "x", Schema: "x", Migrations: []migration.Migration{{Version: 2, Name: "b"}, ok}}, want: "increasing version order"},
		{name: "duplicate", c: migrate.Component{Name: "x", Schema: "x", Migrations: []migration.Migration{ok, ok}}, want: "increasing version order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := m.Up(t.Context(), tt.c)
			require.ErrorContains(t, err, tt.want)
			_, err = m.Status(t.Context(), tt.c)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestMigratorFailedMigrationRollsBack(t *testing.T) {
	t.Parallel()
	pool, m := migratedHost(t)
	c := testComponent()
	c.Migrations[1].Up = "CREATE TABLE units (code text PRIMARY KEY); SELECT 1/0;"

	applied, err := m.Up(t.Context(), c)
	require.ErrorContains(t, err, "apply 0002_units")
	require.Equal(t, []int{1}, applied)
	require.True(t, tableExists(t, pool, "testvert.items"))
	require.False(t, tableExists(t, pool, "testvert.units"))

	status, err := m.Status(t.Context(), c)
	require.NoError(t, err)
	require.True(t, status[0].Applied)
	require.False(t, status[1].Applied)
}

// openPool opens a pool on url, closed when the test ends, and applies the
// host's migrations when host is set.
func openPool(t *testing.T, url string, host bool) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	if host {
		pgtest.MigrateHost(t, pool)
	}
	return pool
}

// TestHostMigrationsReversible runs every host migration up, down and up
// again, one at a time, on a fresh database: each down migration leaves
// exactly the schema from before its up (tables, columns, constraints,
// indexes, policies, grants), and up after down gives the same schema.
func TestHostMigrationsReversible(t *testing.T) {
	t.Parallel()
	pool := openPool(t, pgtest.NewDatabase(t), false)
	host, err := migrate.Host()
	require.NoError(t, err)
	pgtest.MigrationsReversible(t, pool, host)
}
