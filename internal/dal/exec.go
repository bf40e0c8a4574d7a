package dal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/role"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Operation kinds (DBOp.kind).
const (
	OpInsert     = "insert"
	OpGet        = "get"
	OpList       = "list"
	OpUpdate     = "update"
	OpDelete     = "delete"
	OpAggregate  = "aggregate"
	OpLock       = "lock"
	OpQuery      = "query"
	OpTransition = "transition"
)

// Limits on a single operation.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	// MaxIDs bounds lock's ids and a filter's in list.
	MaxIDs = 1000
)

// Actor is who runs the operations: the tenant, the user (uuid.Nil for
// none, e.g. an event handler), the user's role in the company and the
// calling vertical.
type Actor struct {
	CompanyID, UserID uuid.UUID
	Role              string
	Vertical          string
}

// Exec runs ops in order in tx, which must be a tenant transaction for
// actor.CompanyID (see TenantBegin), on the tables of cat and the named
// queries q. Consecutive operations travel to the database together, in
// one round trip; locks, transitions and version-checked writes run on
// their own, after the operations before them. The first failing
// operation fails the batch, as if the operations ran one by one: its
// error is an *Error (see AsError) whose details name the operation's
// index, and the transaction must then be rolled back (later operations
// may have run).
func Exec(ctx context.Context, tx pgx.Tx, cat *Catalog, q Queries, actor Actor, ops []*nexusv1.DBOp) ([]*nexusv1.DBResult, error) {
	if actor.CompanyID == uuid.Nil {
		return nil, errors.New("dal: exec without a company id")
	}
	r := &runner{tx: tx, cat: cat, queries: q, actor: actor, company: actor.CompanyID.String(), ops: ops,
		batch: &pgx.Batch{}, qualified: true, results: make([]*nexusv1.DBResult, 0, len(ops))}
	for i, op := range ops {
		r.op = i
		res, err := r.exec(ctx, op)
		if err != nil {
			var settled errSettled
			if errors.As(err, &settled) {
				return nil, settled.err
			}
			if serr := r.settle(ctx); serr != nil {
				return nil, serr
			}
			return nil, r.opError(i, err)
		}
		r.pending = append(r.pending, pendingOp{index: i, finish: res})
	}
	if err := r.settle(ctx); err != nil {
		return nil, err
	}
	return r.results, nil
}

// runner executes operations for one Exec call.
type runner struct {
	tx      pgx.Tx
	cat     *Catalog
	queries Queries
	actor   Actor
	company string
	ops     []*nexusv1.DBOp
	// op is the index of the operation being prepared.
	op int

	// batch holds the statements of the pending operations; stmtOps names
	// the operation of each, and ran counts those whose results were read.
	batch   *pgx.Batch
	stmtOps []int
	ran     int
	pending []pendingOp
	// qualified is set while every queued statement names its tables with
	// their schema (no named query is queued).
	qualified bool
	results   []*nexusv1.DBResult
}

// result gives an operation's result once its statements have run.
type result func() (*nexusv1.DBResult, error)

// pendingOp is an operation whose statements are queued.
type pendingOp struct {
	index  int
	finish result
}

// done is the result of an operation that already ran.
func done(res *nexusv1.DBResult) result {
	return func() (*nexusv1.DBResult, error) { return res, nil }
}

// opError wraps err as the failure of operation i.
func (r *runner) opError(i int, err error) error {
	e := *AsError(err)
	e.Internal = maps.Clone(e.Internal)
	e.with("op", i)
	op := r.ops[i]
	return fmt.Errorf("dal: op %d (%s %s): %w", i, op.GetKind(), op.GetTable(), &e)
}

