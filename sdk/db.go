package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
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
	pb     *nexusv1.DBOp
	out    any
	result *Result
}

func (b *Batch) add(op *nexusv1.DBOp, out any) *Result {
	r := &Result{}
	b.ops = append(b.ops, &pendingOp{pb: op, out: out, result: r})
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
	return b.add(&nexusv1.DBOp{Kind: "insert", Table: table, Rows: b.encode(rows)}, nil)
}

// InsertReturning queues an insert that decodes the stored rows into out.
func (b *Batch) InsertReturning(table string, rows, out any) *Result {
	return b.add(&nexusv1.DBOp{Kind: "insert", Table: table, Rows: b.encode(rows), Returning: true}, out)
}

// Get queues a read of the row with id into out.
func (b *Batch) Get(table, id string, out any) *Result {
	return b.add(&nexusv1.DBOp{Kind: "get", Table: table, Id: id}, out)
}

// List queues a filtered, ordered, paginated read into out.
func (b *Batch) List(table string, q Query, out any) *Result {
	op := &nexusv1.DBOp{Kind: "list", Table: table, Limit: int32(q.Limit), Cursor: q.Cursor}
	op.Filters = b.filters(q.Where)
	for _, o := range q.OrderBy {
		op.Order = append(op.Order, &nexusv1.Order{Column: o.Column, Desc: o.Desc})
	}
	return b.add(op, out)
}

// Update queues an update of the row with id.
func (b *Batch) Update(table, id string, set any, opts ...WriteOption) *Result {
	op := &nexusv1.DBOp{Kind: "update", Table: table, Id: id, Rows: b.encode(set)}
	var out any
	for _, o := range opts {
		o(op, &out)
	}
	return b.add(op, out)
}

// Delete queues a delete of the row with id.
func (b *Batch) Delete(table, id string) *Result {
	return b.add(&nexusv1.DBOp{Kind: "delete", Table: table, Id: id}, nil)
}

// Aggregate queues an aggregation.
func (b *Batch) Aggregate(table string, a Aggregation, out any) *Result {
	op := &nexusv1.DBOp{Kind: "aggregate", Table: table, GroupBy: a.GroupBy, Filters: b.filters(a.Where)}
	for _, ag := range a.Aggregates {
		op.Aggregates = append(op.Aggregates, &nexusv1.Aggregate{Fn: ag.Fn, Column: ag.Column, As: ag.As})
	}
	return b.add(op, out)
}

// Lock queues a row lock.
func (b *Batch) Lock(table string, ids ...string) *Result {
	return b.add(&nexusv1.DBOp{Kind: "lock", Table: table, Ids: ids}, nil)
}

// Query queues a named query; out may be nil for one that returns no rows.
func (b *Batch) Query(name string, out any, args ...any) *Result {
	if args == nil {
		args = []any{}
	}
	return b.add(&nexusv1.DBOp{Kind: "query", Query: name, Args: b.encode(args)}, out)
}

// Transition queues a state machine transition.
func (b *Batch) Transition(table, id, event, note string, out any) *Result {
	return b.add(&nexusv1.DBOp{Kind: "transition", Table: table, Id: id, Event: event, Note: note}, out)
}

func (b *Batch) filters(fs []Filter) []*nexusv1.Filter {
	out := make([]*nexusv1.Filter, 0, len(fs))
	for _, f := range fs {
		var v []byte
		if f.Value != nil {
			v = b.encode(f.Value)
		}
		out = append(out, &nexusv1.Filter{Column: f.Column, Op: f.Op, Value: v})
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
	req := &nexusv1.DBRequest{Ops: make([]*nexusv1.DBOp, len(b.ops))}
	for i, op := range b.ops {
		req.Ops[i] = op.pb
	}
	res, err := b.c.host.db(b.c.ctx, req)
	if err != nil {
		return err
	}
	if len(res.GetResults()) != len(b.ops) {
		return fmt.Errorf("db: host answered %d results for %d operations", len(res.GetResults()), len(b.ops))
	}
	for i, op := range b.ops {
		r := res.GetResults()[i]
		op.result.Affected, op.result.NextCursor = r.GetAffected(), r.GetNextCursor()
		if op.out != nil {
			if err := decodeRows(r.GetRows(), op.out); err != nil {
				return fmt.Errorf("db: %s %s: %w", op.pb.GetKind(), op.pb.GetTable()+op.pb.GetQuery(), err)
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
type WriteOption func(op *nexusv1.DBOp, out *any)

// IfVersion makes an update succeed only while the row's version column
// still holds version; otherwise it fails with 409 version_conflict.
func IfVersion(version int64) WriteOption {
	return func(op *nexusv1.DBOp, _ *any) {
		op.ExpectedVersion, op.HasVersion = version, true
	}
}

// Into decodes the updated row into out.
func Into(out any) WriteOption {
	return func(op *nexusv1.DBOp, o *any) {
		op.Returning = true
		*o = out
	}
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
