package dal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// numericOID is PostgreSQL's numeric type.
const numericOID = 1700

// Query is a vertical's named SQL query, prepared (so validated) by
// PrepareQueries.
type Query struct {
	Name string
	SQL  string
	// Params is the number of parameters ($1..$Params) the query takes.
	Params int
	// Columns names the result columns of a query that returns rows; it
	// is empty for one that does not.
	Columns []string

	// run is the SQL executed: for a query returning rows, wrapped so that
	// each row comes back as a JSON object with numerics as text.
	run string
}

// ReturnsRows reports whether the query returns rows.
func (q Query) ReturnsRows() bool { return len(q.Columns) > 0 }

// Queries are a vertical's prepared named queries by name.
type Queries map[string]Query

// queryName is what a named query's name must look like.
var queryName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)

// allowedCommands are the statements a named query may be: data
// statements only, never transaction control, SET or DDL.
var allowedCommands = map[string]bool{
	"select": true, "with": true, "insert": true, "update": true, "delete": true,
	"values": true, "table": true, "merge": true,
}

// PrepareQueries prepares each of queries (name → SQL) in tx with
// search_path set to schema then public (for the rest of tx), checking
// that it is one data statement (SELECT, WITH, INSERT, UPDATE, DELETE,
// VALUES, TABLE or MERGE) that PostgreSQL accepts, and records its
// parameters and result columns. Each query is prepared under a
// savepoint, so tx stays usable; the error lists every failing query with
// PostgreSQL's message.
//
// At run time (the query op) a named query runs in the unit of work, with
// the search_path TenantBegin sets, so row-level security confines it to
// the caller's company even if its SQL forgets company_id. Its arguments are a JSON array bound in order:
// strings as text, numbers as their literal text, booleans, null, and
// arrays or objects as JSON text (for json/jsonb parameters); PostgreSQL
// converts each to the parameter's type.
func PrepareQueries(ctx context.Context, tx pgx.Tx, schema string, queries map[string]string) (Queries, error) {
	if _, err := tx.Exec(ctx, searchPathSQL, pgx.Identifier{schema}.Sanitize()+", public"); err != nil {
		return nil, fmt.Errorf("prepare named queries: %w", err)
	}
	out := make(Queries, len(queries))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		q, err := prepare(ctx, tx, name, queries[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("named query %q: %w", name, err))
			continue
		}
		out[name] = q
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("prepare named queries: %w", err)
	}
	return out, nil
}

// prepare validates and describes one named query under a savepoint.
func prepare(ctx context.Context, tx pgx.Tx, name, sql string) (Query, error) {
	if !queryName.MatchString(name) {
		return Query{}, fmt.Errorf("name must match %s", queryName)
	}
	sql = strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
	if cmd := firstKeyword(sql); !allowedCommands[cmd] {
		return Query{}, fmt.Errorf("must be a SELECT, WITH, INSERT, UPDATE, DELETE, VALUES, TABLE or MERGE statement, not %q", cmd)
	}
	q := Query{Name: name, SQL: sql, run: sql}
	err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
		sd, err := sp.Conn().PgConn().Prepare(ctx, "", sql, nil)
		if err != nil {
			return err
		}
		q.Params = len(sd.ParamOIDs)
		if len(sd.Fields) == 0 {
			return nil
		}
		numeric := make([]bool, len(sd.Fields))
		for i, f := range sd.Fields {
			q.Columns = append(q.Columns, f.Name)
			numeric[i] = f.DataTypeOID == numericOID
		}
		q.run = wrapNamed(sql, q.Columns, numeric)
		if _, err := sp.Conn().PgConn().Prepare(ctx, "", q.run, nil); err != nil {
			return fmt.Errorf("a query returning rows must be usable as a WITH query: %w", err)
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return Query{}, err
	}
	return q, nil
}

// errRollback makes pgx.BeginFunc roll a savepoint back after a
// successful description.
var errRollback = errors.New("roll back")

// firstKeyword returns the lower-cased first word of sql, after comments
// and opening parentheses.
func firstKeyword(sql string) string {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n(")
		switch {
		case strings.HasPrefix(sql, "--"):
			i := strings.IndexByte(sql, '\n')
			if i < 0 {
				return ""
			}
			sql = sql[i+1:]
		case strings.HasPrefix(sql, "/*"):
			i := strings.Index(sql, "*/")
			if i < 0 {
				return ""
			}
			sql = sql[i+2:]
		default:
			end := strings.IndexFunc(sql, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
			})
			if end < 0 {
				end = len(sql)
			}
			return strings.ToLower(sql[:end])
		}
	}
}

// query runs a named query.
func (r *runner) query(op *nexusv1.DBOp) (result, error) {
	q, ok := r.queries[op.GetQuery()]
	if !ok {
		return nil, invalid(ReasonUnknownQuery, "unknown named query %q", op.GetQuery()).with("query", op.GetQuery())
	}
	var raw []json.RawMessage
	if len(op.GetArgs()) > 0 {
		if kindOfJSON(op.GetArgs()) != jsonArray || strictUnmarshal(op.GetArgs(), &raw) != nil {
			return nil, invalid(ReasonInvalidJSON, "args of query %q must be a JSON array", q.Name).with("query", q.Name)
		}
	}
	if len(raw) != q.Params {
		return nil, invalid(ReasonInvalidArgument, "query %q takes %d arguments, got %d", q.Name, q.Params, len(raw)).
			with("query", q.Name)
	}
	args := make([]any, len(raw))
	for i, a := range raw {
		v, err := param(a)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	res := &nexusv1.DBResult{}
	r.qualified = false
	if q.ReturnsRows() {
		r.queueRows(&res.Rows, q.run, args...)
	} else {
		r.queueExec(&res.Affected, q.run, args...)
	}
	return func() (*nexusv1.DBResult, error) {
		if q.ReturnsRows() {
			res.Affected = int64(len(res.Rows))
		}
		return res, nil
	}, nil
}