// settle sends the queued statements and completes the pending operations
// in order, returning the first failure: an operation's own, or the
// database's error for the statement that failed.
func (r *runner) settle(ctx context.Context) error {
	var sendErr error
	if r.batch.Len() > 0 {
		batch := fenced(r.batch, r.cat.role)
		r.batch = &pgx.Batch{}
		send := r.tx.SendBatch
		if r.qualified {
			send = func(ctx context.Context, b *pgx.Batch) pgx.BatchResults { return SendQualified(ctx, r.tx, b) }
		}
		sendErr = send(ctx, batch).Close()
	}
	failedOp := len(r.ops)
	if sendErr != nil && len(r.stmtOps) > 0 {
		failedOp = r.stmtOps[max(r.ran-1, 0)]
	}
	pending := r.pending
	r.pending, r.stmtOps, r.ran, r.qualified = nil, nil, 0, true
	for _, p := range pending {
		if p.index >= failedOp {
			return r.opError(failedOp, sendErr)
		}
		res, err := p.finish()
		if err != nil {
			return r.opError(p.index, err)
		}
		r.results = append(r.results, res)
	}
	return nil
}

// fenced returns b run as role: b's statements between a switch to role
// and one back to migrate.TenantRole. It returns b itself when role is "".
func fenced(b *pgx.Batch, role string) *pgx.Batch {
	if role == "" {
		return b
	}
	out := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+2)}
	out.Queue(setRoleSQL + quote(role))
	out.QueuedQueries = append(out.QueuedQueries, b.QueuedQueries...)
	out.Queue(setRoleSQL + quote(migrate.TenantRole))
	return out
}

// queue adds a statement of the current operation to the batch; scan reads
// its rows when the batch runs.
func (r *runner) queue(sql string, args []any, scan func(pgx.Rows) error) {
	r.stmtOps = append(r.stmtOps, r.op)
	r.batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		r.ran++
		return scan(rows)
	})
}

// queueRows queues a statement returning one JSON text per row; *out
// receives the rows.
func (r *runner) queueRows(out *[][]byte, sql string, args ...any) {
	r.queue(sql, args, func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, scanJSON)
		return err
	})
}

// queueExec queues a statement returning no rows; *affected receives the
// number of rows it touched.
func (r *runner) queueExec(affected *int64, sql string, args ...any) {
	r.queue(sql, args, func(rows pgx.Rows) error {
		rows.Close()
		*affected = rows.CommandTag().RowsAffected()
		return rows.Err()
	})
}

// barrier settles the pending operations, so that the current one can run
// its statements one by one.
func (r *runner) barrier(ctx context.Context) error {
	if err := r.settle(ctx); err != nil {
		return errSettled{err}
	}
	return nil
}

// errSettled carries an earlier operation's failure, already wrapped,
// through a later operation's error return.
type errSettled struct{ err error }

func (e errSettled) Error() string { return e.err.Error() }
func (e errSettled) Unwrap() error { return e.err }

// exec validates one operation and queues its statements (or, for the
// operations that need to, runs them after settling the earlier ones).
func (r *runner) exec(ctx context.Context, op *nexusv1.DBOp) (result, error) {
	if op == nil {
		return nil, invalid(ReasonInvalidArgument, "empty operation")
	}
	if op.GetKind() == OpQuery {
		return r.query(op)
	}
	var run func(context.Context, *Table, *nexusv1.DBOp) (result, error)
	switch op.GetKind() {
	case OpInsert:
		run = r.insert
	case OpGet:
		run = r.get
	case OpList:
		run = r.list
	case OpUpdate:
		run = r.update
	case OpDelete:
		run = r.delete
	case OpAggregate:
		run = r.aggregate
	case OpLock:
		run = r.lock
	case OpTransition:
		run = r.transition
	default:
		return nil, invalid(ReasonUnknownKind, "unknown operation kind %q", op.GetKind()).with("kind", op.GetKind())
	}
	t, err := r.cat.table(op.GetTable())
	if err != nil {
		return nil, err
	}
	return run(ctx, t, op)
}

// scanJSON reads a row of one JSON text column.
func scanJSON(row pgx.CollectableRow) ([]byte, error) {
	var b []byte
	err := row.Scan(&b)
	return b, err
}

// rows runs a statement returning one JSON text per row, now.
func (r *runner) rows(ctx context.Context, sql string, args ...any) ([][]byte, error) {
	rows, err := r.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanJSON)
}

