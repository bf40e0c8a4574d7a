package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DB is a vertical's access to its own tables, bound to the current call's
// unit of work: every operation of one request (or event) joins one
// transaction, committed when the handler answers below 400 and rolled back
// otherwise. Table names are those of the vertical's schema; company_id is
// set and filtered by the host, so a vertical never handles it.
//
// Rows are exchanged as JSON: decode into structs with json tags, and use
// decimal.Decimal (sent and received as strings) for money and quantities.
// The first failing operation fails the unit of work: the request is rolled
// back whatever the handler answers.
type DB struct{ c *Context }

// DB returns the data access of this call.
func (c *Context) DB() *DB { return &DB{c: c} }

// Insert inserts one row (a struct or map) or, given a slice, many rows in
// one statement.
func (d *DB) Insert(table string, rows any) error {
	return d.one(func(b *Batch) { b.Insert(table, rows) })
}

// InsertReturning inserts rows and decodes what was stored (with defaults
// filled in) into out: a pointer to a struct for one row, to a slice for many.
func (d *DB) InsertReturning(table string, rows, out any) error {
	return d.one(func(b *Batch) { b.InsertReturning(table, rows, out) })
}

// Get decodes the row with id into out, or returns a 404 *Error.
func (d *DB) Get(table, id string, out any) error {
	return d.one(func(b *Batch) { b.Get(table, id, out) })
}

// List decodes the rows matching q into out (a pointer to a slice) and
// returns the cursor of the next page, "" on the last one.
func (d *DB) List(table string, q Query, out any) (string, error) {
	var r *Result
	err := d.one(func(b *Batch) { r = b.List(table, q, out) })
	return r.NextCursor, err
}

// Update sets the columns of set (a struct or map; only present keys are
// written) on the row with id. Options: IfVersion for optimistic
// concurrency (409 version_conflict), Into to read the row back.
func (d *DB) Update(table, id string, set any, opts ...WriteOption) error {
	return d.one(func(b *Batch) { b.Update(table, id, set, opts...) })
}

// Delete deletes the row with id, or returns a 404 *Error.
func (d *DB) Delete(table, id string) error { return d.one(func(b *Batch) { b.Delete(table, id) }) }

// Aggregate runs a grouped aggregation and decodes its rows into out.
func (d *DB) Aggregate(table string, a Aggregation, out any) error {
	return d.one(func(b *Batch) { b.Aggregate(table, a, out) })
}

// Lock locks the rows with ids until the unit of work ends (SELECT ... FOR
// UPDATE, in id order so concurrent lockers cannot deadlock).
func (d *DB) Lock(table string, ids ...string) error {
	return d.one(func(b *Batch) { b.Lock(table, ids...) })
}

// Query runs a named query declared in the manifest and decodes its rows
// into out (a pointer to a slice).
func (d *DB) Query(name string, out any, args ...any) error {
	return d.one(func(b *Batch) { b.Query(name, out, args...) })
}

// Exec runs a named query that returns no rows and reports how many rows it
// changed.
func (d *DB) Exec(name string, args ...any) (int64, error) {
	var r *Result
	err := d.one(func(b *Batch) { r = b.Query(name, nil, args...) })
	return r.Affected, err
}

// Transition fires event on the state machine of table for the row with id
// (409 invalid_transition when the current state does not allow it), records
// the status history, and decodes the updated row into out (may be nil).
func (d *DB) Transition(table, id, event, note string, out any) error {
	return d.one(func(b *Batch) { b.Transition(table, id, event, note, out) })
}

// Batch returns a batch: operations queued on it run in order in a single
// call to the host when Run is called.
func (d *DB) Batch() *Batch { return &Batch{c: d.c} }

func (d *DB) one(add func(*Batch)) error {
	b := d.Batch()
	add(b)
	return b.Run()
}

// Batch queues operations to run in one host round trip.
type Batch struct {
	c   *Context
	ops []*pendingOp
	err error
}

// Result receives what an operation reports besides rows; it is filled in
// by Run.
type Result struct {
	Affected   int64
	NextCursor string
}

type pendingOp struct {
	op     dbOp
	out    any
	result *Result
}

