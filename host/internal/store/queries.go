package store

// SQL used by the package; the migrator's and the tenancy rules' live in
// internal/migrate. Every value is bound.
const (
	// createDatabaseSQL is followed by the quoted database name.
	createDatabaseSQL = `CREATE DATABASE `

	// setTenantSQL switches a transaction to the tenant role and company;
	// both settings end with the transaction.
	setTenantSQL = `SELECT set_config('role', $1, true), set_config('app.company_id', $2, true)`
)
