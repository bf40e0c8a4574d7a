package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nexuspos/nexus/host/internal/backup"
	"github.com/nexuspos/nexus/host/internal/config"
)

// backupUsage documents the backup and restore commands.
const backupUsage = `usage: nexus backup [--dir DIR] [--pg-bin DIR]
       nexus restore --dir DIR [--pg-bin DIR]
backup writes DIR/nexus.dump (pg_dump, custom format, one snapshot) and
DIR/manifest.json (nexus version, migrations of the host and of each vertical,
row counts, the archive's SHA-256) for the database of NEXUS_DATABASE_URL.
restore checks DIR against its manifest and restores it into the database of
NEXUS_DATABASE_URL, which must be empty (created when missing), creating the
tenant and vertical roles the server lacks, then verifies migrations and row
counts. pg_dump must be of the server's major version or newer.
`

// backupCmd runs `nexus backup` or, with restore set, `nexus restore`.
func backupCmd(ctx context.Context, args []string, restore bool) error {
	name := "backup"
	if restore {
		name = "restore"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), backupUsage); fs.PrintDefaults() }
	dir := fs.String("dir", "", "the backup's directory (backup: default backups/nexus-<UTC time>)")
	pgBin := fs.String("pg-bin", "", "directory of pg_dump and pg_restore (default: PATH)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %q\n%s", name, fs.Args(), backupUsage)
	}
	if *dir == "" {
		if restore {
			return fmt.Errorf("restore: --dir is required\n%s", backupUsage)
		}
		*dir = filepath.Join("backups", "nexus-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	o := backup.Options{DatabaseURL: cfg.DatabaseURL, Dir: *dir, NexusVersion: version,
		Tools: backup.Tools{Dir: *pgBin}, Log: cfg.Logger().Named(name)}
	if !restore {
		m, err := backup.Backup(ctx, o)
		if err != nil {
			return err
		}
		fmt.Printf("backed up %s to %s: %d tables, %d migrations (host %04d, %d verticals), %d bytes, sha256 %s\n",
			m.Database, *dir, len(m.Tables), len(m.Migrations), m.HostSchemaVersion, len(m.Verticals), m.Dump.Bytes, m.Dump.SHA256)
		return nil
	}
	m, err := backup.Restore(ctx, o)
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Printf("restored %s (taken %s by nexus %s) into the database of NEXUS_DATABASE_URL: %d tables, %d rows, %d migrations verified\n",
		*dir, m.CreatedAt.Format(time.RFC3339), m.NexusVersion, len(m.Tables), rows, len(m.Migrations))
	return nil
}
