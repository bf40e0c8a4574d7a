package store

import (
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/migrate"
)

// The migrator lives in internal/migrate, shared with sdk/sdktest so that a
// vertical's tests migrate exactly as the host does; these names are the
// host's view of it.

// HostSchema is the schema the host's own tables live in.
const HostSchema = migrate.HostSchema

// Migration is one numbered schema change and its inverse.
type Migration = migrate.Migration

// Component is a set of migrations applied together into one schema: the
// host (Name "host", Schema "public") or a vertical (Name and Schema the
// vertical's name).
type Component = migrate.Component

// Status describes one migration of a component.
type Status = migrate.Status

// Migrator applies and reverts components' migrations, recording them in
// public.schema_migrations.
type Migrator = migrate.Migrator

// Errors the migrator returns, wrapped with the component, version and
// name concerned.
var (
	ErrChecksumMismatch = migrate.ErrChecksumMismatch
	ErrMissingMigration = migrate.ErrMissingMigration
)

// Host returns the host's component: its embedded migrations applied to
// the public schema.
func Host() (Component, error) { return migrate.Host() }

// NewMigrator returns a migrator working through pool. A nil log discards
// messages.
func NewMigrator(pool *pgxpool.Pool, log hclog.Logger) *Migrator {
	return migrate.NewMigrator(pool, log)
}
