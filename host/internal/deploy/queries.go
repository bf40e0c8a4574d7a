package deploy

// maintenanceDB is the database connected to while the platform's is
// renamed.
const maintenanceDB = "postgres"

const (
	// migrationsTableExistsSQL reports whether schema_migrations exists.
	migrationsTableExistsSQL = `SELECT to_regclass('public.schema_migrations') IS NOT NULL`

	// appliedMigrationsSQL lists every applied migration.
	appliedMigrationsSQL = `SELECT component, version FROM public.schema_migrations ORDER BY component, version`

	// renameDatabaseSQL renames database %s to %s (identifiers quoted by
	// the caller); it fails while anyone is connected to it.
	renameDatabaseSQL = `ALTER DATABASE %s RENAME TO %s`
)
