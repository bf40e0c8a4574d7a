package backup_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/backup"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/internal/pgtest"
)

func openPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// TestRestoreCreatesMissingRoles backs up a database carrying a vertical
// whose role then disappears from the server — as on a new server, since
// roles are not in a dump — and restores it: the role is created again,
// its grants and the row-level security come back as they were, and the
// vertical's rows are there. A manifest naming a host migration this
// nexus lacks is refused before anything is written.
func TestRestoreCreatesMissingRoles(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// A schema, and so a role, of this test's own on a shared server.
	schema := "bk_" + strings.ToLower(rand.Text()[:10])
	role := migrate.VerticalRole(schema)
	admin := openPool(t, pgtest.ServerURL())
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize())
	})

	origURL := pgtest.NewDatabase(t)
	orig := openPool(t, origURL)
	pgtest.MigrateHost(t, orig)
	c := migrate.Component{Name: schema, Schema: schema, Migrations: []migration.Migration{{Version: 1, Name: "notes",
		Up:   `CREATE TABLE notes (company_id uuid NOT NULL, id bigserial, body text NOT NULL, PRIMARY KEY (company_id, id))`,
		Down: `DROP TABLE notes`}}}
	_, err := migrate.NewMigrator(orig, nil).Up(ctx, c)
	require.NoError(t, err)
	require.NoError(t, pgx.BeginFunc(ctx, orig, func(tx pgx.Tx) error { return migrate.FenceVertical(ctx, tx, schema, nil) }))
	_, err = orig.Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "notes"}.Sanitize()+` (company_id, body)
		SELECT gen_random_uuid(), 'note ' || i FROM generate_series(1, 50) i`)
	require.NoError(t, err)

	dir := filepath.Join(t.TempDir(), "b")
	m, err := backup.Backup(ctx, backup.Options{DatabaseURL: origURL, Dir: dir, NexusVersion: "test"})
	require.NoError(t, err)
	require.Equal(t, []backup.Vertical{{Name: schema, Schema: schema, Role: role, SchemaVersion: 1}}, m.Verticals)
	require.Contains(t, m.Tables, backup.Table{Schema: schema, Name: "notes", Rows: 50})
	for _, f := range []string{backup.DumpFile, backup.ManifestFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "%s is the owner's only", f)
	}
	want := pgtest.Catalog(t, orig)
	require.Contains(t, strings.Join(want, "\n"), role+"=arwd/")

	// The role leaves the server, as if restoring elsewhere.
	_, err = orig.Exec(ctx, "DROP OWNED BY "+pgx.Identifier{role}.Sanitize())
	require.NoError(t, err)
	_, err = admin.Exec(ctx, "DROP ROLE "+pgx.Identifier{role}.Sanitize())
	require.NoError(t, err)

	// A manifest with a host migration unknown to this nexus is refused.
	future := filepath.Join(t.TempDir(), "future")
	require.NoError(t, os.CopyFS(future, os.DirFS(dir)))
	fm := m
	fm.Migrations = append(append([]backup.Migration(nil), m.Migrations...), backup.Migration{Component: "host", Version: 9999, Name: "from_the_future", Checksum: "x"})
	b, err := json.Marshal(fm)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(future, backup.ManifestFile), b, 0o600))
	emptyURL := pgtest.NewDatabase(t)
	_, err = backup.Restore(ctx, backup.Options{DatabaseURL: emptyURL, Dir: future})
	require.ErrorIs(t, err, backup.ErrUnknownMigration)
	var tables int
	require.NoError(t, openPool(t, emptyURL).QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables))
	require.Zero(t, tables, "nothing restored")

	restored := pgtest.NewDatabase(t)
	_, err = backup.Restore(ctx, backup.Options{DatabaseURL: restored, Dir: dir})
	require.NoError(t, err)
	rp := openPool(t, restored)
	require.Equal(t, want, pgtest.Catalog(t, rp))
	var exists bool
	require.NoError(t, rp.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND NOT rolcanlogin AND NOT rolbypassrls)`, role).Scan(&exists))
	require.True(t, exists, "the vertical's role is back")

	// Row-level security holds on the restored rows: the tenant role
	// sees none without a company.
	var visible int
	require.NoError(t, pgx.BeginFunc(ctx, rp, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+migrate.TenantRole); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "notes"}.Sanitize()).Scan(&visible)
	}))
	require.Zero(t, visible)
}