// dbOp is one operation of a batch as the host's DB callback takes it
// (convert.go puts it on the wire).
type dbOp struct {
	kind, table, id, query, event, note, cursor string
	ids                                         []string
	rows, args                                  []byte
	returning                                   bool
	limit                                       int
	filters                                     []dbFilter
	order                                       []Order
	groupBy                                     []string
	aggregates                                  []Agg
	// version, when set, is the version the row must still have.
	version *int64
}

// dbFilter is a Filter with its value encoded as JSON.
type dbFilter struct {
	column, op string
	value      []byte
}

// dbResult is the host's answer to one operation.
type dbResult struct {
	affected   int64
	nextCursor string
	rows       [][]byte
}

func (b *Batch) add(op dbOp, out any) *Result {
	r := &Result{}
	b.ops = append(b.ops, &pendingOp{op: op, out: out, result: r})
	return r
}

func (b *Batch) encode(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("encode: %w", err)
	}
	return data
}

// Insert queues an insert of one row or a slice of rows.
func (b *Batch) Insert(table string, rows any) *Result {
	return b.add(dbOp{kind: "insert", table: table, rows: b.encode(rows)}, nil)
}

// InsertReturning queues an insert that decodes the stored rows into out.
func (b *Batch) InsertReturning(table string, rows, out any) *Result {
	return b.add(dbOp{kind: "insert", table: table, rows: b.encode(rows), returning: true}, out)
}

// Get queues a read of the row with id into out.
func (b *Batch) Get(table, id string, out any) *Result {
	return b.add(dbOp{kind: "get", table: table, id: id}, out)
}

// List queues a filtered, ordered, paginated read into out.
func (b *Batch) List(table string, q Query, out any) *Result {
	return b.add(dbOp{kind: "list", table: table, limit: q.Limit, cursor: q.Cursor, filters: b.filters(q.Where), order: q.OrderBy}, out)
}

// Update queues an update of the row with id.
func (b *Batch) Update(table, id string, set any, opts ...WriteOption) *Result {
	var w writeOptions
	for _, o := range opts {
		o(&w)
	}
	return b.add(dbOp{kind: "update", table: table, id: id, rows: b.encode(set), returning: w.returning, version: w.version}, w.out)
}

// Delete queues a delete of the row with id.
func (b *Batch) Delete(table, id string) *Result {
	return b.add(dbOp{kind: "delete", table: table, id: id}, nil)
}

// Aggregate queues an aggregation.
func (b *Batch) Aggregate(table string, a Aggregation, out any) *Result {
	return b.add(dbOp{kind: "aggregate", table: table, groupBy: a.GroupBy, filters: b.filters(a.Where), aggregates: a.Aggregates}, out)
}

// Lock queues a row lock.
func (b *Batch) Lock(table string, ids ...string) *Result {
	return b.add(dbOp{kind: "lock", table: table, ids: ids}, nil)
}

// Query queues a named query; out may be nil for one that returns no rows.
func (b *Batch) Query(name string, out any, args ...any) *Result {
	if args == nil {
		args = []any{}
	}
	return b.add(dbOp{kind: "query", query: name, args: b.encode(args)}, out)
}

// Transition queues a state machine transition.
func (b *Batch) Transition(table, id, event, note string, out any) *Result {
	return b.add(dbOp{kind: "transition", table: table, id: id, event: event, note: note}, out)
}

func (b *Batch) filters(fs []Filter) []dbFilter {
	out := make([]dbFilter, 0, len(fs))
	for _, f := range fs {
		var v []byte
		if f.Value != nil {
			v = b.encode(f.Value)
		}
		out = append(out, dbFilter{column: f.Column, op: f.Op, value: v})
	}
	return out
}

// Run sends the queued operations to the host and decodes their results.
func (b *Batch) Run() error {
	if b.err != nil {
		return b.err
	}
	if len(b.ops) == 0 {
		return nil
	}
	results, err := b.c.host.db(b.c.ctx, b.ops)
	if err != nil {
		return err
	}
	if len(results) != len(b.ops) {
		return fmt.Errorf("db: host answered %d results for %d operations", len(results), len(b.ops))
	}
	for i, op := range b.ops {
		r := results[i]
		op.result.Affected, op.result.NextCursor = r.affected, r.nextCursor
		if op.out != nil {
			if err := decodeRows(r.rows, op.out); err != nil {
				return fmt.Errorf("db: %s %s: %w", op.op.kind, op.op.table+op.op.query, err)
			}
		}
	}
	return nil
}