// insert writes rows, one statement per run of rows with the same columns
// (so omitted columns take their defaults).
func (r *runner) insert(_ context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	objs, err := decodeObjects(op.GetRows())
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return nil, invalid(ReasonInvalidArgument, "insert needs at least one row")
	}
	keys := make([][]string, len(objs))
	for i, obj := range objs {
		if m := t.machine; m != nil {
			if _, given := obj[m.column]; given {
				return nil, newError(kind.Forbidden, ReasonPermissionDenied,
					"column %q is managed by a state machine: leave it out, new rows start in %q", m.column, m.initial).
					with("column", m.column)
			}
		}
		for k := range obj {
			if k == colCompany {
				return nil, invalid(ReasonReadOnlyColumn, "company_id may not be given: it is the caller's company").with("column", k)
			}
			c, err := t.column(k)
			if err != nil {
				return nil, err
			}
			if c.Generated {
				return nil, invalid(ReasonReadOnlyColumn, "column %q is generated and cannot be written", k).with("column", k)
			}
		}
		keys[i] = slices.Sorted(maps.Keys(obj))
	}
	type run struct {
		rows     [][]byte
		affected int64
	}
	var runs []*run
	for start := 0; start < len(objs); {
		end := start + 1
		for end < len(objs) && slices.Equal(keys[end], keys[start]) {
			end++
		}
		payload, err := json.Marshal(objs[start:end])
		if err != nil {
			return nil, fmt.Errorf("insert into %s: %w", t.Name, err)
		}
		targets, values := []string{}, []string{}
		for _, k := range keys[start] {
			targets = append(targets, quote(k))
			values = append(values, "r."+quote(k))
		}
		stmt := fmt.Sprintf(insertSQL, t.ident, prefixComma(targets), prefixComma(values), t.ident)
		ru := &run{}
		runs = append(runs, ru)
		if op.GetReturning() {
			r.queueRows(&ru.rows, wrapRows(stmt+" RETURNING *", t.output), r.company, string(payload))
		} else {
			r.queueExec(&ru.affected, stmt, r.company, string(payload))
		}
		start = end
	}
	return func() (*nexusv1.DBResult, error) {
		res := &nexusv1.DBResult{}
		for _, ru := range runs {
			res.Rows = append(res.Rows, ru.rows...)
			res.Affected += ru.affected + int64(len(ru.rows))
		}
		return res, nil
	}, nil
}

// prefixComma renders list as ", a, b" (empty for no items), to follow
// company_id in insert lists.
func prefixComma(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return ", " + joinComma(list)
}

// get reads one row by id.
func (r *runner) get(_ context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	id, err := parseID(op.GetId(), "id")
	if err != nil {
		return nil, err
	}
	var rows [][]byte
	r.queueRows(&rows, wrapRows(fmt.Sprintf(getSQL, t.ident), t.output), r.company, id)
	return func() (*nexusv1.DBResult, error) {
		if len(rows) == 0 {
			return nil, notFound(t, id)
		}
		return &nexusv1.DBResult{Rows: rows, Affected: 1}, nil
	}, nil
}

// notFound reports that the row id of t does not exist (for this company).
func notFound(t *Table, id string) *Error {
	return newError(kind.NotFound, ReasonNotFound, "%s %s not found", t.Name, id).with("table", t.Name).with("id", id)
}

