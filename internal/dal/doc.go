// Package dal is the shared data access layer through which verticals read
// and write their own tables. Verticals never hold a database connection:
// they send DBOps, and the host (or sdktest) runs them with Exec inside the
// request's unit of work (Unit), a transaction running as the nexus_tenant
// role with app.company_id set, so PostgreSQL row-level security confines
// every statement to the caller's company. A catalog given the vertical's
// own role (Catalog.SetRole) runs the statements Exec pipelines, named
// queries included, as that role and switches back to nexus_tenant in the
// same round trip, so grants fence the vertical in its schema. On top of that every statement
// the DAL builds filters or sets company_id itself: tenant isolation is
// enforced twice.
//
// The package owns: reading a vertical schema's catalog (LoadCatalog),
// validating state machines against it, preparing a vertical's named
// queries, translating DBOps into SQL, the unit of work and the mapping of
// every failure to a typed Error and a gRPC status. It must not open
// connections or pools of its own, know about HTTP, or depend on
// host-private packages: the host and the SDK's test harness both use it.
//
// Safety rules: table and column names must exist in the Catalog of the
// calling vertical's schema (so a vertical never reaches the host's or
// another vertical's tables) and are quoted with pgx.Identifier; every value
// is bound as a parameter and never concatenated into SQL.
//
// # Table conventions
//
// A table is accessible through the DAL when it lives in the vertical's
// schema and has
//   - company_id uuid: the tenant; the DAL always sets and filters it and
//     refuses it in written data;
//   - id uuid: the row's identity (get, update, delete, lock, transition
//     and the keyset-pagination tiebreaker). A primary key of
//     (company_id, id) is recommended so the table can be distributed by
//     company with Citus.
//
// Optional columns with a meaning:
//   - version bigint: optimistic concurrency. Update and transition
//     increment it; an update or delete with has_version set only applies
//     when the stored version equals expected_version, otherwise it fails
//     with Aborted/version_conflict.
//   - updated_at timestamptz: set to now() by update and transition.
//
// Tables of the schema without those two columns are invisible to the DAL;
// verticals reach them through named queries.
//
// # Use
//
// At registration the host loads the vertical's Catalog (LoadCatalog),
// installs its state machines (Catalog.SetStateMachines) and prepares its
// named queries (PrepareQueries). Per request it creates a Unit with
// NewTenantUnit(pool, company, schema), runs every DB call through
// Unit.Run with Exec, and ends it with Unit.Finish. Failures are *Error
// values; Status turns them into gRPC statuses carrying the reason.
//
// # Values
//
// Values travel as JSON. Numeric columns are written from JSON strings or
// numbers and always read back as decimal strings ("12.50"), so money never
// passes through a float. Rows are returned as JSON objects built by
// PostgreSQL (row_to_json). Aggregates: count is a number; sum and avg, and
// min and max of numeric columns, are decimal strings.
package dal