// decodeRows decodes JSON rows into out: a pointer to a slice takes them
// all, any other pointer takes the first one.
func decodeRows(rows [][]byte, out any) error {
	var data []byte
	if isSlicePtr(out) {
		data = append(append([]byte{'['}, bytes.Join(rows, []byte{','})...), ']')
	} else {
		if len(rows) == 0 {
			return errors.New("no row returned")
		}
		data = rows[0]
	}
	return json.Unmarshal(data, out)
}

// WriteOption changes an update.
type WriteOption func(*writeOptions)

// writeOptions are an update's options.
type writeOptions struct {
	version   *int64
	returning bool
	out       any
}

// IfVersion makes an update succeed only while the row's version column
// still holds version; otherwise it fails with 409 version_conflict.
func IfVersion(version int64) WriteOption {
	return func(w *writeOptions) { w.version = &version }
}

// Into decodes the updated row into out.
func Into(out any) WriteOption {
	return func(w *writeOptions) { w.returning, w.out = true, out }
}

// Query selects rows for List.
type Query struct {
	Where   []Filter
	OrderBy []Order
	// Limit defaults to 50 and may not exceed 500.
	Limit int
	// Cursor continues from a previous page's next cursor.
	Cursor string
}

// Filter is one condition on a column.
type Filter struct {
	Column string
	Op     string
	Value  any
}

// Eq matches column = v.
func Eq(column string, v any) Filter { return Filter{column, "eq", v} }

// Ne matches column <> v.
func Ne(column string, v any) Filter { return Filter{column, "ne", v} }

// Lt matches column < v.
func Lt(column string, v any) Filter { return Filter{column, "lt", v} }

// Lte matches column <= v.
func Lte(column string, v any) Filter { return Filter{column, "lte", v} }

// Gt matches column > v.
func Gt(column string, v any) Filter { return Filter{column, "gt", v} }

// Gte matches column >= v.
func Gte(column string, v any) Filter { return Filter{column, "gte", v} }

// In matches column = any of vs.
func In(column string, vs ...any) Filter { return Filter{column, "in", vs} }

// Contains matches a JSONB column containing v (a map or struct).
func Contains(column string, v any) Filter { return Filter{column, "contains", v} }

// Prefix matches a text column starting with prefix.
func Prefix(column, prefix string) Filter { return Filter{column, "prefix", prefix} }

// IsNull matches a NULL column.
func IsNull(column string) Filter { return Filter{Column: column, Op: "is_null"} }

// NotNull matches a non-NULL column.
func NotNull(column string) Filter { return Filter{Column: column, Op: "not_null"} }

// Order sorts List results; id breaks ties.
type Order struct {
	Column string
	Desc   bool
}

// Asc sorts by column ascending.
func Asc(column string) Order { return Order{Column: column} }

// Desc sorts by column descending.
func Desc(column string) Order { return Order{Column: column, Desc: true} }

// Aggregation groups rows and computes aggregates for Aggregate.
type Aggregation struct {
	Where      []Filter
	GroupBy    []string
	Aggregates []Agg
}

// Agg is one aggregate: Fn of Column named As.
type Agg struct {
	Fn, Column, As string
}

// Count counts rows.
func Count(as string) Agg { return Agg{Fn: "count", As: as} }

// Sum sums column.
func Sum(column, as string) Agg { return Agg{Fn: "sum", Column: column, As: as} }

// Min is the smallest value of column.
func Min(column, as string) Agg { return Agg{Fn: "min", Column: column, As: as} }

// Max is the largest value of column.
func Max(column, as string) Agg { return Agg{Fn: "max", Column: column, As: as} }

// Avg is the average of column.
func Avg(column, as string) Agg { return Agg{Fn: "avg", Column: column, As: as} }