// update sets columns of one row by id.
func (r *runner) update(ctx context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	id, err := parseID(op.GetId(), "id")
	if err != nil {
		return nil, err
	}
	set, err := decodeObject(op.GetRows())
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return nil, invalid(ReasonInvalidArgument, "update needs at least one column to set")
	}
	var assign []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		c, err := t.column(k)
		if err != nil {
			return nil, err
		}
		switch {
		case k == colCompany || k == colID || (k == colVersion && t.hasVersion) || c.Generated:
			return nil, invalid(ReasonReadOnlyColumn, "column %q cannot be updated", k).with("column", k)
		case t.machine != nil && k == t.machine.column:
			return nil, newError(kind.Forbidden, ReasonStatusManaged, "column %q is managed by a state machine: use a transition", k).with("column", k)
		}
		assign = append(assign, quote(k)+" = r."+quote(k))
	}
	assign = append(assign, t.managedAssignments(set)...)
	args := []any{r.company, id, string(op.GetRows())}
	check, err := t.versionCheck(op, &args)
	if err != nil {
		return nil, err
	}
	stmt := fmt.Sprintf(updateSQL, t.ident, joinComma(assign), t.ident, check)
	if op.GetReturning() {
		stmt = wrapRows(stmt+" RETURNING t.*", t.output)
	}
	return r.write(ctx, t, id, op, stmt, args, op.GetReturning())
}

// write runs an update or delete of row id, whose statement returns the
// row's JSON when returning is set. A version-checked write runs at once,
// so that a miss can be told apart from a conflict; others are queued.
func (r *runner) write(ctx context.Context, t *Table, id string, op *nexusv1.DBOp, stmt string, args []any, returning bool) (result, error) {
	res := &nexusv1.DBResult{}
	if op.GetHasVersion() {
		if err := r.barrier(ctx); err != nil {
			return nil, err
		}
		if returning {
			rows, err := r.rows(ctx, stmt, args...)
			if err != nil {
				return nil, err
			}
			res.Rows, res.Affected = rows, int64(len(rows))
		} else {
			tag, err := r.tx.Exec(ctx, stmt, args...)
			if err != nil {
				return nil, err
			}
			res.Affected = tag.RowsAffected()
		}
		if res.Affected == 0 {
			return nil, r.missing(ctx, t, id, op)
		}
		return done(res), nil
	}
	if returning {
		r.queueRows(&res.Rows, stmt, args...)
	} else {
		r.queueExec(&res.Affected, stmt, args...)
	}
	return func() (*nexusv1.DBResult, error) {
		if returning {
			res.Affected = int64(len(res.Rows))
		}
		if res.Affected == 0 {
			return nil, notFound(t, id)
		}
		return res, nil
	}, nil
}

// managedAssignments bumps version and sets updated_at (unless set
// explicitly).
func (t *Table) managedAssignments(set map[string]json.RawMessage) []string {
	var out []string
	if t.hasVersion {
		out = append(out, `version = t.version + 1`)
	}
	if _, given := set[colUpdatedAt]; t.hasUpdated && !given {
		out = append(out, `updated_at = now()`)
	}
	return out
}

// versionCheck returns the WHERE suffix enforcing op's expected version,
// binding it into args.
func (t *Table) versionCheck(op *nexusv1.DBOp, args *[]any) (string, error) {
	if !op.GetHasVersion() {
		return "", nil
	}
	if !t.hasVersion {
		return "", invalid(ReasonInvalidArgument, "table %q has no version column", t.Name).with("table", t.Name)
	}
	*args = append(*args, op.GetExpectedVersion())
	return fmt.Sprintf(versionCheck, len(*args)), nil
}

// missing explains why a write by id touched no row: version_conflict when
// the row exists (so the version differed), not_found otherwise.
func (r *runner) missing(ctx context.Context, t *Table, id string, op *nexusv1.DBOp) error {
	if !op.GetHasVersion() {
		return notFound(t, id)
	}
	var current int64
	err := r.tx.QueryRow(ctx, fmt.Sprintf(currentVersionSQL, t.ident), r.company, id).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(t, id)
	}
	if err != nil {
		return err
	}
	return newError(kind.Conflict, ReasonVersionConflict, "%s %s is at version %d, not %d", t.Name, id, current, op.GetExpectedVersion()).
		with("table", t.Name).with("id", id).with("expected_version", op.GetExpectedVersion()).with("current_version", current)
}

// delete removes one row by id.
func (r *runner) delete(ctx context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	id, err := parseID(op.GetId(), "id")
	if err != nil {
		return nil, err
	}
	args := []any{r.company, id}
	check, err := t.versionCheck(op, &args)
	if err != nil {
		return nil, err
	}
	return r.write(ctx, t, id, op, fmt.Sprintf(deleteSQL, t.ident, check), args, false)
}

