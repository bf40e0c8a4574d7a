// Package sqlsource checks the SQL sources verticals declare in their
// manifests for the host to read (universal transactions for reporting,
// payments for bank reconciliation): each a name and a SELECT that must
// return a fixed set of columns. It owns the naming rule, the column check
// and the universal-transaction contract (UniversalColumns,
// NonRevenueStatuses), which the host and sdktest apply alike, and runs a
// source only wrapped in LIMIT 0 to read its columns; it never builds
// views or reads data, which belongs to the packages that consume the
// sources.
package sqlsource

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// nameRE is what a source name may look like.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// validateSQL wraps a source's SELECT to read its columns without running
// it; prepared, so a second statement is refused.
const validateSQL = `SELECT * FROM (%s) AS s LIMIT 0`

// Column is one column a source must return.
type Column struct {
	Name string
	// OID is the PostgreSQL type's oid (pgtype.UUIDOID...).
	OID uint32
	// Type names the type in messages.
	Type string
}

// NameProblem says what is wrong with a source's name and SQL, or "": a
// malformed name, a name already in seen, or an empty SQL. It records name
// in seen.
func NameProblem(name, sql string, seen map[string]bool) string {
	defer func() { seen[name] = true }()
	switch {
	case !nameRE.MatchString(name):
		return "name must be lower-case letters, digits or '_', starting with a letter"
	case seen[name]:
		return "declared more than once"
	case strings.TrimSpace(sql) == "":
		return "SQL is empty"
	}
	return ""
}

// Trim drops surrounding space and trailing semicolons, so a SELECT written
// as a statement can be wrapped as a subquery.
func Trim(sql string) string {
	return strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
}

// ColumnsProblem checks the columns a source returns (names and type OIDs,
// in any order) against want and says what is wrong, or "".
func ColumnsProblem(want []Column, names []string, oids []uint32) string {
	got := map[string]uint32{}
	for i, n := range names {
		if _, dup := got[n]; dup {
			return fmt.Sprintf("column %q is returned twice", n)
		}
		got[n] = oids[i]
	}
	var problems []string
	for _, c := range want {
		oid, ok := got[c.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("column %q is missing", c.Name))
		case oid != c.OID:
			problems = append(problems, fmt.Sprintf("column %q must be %s (type oid %d, got %d)", c.Name, c.Type, c.OID, oid))
		}
		delete(got, c.Name)
	}
	extra := make([]string, 0, len(got))
	for n := range got {
		extra = append(extra, n)
	}
	slices.Sort(extra)
	for _, n := range extra {
		problems = append(problems, fmt.Sprintf("unexpected column %q", n))
	}
	return strings.Join(problems, "; ")
}

// Querier runs a query; pools, connections and transactions satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Problem runs sql (already trimmed) wrapped in SELECT * FROM (...) LIMIT 0
// with the extended protocol, which refuses a second statement, and checks
// its columns against want; it returns what is wrong, or "". In a
// transaction, a problem reported by the server aborts it.
func Problem(ctx context.Context, db Querier, sql string, want []Column) string {
	rows, err := db.Query(ctx, fmt.Sprintf(validateSQL, sql), pgx.QueryExecModeExec)
	if err != nil {
		return err.Error()
	}
	fields := rows.FieldDescriptions()
	names := make([]string, len(fields))
	oids := make([]uint32, len(fields))
	for i, f := range fields {
		names[i], oids[i] = f.Name, f.DataTypeOID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	return ColumnsProblem(want, names, oids)
}
