package backup

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
)

// Restore restores the backup in o.Dir into the database of
// o.DatabaseURL, which must be empty (it is created when missing): it
// checks the archive's size and SHA-256 against the manifest and that
// this nexus knows every host migration the backup carries, creates the
// tenant role and the verticals' roles when the server lacks them, runs
// pg_restore in a single transaction (objects owned by the restoring
// role), gives the tenant tables their explicit privilege lists back
// (pinTenantACLsSQL) and then compares the restored migrations and every table's row
// count with the manifest. It returns the manifest.
func Restore(ctx context.Context, o Options) (Manifest, error) {
	m, err := restore(ctx, o)
	if err != nil {
		return m, fmt.Errorf("restore: %w", err)
	}
	return m, nil
}

func restore(ctx context.Context, o Options) (Manifest, error) {
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return m, err
	}
	if err := m.VerifyDump(o.Dir); err != nil {
		return m, err
	}
	if err := knownHostMigrations(m); err != nil {
		return m, err
	}
	if _, err := o.Tools.version(ctx, "pg_restore"); err != nil {
		return m, err
	}
	pool, err := store.Open(ctx, o.DatabaseURL, o.log())
	if err != nil {
		return m, err
	}
	defer pool.Close()
	database := pool.Config().ConnConfig.Database
	var objects int
	if err := pool.QueryRow(ctx, userObjectsSQL).Scan(&objects); err != nil {
		return m, fmt.Errorf("inspect %s: %w", database, err)
	}
	if objects > 0 {
		return m, fmt.Errorf("%w: %s holds %d tables, functions or schemas; restore into a new database", ErrNotEmpty, database, objects)
	}
	schemas := make([]string, len(m.Verticals))
	for i, v := range m.Verticals {
		schemas[i] = v.Schema
	}
	if err := migrate.EnsureRoles(ctx, pool, schemas); err != nil {
		return m, err
	}
	o.log().Info("restoring", "database", database, "archive", m.Dump.Name, "bytes", m.Dump.Bytes)
	_, err = o.Tools.run(ctx, o.DatabaseURL, "pg_restore", "--exit-on-error", "--single-transaction",
		"--no-owner", "--no-password", "--dbname="+database, filepath.Join(o.Dir, m.Dump.Name))
	if err != nil {
		return m, err
	}
	if _, err := pool.Exec(ctx, pinTenantACLsSQL); err != nil {
		return m, fmt.Errorf("tenant tables' privileges: %w", err)
	}
	if _, err := pool.Exec(ctx, analyzeSQL); err != nil {
		return m, fmt.Errorf("analyze: %w", err)
	}
	return m, verifyRestored(ctx, pool, m)
}

// knownHostMigrations refuses a backup carrying a host migration this
// binary lacks or has with other content: a host started on the restored
// database would refuse to run.
func knownHostMigrations(m Manifest) error {
	host, err := migrate.Host()
	if err != nil {
		return err
	}
	for _, mg := range m.Migrations {
		if mg.Component != HostComponent {
			continue
		}
		i := slices.IndexFunc(host.Migrations, func(h migration.Migration) bool { return h.Version == mg.Version })
		if i < 0 || host.Migrations[i].Checksum() != mg.Checksum {
			return fmt.Errorf("%w: %04d_%s (backup taken by nexus %s; restore it with that version or newer)",
				ErrUnknownMigration, mg.Version, mg.Name, m.NexusVersion)
		}
	}
	return nil
}

// Verify compares the database of o.DatabaseURL with the manifest of the
// backup in o.Dir: the same migrations (with their checksums), the same
// tables with the same row counts. A deploy that reverted its migrations
// checks with it that the database is back where the backup found it.
func Verify(ctx context.Context, o Options) error {
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	defer pool.Close()
	return verifyRestored(ctx, pool, m)
}

// verifyRestored compares the restored database with the manifest:
// the same migrations, the same tables with the same row counts.
func verifyRestored(ctx context.Context, pool *pgxpool.Pool, m Manifest) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		migs, err := readMigrations(ctx, tx)
		if err != nil {
			return err
		}
		if len(migs) != len(m.Migrations) {
			return fmt.Errorf("%w: %d migrations recorded, the manifest has %d", ErrMismatch, len(migs), len(m.Migrations))
		}
		for i, mg := range migs {
			want := m.Migrations[i]
			if mg.Component != want.Component || mg.Version != want.Version || mg.Checksum != want.Checksum {
				return fmt.Errorf("%w: migration %s %04d (checksum %s), the manifest has %s %04d (checksum %s)",
					ErrMismatch, mg.Component, mg.Version, mg.Checksum, want.Component, want.Version, want.Checksum)
			}
		}
		if _, err := tx.Exec(ctx, rowSecurityOffSQL); err != nil {
			return fmt.Errorf("row_security: %w", err)
		}
		tables, err := countRows(ctx, tx)
		if err != nil {
			return err
		}
		if !slices.Equal(tables, m.Tables) {
			return fmt.Errorf("%w: tables and row counts: %s", ErrMismatch, tableDiff(m.Tables, tables))
		}
		return nil
	})
}

// tableDiff names the first tables whose presence or row count differs.
func tableDiff(want, got []Table) string {
	rows := func(ts []Table) map[string]int64 {
		out := make(map[string]int64, len(ts))
		for _, t := range ts {
			out[t.Schema+"."+t.Name] = t.Rows
		}
		return out
	}
	w, g := rows(want), rows(got)
	var diffs []string
	for name, n := range w {
		if gn, ok := g[name]; !ok {
			diffs = append(diffs, name+" missing")
		} else if gn != n {
			diffs = append(diffs, fmt.Sprintf("%s has %d rows, want %d", name, gn, n))
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			diffs = append(diffs, name+" not in the backup")
		}
	}
	slices.Sort(diffs)
	return fmt.Sprint(diffs[:min(len(diffs), 10)])
}
