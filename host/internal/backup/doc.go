// Package backup writes and restores backups of the platform's database:
// a pg_dump archive (custom format) taken from one snapshot, next to a
// manifest that says what it holds — the nexus version that took it, every
// applied migration of the host and of each vertical, each vertical's
// schema and role, the row count of every table in that snapshot — and
// the archive's SHA-256. Restore goes only into an empty database: it
// checks the archive against the manifest, creates the cluster-wide roles
// grants and policies refer to (the tenant role and each vertical's),
// restores in one transaction and verifies migrations and row counts
// against the manifest.
//
// The package runs the PostgreSQL client tools (pg_dump, pg_restore); it
// must not read or write any business table itself, nor know any vertical
// beyond what schema_migrations records.
package backup
