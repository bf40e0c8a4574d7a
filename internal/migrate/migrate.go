// Package migrate applies numbered SQL migrations — the host's and each
// vertical's — into their schemas, recording them in
// public.schema_migrations under an advisory lock, and owns the
// row-level-security rules every tenant table must carry (EnforceTenancy),
// applied in each migration's own transaction. The host's store and
// sdk/sdktest both migrate through it, so a vertical's tests get exactly the
// schema and tenancy the host builds.
//
// Reading migration files is package migration's job; this package runs
// them. It must not know any table beyond schema_migrations and the
// catalog, nor depend on host-private packages.
package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/migrations"
)

// HostSchema is the schema the host's own tables live in.
const HostSchema = "public"

// Component is a set of migrations applied together into one schema: the
// host (Name "host", Schema "public") or a vertical (Name and Schema the
// vertical's name).
type Component struct {
	Name       string
	Schema     string
	Migrations []migration.Migration
}

// Status describes one migration of a component.
type Status struct {
	Version int
	Name    string
	// Applied reports whether the migration is recorded as applied, and
	// AppliedAt when.
	Applied   bool
	AppliedAt time.Time
	// Modified reports an applied migration whose file changed since.
	Modified bool
	// Missing reports an applied migration that has no file any more.
	Missing bool
}

// Errors the migrator returns, wrapped with the component, version and
// name concerned.
var (
	ErrChecksumMismatch = errors.New("applied migration was modified")
	ErrMissingMigration = errors.New("applied migration has no file")
)

var (
	schemaName    = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	componentName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// Host returns the host's component: its embedded migrations applied to
// the public schema.
func Host() (Component, error) {
	ms, err := migration.Load(migrations.FS)
	if err != nil {
		return Component{}, fmt.Errorf("host migrations: %w", err)
	}
	return Component{Name: "host", Schema: HostSchema, Migrations: ms}, nil
}

// migrateLockKey is the advisory lock every migrator holds while it works,
// so hosts starting at once apply each migration exactly once.
var migrateLockKey = lockKey("nexus.migrate")

// lockKey derives a stable advisory-lock key from name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return int64(h.Sum64())
}

// Migrator applies and reverts components' migrations, recording them in
// public.schema_migrations.
type Migrator struct {
	pool *pgxpool.Pool
	log  hclog.Logger
}

// NewMigrator returns a migrator working through pool. A nil log discards
// messages.
func NewMigrator(pool *pgxpool.Pool, log hclog.Logger) *Migrator {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Migrator{pool: pool, log: log}
}

// Up applies c's pending migrations in order, each in its own transaction
// together with its schema_migrations row and EnforceTenancy for c's
// schema, and returns the versions applied. It refuses to run when an
// applied migration was modified or has no file.
func (m *Migrator) Up(ctx context.Context, c Component) (applied []int, err error) {
	err = m.locked(ctx, c, func(conn *pgxpool.Conn, done map[int]appliedMigration) error {
		for _, mig := range c.Migrations {
			if _, ok := done[mig.Version]; ok {
				continue
			}
			start := time.Now()
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if err := setSearchPath(ctx, tx, c.Schema); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, mig.Up); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, insertMigrationSQL, c.Name, mig.Version, mig.Name, mig.Checksum()); err != nil {
					return err
				}
				return EnforceTenancy(ctx, tx, c.Schema)
			})
			if err != nil {
				return fmt.Errorf("apply %04d_%s: %w", mig.Version, mig.Name, err)
			}
			applied = append(applied, mig.Version)
			m.log.Info("applied migration", "component", c.Name, "version", mig.Version, "name", mig.Name, "duration", time.Since(start))
		}
		return nil
	})
	if err != nil {
		return applied, fmt.Errorf("migrate %s up: %w", c.Name, err)
	}
	return applied, nil
}

// Down reverts c's last n applied migrations, newest first, each in its
// own transaction together with removing its schema_migrations row, and
// returns the versions reverted.
func (m *Migrator) Down(ctx context.Context, c Component, n int) (reverted []int, err error) {
	if n < 1 {
		return nil, fmt.Errorf("migrate %s down: need at least one migration to revert, got %d", c.Name, n)
	}
	err = m.locked(ctx, c, func(conn *pgxpool.Conn, done map[int]appliedMigration) error {
		for i := len(c.Migrations) - 1; i >= 0 && len(reverted) < n; i-- {
			mig := c.Migrations[i]
			if _, ok := done[mig.Version]; !ok {
				continue
			}
			err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
				if err := setSearchPath(ctx, tx, c.Schema); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, mig.Down); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, deleteMigrationSQL, c.Name, mig.Version)
				return err
			})
			if err != nil {
				return fmt.Errorf("revert %04d_%s: %w", mig.Version, mig.Name, err)
			}
			reverted = append(reverted, mig.Version)
			m.log.Info("reverted migration", "component", c.Name, "version", mig.Version, "name", mig.Name)
		}
		return nil
	})
	if err != nil {
		return reverted, fmt.Errorf("migrate %s down: %w", c.Name, err)
	}
	return reverted, nil
}

