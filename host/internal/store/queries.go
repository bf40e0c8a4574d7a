package store

// SQL used by the package; the migrator's and the tenancy rules' live in
// internal/migrate. Every value is bound.
const (
	// createDatabaseSQL is followed by the quoted database name.
	createDatabaseSQL = `CREATE DATABASE `
)