// lock takes row locks on ids in id order, so concurrent lockers never
// deadlock; every id must exist.
func (r *runner) lock(ctx context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	if len(op.GetIds()) == 0 {
		return nil, invalid(ReasonInvalidArgument, "lock needs at least one id")
	}
	if len(op.GetIds()) > MaxIDs {
		return nil, invalid(ReasonInvalidArgument, "lock takes at most %d ids, got %d", MaxIDs, len(op.GetIds()))
	}
	want := map[string]bool{}
	for _, raw := range op.GetIds() {
		id, err := parseID(raw, "id")
		if err != nil {
			return nil, err
		}
		want[id] = true
	}
	ids := slices.Sorted(maps.Keys(want))
	if err := r.barrier(ctx); err != nil {
		return nil, err
	}
	rows, err := r.tx.Query(ctx, fmt.Sprintf(lockSQL, t.ident), r.company, ids)
	if err != nil {
		return nil, err
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, id := range locked {
		delete(want, id)
	}
	if len(want) > 0 {
		missing := slices.Sorted(maps.Keys(want))
		return nil, newError(kind.NotFound, ReasonNotFound, "%s not found: %s", t.Name, strings.Join(missing, ", ")).
			with("table", t.Name).with("ids", missing)
	}
	return done(&nexusv1.DBResult{Affected: int64(len(locked))}), nil
}

// transition moves one row through its table's state machine and records
// the change in public.status_history, in one statement after locking the
// row.
func (r *runner) transition(ctx context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	m := t.machine
	if m == nil {
		return nil, invalid(ReasonNoStateMachine, "table %q has no state machine", t.Name).with("table", t.Name)
	}
	id, err := parseID(op.GetId(), "id")
	if err != nil {
		return nil, err
	}
	if op.GetEvent() == "" {
		return nil, invalid(ReasonInvalidArgument, "transition needs an event")
	}
	if err := r.barrier(ctx); err != nil {
		return nil, err
	}
	var current *string
	err = r.tx.QueryRow(ctx, fmt.Sprintf(stateSQL, quote(m.column), t.ident), r.company, id).Scan(&current)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(t, id)
	}
	if err != nil {
		return nil, err
	}
	from := ""
	if current != nil {
		from = *current
	}
	tr, ok := m.next[[2]string{from, op.GetEvent()}]
	if !ok {
		return nil, newError(kind.Conflict, ReasonInvalidTransition, "%s %s is %q: event %q is not allowed from that state", t.Name, id, from, op.GetEvent()).
			with("table", t.Name).with("id", id).with("state", from).with("event", op.GetEvent()).with("allowed", m.events(from))
	}
	if !role.AtLeast(r.actor.Role, tr.MinRole) {
		return nil, newError(kind.Forbidden, ReasonInsufficientRole, "event %q needs role %s or above", op.GetEvent(), tr.MinRole).
			with("event", op.GetEvent()).with("min_role", tr.MinRole)
	}
	assign := append([]string{quote(m.column) + " = $3"}, t.managedAssignments(nil)...)
	var note, actorID any
	if op.GetNote() != "" {
		note = op.GetNote()
	}
	if r.actor.UserID != uuid.Nil {
		actorID = r.actor.UserID.String()
	}
	stmt := wrapTransition(fmt.Sprintf(transitionSQL, t.ident, joinComma(assign)), t.output)
	rows, err := r.rows(ctx, stmt, r.company, id, tr.To, r.actor.Vertical, t.Name, from, op.GetEvent(), note, actorID, tr.To)
	if err != nil {
		return nil, err
	}
	return done(&nexusv1.DBResult{Rows: rows, Affected: int64(len(rows))}), nil
}

// events lists the events allowed from state, sorted.
func (m *machine) events(state string) []string {
	var out []string
	for k := range m.next {
		if k[0] == state {
			out = append(out, k[1])
		}
	}
	slices.Sort(out)
	return out
}