// Status reports every migration of c, in version order, followed by any
// applied version that has no file.
func (m *Migrator) Status(ctx context.Context, c Component) ([]Status, error) {
	if err := validate(c); err != nil {
		return nil, fmt.Errorf("migration status %s: %w", c.Name, err)
	}
	var exists bool
	if err := m.pool.QueryRow(ctx, migrationsTableExistsSQL).Scan(&exists); err != nil {
		return nil, fmt.Errorf("migration status %s: %w", c.Name, err)
	}
	done := map[int]appliedMigration{}
	if exists {
		var err error
		if done, err = appliedMigrations(ctx, m.pool, c.Name); err != nil {
			return nil, fmt.Errorf("migration status %s: %w", c.Name, err)
		}
	}
	out := make([]Status, 0, len(c.Migrations))
	for _, mig := range c.Migrations {
		s := Status{Version: mig.Version, Name: mig.Name}
		if a, ok := done[mig.Version]; ok {
			s.Applied, s.AppliedAt, s.Modified = true, a.appliedAt, a.checksum != mig.Checksum()
			delete(done, mig.Version)
		}
		out = append(out, s)
	}
	missing := make([]Status, 0, len(done))
	for v, a := range done {
		missing = append(missing, Status{Version: v, Name: a.name, Applied: true, AppliedAt: a.appliedAt, Missing: true})
	}
	slices.SortFunc(missing, func(a, b Status) int { return cmp.Compare(a.Version, b.Version) })
	return append(out, missing...), nil
}

// appliedMigration is one schema_migrations row.
type appliedMigration struct {
	name      string
	checksum  string
	appliedAt time.Time
}

// locked validates c, takes the migration advisory lock on a dedicated
// connection, makes sure schema_migrations and c's schema exist, checks the
// applied migrations against c's files and runs fn with them.
func (m *Migrator) locked(ctx context.Context, c Component, fn func(*pgxpool.Conn, map[int]appliedMigration) error) error {
	if err := validate(c); err != nil {
		return err
	}
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, lockSQL, migrateLockKey); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, unlockSQL, migrateLockKey); err != nil {
			// A session that may still hold the lock must not go back to
			// the pool.
			m.log.Error("release migration lock", "error", err)
			_ = conn.Conn().Close(unlockCtx)
		}
	}()

	if _, err := conn.Exec(ctx, createMigrationsTableSQL); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	if c.Schema != HostSchema {
		schema := pgx.Identifier{c.Schema}.Sanitize()
		if _, err := conn.Exec(ctx, fmt.Sprintf(createSchemaSQL, schema)); err != nil {
			return fmt.Errorf("create schema %s: %w", schema, err)
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf(grantSchemaSQL, schema, pgx.Identifier{TenantRole}.Sanitize())); err != nil {
			return fmt.Errorf("grant schema %s: %w", schema, err)
		}
	}
	done, err := appliedMigrations(ctx, conn, c.Name)
	if err != nil {
		return err
	}
	if err := verify(c, done); err != nil {
		return err
	}
	return fn(conn, done)
}

// appliedMigrations reads component's schema_migrations rows by version.
func appliedMigrations(ctx context.Context, db DBTX, component string) (map[int]appliedMigration, error) {
	rows, err := db.Query(ctx, appliedMigrationsSQL, component)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := map[int]appliedMigration{}
	var (
		version int
		a       appliedMigration
	)
	_, err = pgx.ForEachRow(rows, []any{&version, &a.name, &a.checksum, &a.appliedAt}, func() error {
		done[version] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

// validate checks c's name, schema and migration order.
func validate(c Component) error {
	if !componentName.MatchString(c.Name) {
		return fmt.Errorf("component name %q must be lower-case letters, digits, '_' or '-'", c.Name)
	}
	if !schemaName.MatchString(c.Schema) || strings.HasPrefix(c.Schema, "pg_") || c.Schema == "information_schema" {
		return fmt.Errorf("component %s: schema %q is not a usable schema name", c.Name, c.Schema)
	}
	for i, mig := range c.Migrations {
		if mig.Version < 1 {
			return fmt.Errorf("component %s: migration %q has version %d, want a positive number", c.Name, mig.Name, mig.Version)
		}
		if i > 0 && mig.Version <= c.Migrations[i-1].Version {
			return fmt.Errorf("component %s: migrations must be in increasing version order without duplicates (%d after %d)",
				c.Name, mig.Version, c.Migrations[i-1].Version)
		}
	}
	return nil
}

// verify checks that every applied migration still has its file,
// unchanged.
func verify(c Component, done map[int]appliedMigration) error {
	files := make(map[int]migration.Migration, len(c.Migrations))
	for _, mig := range c.Migrations {
		files[mig.Version] = mig
	}
	versions := make([]int, 0, len(done))
	for v := range done {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	for _, v := range versions {
		a := done[v]
		mig, ok := files[v]
		if !ok {
			return fmt.Errorf("component %s: migration %04d_%s: %w", c.Name, v, a.name, ErrMissingMigration)
		}
		if a.checksum != mig.Checksum() {
			return fmt.Errorf("component %s: migration %04d_%s: %w (checksum %s recorded, file has %s)",
				c.Name, v, mig.Name, ErrChecksumMismatch, a.checksum, mig.Checksum())
		}
	}
	return nil
}

// setSearchPath points a vertical's migration at its own schema first.
func setSearchPath(ctx context.Context, tx pgx.Tx, schema string) error {
	if schema == HostSchema {
		return nil
	}
	_, err := tx.Exec(ctx, fmt.Sprintf(searchPathSQL, pgx.Identifier{schema}.Sanitize()))
	return err
}
