package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/migrate"
)

// Options configure Backup and Restore.
type Options struct {
	// DatabaseURL is the platform's database (NEXUS_DATABASE_URL). Backup
	// needs a role that reads every row (a superuser or BYPASSRLS, as the
	// host itself); Restore one that may create roles when they are
	// missing.
	DatabaseURL string
	// Dir is the backup's directory: Backup creates it (and refuses one
	// that already holds a backup), Restore reads it.
	Dir string
	// NexusVersion is recorded in the manifest by Backup.
	NexusVersion string
	Tools        Tools
	// Log receives progress; nil discards it.
	Log hclog.Logger
}

func (o Options) log() hclog.Logger {
	if o.Log == nil {
		return hclog.NewNullLogger()
	}
	return o.Log
}

// Backup writes a backup of the database into o.Dir: the archive, taken by
// pg_dump from the snapshot of a repeatable-read transaction in which the
// manifest's migrations and row counts are read too, so the manifest
// describes exactly what the archive holds. The manifest is written last:
// a directory without one is not a backup.
func Backup(ctx context.Context, o Options) (Manifest, error) {
	m, err := backup(ctx, o)
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

func backup(ctx context.Context, o Options) (Manifest, error) {
	m := Manifest{Format: ManifestFormat, NexusVersion: o.NexusVersion, CreatedAt: time.Now().UTC().Truncate(time.Second)}
	for _, name := range []string{ManifestFile, DumpFile} {
		if _, err := os.Stat(filepath.Join(o.Dir, name)); !errors.Is(err, fs.ErrNotExist) {
			return m, fmt.Errorf("%s already holds %s: choose a new directory", o.Dir, name)
		}
	}
	var err error
	if m.PgDump, err = o.Tools.version(ctx, "pg_dump"); err != nil {
		return m, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return m, err
	}
	pool, err := pgxpool.New(ctx, o.DatabaseURL)
	if err != nil {
		return m, fmt.Errorf("database url: %w", err)
	}
	defer pool.Close()
	m.Database = pool.Config().ConnConfig.Database
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return m, fmt.Errorf("postgresql: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var snapshot string
	if err := tx.QueryRow(ctx, snapshotSQL).Scan(&snapshot); err != nil {
		return m, fmt.Errorf("export snapshot: %w", err)
	}
	if err := describe(ctx, tx, &m); err != nil {
		return m, err
	}
	partial := DumpFile + ".partial"
	o.log().Info("dumping", "database", m.Database, "snapshot", snapshot, "tables", len(m.Tables))
	_, err = o.Tools.run(ctx, o.DatabaseURL, "pg_dump", "--format=custom", "--snapshot="+snapshot,
		"--no-password", "--file="+filepath.Join(o.Dir, partial))
	if err != nil {
		_ = os.Remove(filepath.Join(o.Dir, partial))
		return m, err
	}
	// The archive holds password hashes and sealed secrets: owner only,
	// whatever the umask pg_dump ran under.
	if err := os.Chmod(filepath.Join(o.Dir, partial), 0o600); err != nil {
		return m, err
	}
	if err := os.Rename(filepath.Join(o.Dir, partial), filepath.Join(o.Dir, DumpFile)); err != nil {
		return m, err
	}
	if m.Dump, err = describeFile(o.Dir, DumpFile); err != nil {
		return m, err
	}
	return m, m.write(o.Dir)
}

// describe fills m with what db (in the backup's snapshot) holds: server
// version, applied migrations, verticals and row counts.
func describe(ctx context.Context, db pgx.Tx, m *Manifest) error {
	if err := db.QueryRow(ctx, serverVersionSQL).Scan(&m.ServerVersion); err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	var ok bool
	if err := db.QueryRow(ctx, migrationsExistSQL).Scan(&ok); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	if !ok {
		return fmt.Errorf("database %s has no schema_migrations: not a Nexus database (or never migrated)", m.Database)
	}
	var err error
	if m.Migrations, err = readMigrations(ctx, db); err != nil {
		return err
	}
	m.Verticals = nil
	for _, mg := range m.Migrations {
		if mg.Component == HostComponent {
			m.HostSchemaVersion = max(m.HostSchemaVersion, mg.Version)
			continue
		}
		if n := len(m.Verticals); n == 0 || m.Verticals[n-1].Name != mg.Component {
			schema := hostcall.SchemaName(mg.Component)
			m.Verticals = append(m.Verticals, Vertical{Name: mg.Component, Schema: schema, Role: migrate.VerticalRole(schema)})
		}
		v := &m.Verticals[len(m.Verticals)-1]
		v.SchemaVersion = max(v.SchemaVersion, mg.Version)
	}
	if _, err := db.Exec(ctx, rowSecurityOffSQL); err != nil {
		return fmt.Errorf("row_security: %w", err)
	}
	m.Tables, err = countRows(ctx, db)
	return err
}

// readMigrations reads schema_migrations, host first.
func readMigrations(ctx context.Context, db migrate.DBTX) ([]Migration, error) {
	rows, err := db.Query(ctx, migrationsSQL)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Migration, error) {
		var mg Migration
		err := r.Scan(&mg.Component, &mg.Version, &mg.Name, &mg.Checksum, &mg.AppliedAt)
		mg.AppliedAt = mg.AppliedAt.UTC()
		return mg, err
	})
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return out, nil
}

// countRows counts the rows of every table.
func countRows(ctx context.Context, db migrate.DBTX) ([]Table, error) {
	rows, err := db.Query(ctx, tablesSQL)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Table, error) {
		var t Table
		err := r.Scan(&t.Schema, &t.Name)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	for i := range tables {
		t := &tables[i]
		q := fmt.Sprintf(countSQL, pgx.Identifier{t.Schema, t.Name}.Sanitize())
		if err := db.QueryRow(ctx, q).Scan(&t.Rows); err != nil {
			return nil, fmt.Errorf("count %s.%s: %w", t.Schema, t.Name, err)
		}
	}
	return tables, nil
}
