package hostcall_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/pgtest"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// thingsSQL is the one table of the test verticals, with a state machine
// on status; status has no default, the host gives it the initial state.
const thingsSQL = `CREATE TABLE things (
    company_id uuid NOT NULL REFERENCES public.companies (id),
    id uuid NOT NULL,
    body text NOT NULL DEFAULT '',
    status text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id)
)`

// hostTablesSQL lists every table, view and materialized view of the
// host's schema, with whether it is a table and its first column that an
// UPDATE may set (not an identity or generated column).
const hostTablesSQL = `
SELECT c.relname, c.relkind IN ('r', 'p'),
       (SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attidentity = '' AND a.attgenerated = '' ORDER BY a.attnum LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
ORDER BY 1`

type relation struct {
	name, column string
	table        bool
}

// manifest declares a vertical called name with the things table, its
// state machine and queries.
func manifest(name string, queries map[string]string) *nexusv1.Manifest {
	m := &nexusv1.Manifest{
		Name:       name,
		Migrations: []*nexusv1.Migration{{Version: 1, Name: "things", Up: thingsSQL, Down: "DROP TABLE things"}},
		StateMachines: []*nexusv1.StateMachine{{Table: "things", Column: "status", Initial: "open",
			Transitions: []*nexusv1.Transition{{From: "open", Event: "close", To: "closed", MinRole: "viewer"}}}},
	}
	for n, sql := range queries {
		m.Queries = append(m.Queries, &nexusv1.NamedQuery{Name: n, Sql: sql})
	}
	return m
}

// fencedDB is a database with the host's schema, a company, a vertical
// "fenced" and another vertical "other", each with a row in things.
type fencedDB struct {
	pool    *pgxpool.Pool
	data    *hostcall.Data
	company uuid.UUID
	own     string
	host    []relation
}

func newFencedDB(t *testing.T) *fencedDB {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	pgtest.MigrateHost(t, pool)

	rows, err := pool.Query(ctx, hostTablesSQL)
	require.NoError(t, err)
	host, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (relation, error) {
		var rel relation
		return rel, r.Scan(&rel.name, &rel.table, &rel.column)
	})
	require.NoError(t, err)
	require.NotEmpty(t, host)

	queries := map[string]string{
		"read_other":    "SELECT id FROM other.things",
		"write_other":   "DELETE FROM other.things",
		"set_status":    "UPDATE things SET status = 'closed'",
		"set_role":      "SELECT set_config('role', 'nexus_tenant', true)",
		"set_company":   "SELECT set_config('app.company_id', $1, true)",
		"own_read":      "SELECT id, body, status FROM things",
		"own_write":     "UPDATE things SET body = $1",
		"insert_thing":  "INSERT INTO things (company_id, id, body) VALUES (current_setting('app.company_id')::uuid, gen_random_uuid(), 'named')",
		"insert_status": "INSERT INTO things (company_id, id, status) VALUES (current_setting('app.company_id')::uuid, gen_random_uuid(), $1)",
	}
	for _, rel := range host {
		ident := pgx.Identifier{"public", rel.name}.Sanitize()
		queries["read_"+rel.name] = "SELECT 1 FROM " + ident
		if rel.table {
			queries["delete_"+rel.name] = "DELETE FROM " + ident
			queries["insert_"+rel.name] = "INSERT INTO " + ident + " DEFAULT VALUES"
			col := pgx.Identifier{rel.column}.Sanitize()
			queries["update_"+rel.name] = "UPDATE " + ident + " SET " + col + " = " + col
		}
	}
	_, err = hostcall.Prepare(ctx, pool, manifest("other", nil), nil)
	require.NoError(t, err)
	data, err := hostcall.Prepare(ctx, pool, manifest("fenced", queries), nil)
	require.NoError(t, err)

	db := &fencedDB{pool: pool, data: data, company: uuid.New(), own: uuid.NewString(), host: host}
	_, err = pool.Exec(ctx, `INSERT INTO public.companies (id, name, country, currency, tax_id, timezone)
VALUES ($1::uuid, 'Fenced', 'MX', 'MXN', $1::text, 'America/Mexico_City')`, db.company.String())
	require.NoError(t, err)
	for _, schema := range []string{"other", "fenced"} {
		_, err = pool.Exec(ctx, "INSERT INTO "+schema+".things (company_id, id) VALUES ($1, $2)", db.company, db.own)
		require.NoError(t, err)
	}
	return db
}

// call runs ops for the fenced vertical in a unit of work of its own,
// committed when they succeed.
func (db *fencedDB) call(t *testing.T, ops ...*nexusv1.DBOp) (*nexusv1.DBResponse, error) {
	t.Helper()
	ctx := context.Background()
	u := dal.NewTenantUnit(db.pool, db.company, db.data.Schema)
	actor := dal.Actor{CompanyID: db.company, UserID: uuid.New(), Role: "owner", Vertical: "fenced"}
	res, err := db.data.DB(ctx, u, actor, &nexusv1.DBRequest{Ops: ops}, hclog.NewNullLogger(), "req")
	require.NoError(t, u.Finish(ctx, err == nil))
	return res, err
}

// snapshot counts the rows of every host table and of both verticals'
// things, as the privileged pool sees them.
func (db *fencedDB) snapshot(t *testing.T) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	names := []string{"other.things", "fenced.things"}
	for _, rel := range db.host {
		if rel.table {
			names = append(names, pgx.Identifier{"public", rel.name}.Sanitize())
		}
	}
	for _, name := range names {
		var n int64
		require.NoError(t, db.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+name).Scan(&n))
		out[name] = n
	}
	return out
}

func query(name string, args ...any) *nexusv1.DBOp {
	op := &nexusv1.DBOp{Kind: dal.OpQuery, Query: name}
	if len(args) > 0 {
		b, _ := json.Marshal(args)
		op.Args = b
	}
	return op
}

// requireDenied checks that err is a permission denial (kind forbidden,
// a 403) whose details name nothing but the operation's index.
func requireDenied(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	st, ok := status.FromError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, codes.PermissionDenied, st.Code(), st.Message())
	e := wire.FromStatus(st)
	require.Equal(t, kind.Forbidden, e.Kind)
	require.Equal(t, dal.ReasonPermissionDenied, e.Code)
	require.Equal(t, "this data may not be accessed", e.Message)
	for k := range e.Details {
		require.Equal(t, "op", k, "details must not carry internals: %v", e.Details)
	}
}

// requireReason checks that err is a status whose envelope code is reason.
func requireReason(t *testing.T, err error, reason string) {
	t.Helper()
	st, ok := status.FromError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, reason, wire.FromStatus(st).Code)
}

// TestVerticalFencedFromHostTables runs, for every relation of the host's
// schema (listed from the catalog, so a new table is covered without
// editing this test), a read, a delete, an insert and an update as the named queries
// of a vertical, and DAL operations naming the table: each is refused with
// a 4xx kind and nothing is written.
func TestVerticalFencedFromHostTables(t *testing.T) {
	t.Parallel()
	db := newFencedDB(t)
	before := db.snapshot(t)
	for _, rel := range db.host {
		t.Run(rel.name, func(t *testing.T) {
			names := []string{"read_" + rel.name}
			if rel.table {
				names = append(names, "delete_"+rel.name, "insert_"+rel.name, "update_"+rel.name)
			}
			for _, name := range names {
				_, err := db.call(t, query(name))
				requireDenied(t, err)
				// Pipelined after an operation of the vertical's own.
				_, err = db.call(t, query("own_read"), query(name))
				requireDenied(t, err)
			}
			for _, table := range []string{rel.name, "public." + rel.name} {
				for _, op := range []*nexusv1.DBOp{
					{Kind: dal.OpList, Table: table},
					{Kind: dal.OpGet, Table: table, Id: uuid.NewString()},
					{Kind: dal.OpInsert, Table: table, Rows: []byte(`[{"id":"` + uuid.NewString() + `"}]`)},
					{Kind: dal.OpUpdate, Table: table, Id: uuid.NewString(), Rows: []byte(`{"id":"` + uuid.NewString() + `"}`)},
					{Kind: dal.OpDelete, Table: table, Id: uuid.NewString()},
				} {
					_, err := db.call(t, op)
					require.Equal(t, codes.InvalidArgument, status.Code(err), "%s %s: %v", op.Kind, table, err)
				}
			}
		})
	}
	require.Equal(t, before, db.snapshot(t))
}

// TestVerticalFencedFromOtherVertical: another vertical's schema is out of
// reach of both named queries and DAL operations.
func TestVerticalFencedFromOtherVertical(t *testing.T) {
	t.Parallel()
	db := newFencedDB(t)
	before := db.snapshot(t)
	for _, name := range []string{"read_other", "write_other"} {
		_, err := db.call(t, query(name))
		requireDenied(t, err)
	}
	for _, op := range []*nexusv1.DBOp{
		{Kind: dal.OpList, Table: "other.things"},
		{Kind: dal.OpGet, Table: "other.things", Id: db.own},
		{Kind: dal.OpDelete, Table: "other.things", Id: db.own},
	} {
		_, err := db.call(t, op)
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", op.Kind, err)
	}
	require.Equal(t, before, db.snapshot(t))
}

// TestVerticalStatusOnlyThroughStateMachine: a named query may not set the
// managed status column, nor switch role or company; neither a named query
// nor a DAL insert may name the status column of a new row, even with the
// initial state (403 permission_denied, nothing written), and a row
// inserted without it starts in the initial state; the state machine's
// transition still moves the row and records its history, and the
// vertical's other columns stay writable.
func TestVerticalStatusOnlyThroughStateMachine(t *testing.T) {
	t.Parallel()
	db := newFencedDB(t)
	ctx := context.Background()
	before := db.snapshot(t)
	for _, op := range []*nexusv1.DBOp{
		query("set_status"), query("set_role"), query("set_company", uuid.NewString()),
		query("insert_status", "closed"), query("insert_status", "open"),
	} {
		_, err := db.call(t, op)
		requireDenied(t, err)
		// Pipelined after a write of the vertical's own, which rolls back.
		_, err = db.call(t, query("insert_thing"), op)
		requireDenied(t, err)
	}
	for _, state := range []string{"closed", "open"} {
		insert := &nexusv1.DBOp{Kind: dal.OpInsert, Table: "things",
			Rows: []byte(`[{"id":"` + uuid.NewString() + `","status":"` + state + `"}]`)}
		for _, ops := range [][]*nexusv1.DBOp{{insert}, {query("insert_thing"), insert}} {
			_, err := db.call(t, ops...)
			require.Equal(t, codes.PermissionDenied, status.Code(err), "%v", err)
			requireReason(t, err, dal.ReasonPermissionDenied)
		}
	}
	require.Equal(t, before, db.snapshot(t), "nothing written")
	var st string
	require.NoError(t, db.pool.QueryRow(ctx, "SELECT status FROM fenced.things WHERE id = $1", db.own).Scan(&st))
	require.Equal(t, "open", st)

	res, err := db.call(t, query("own_write", "edited"), query("insert_thing"),
		&nexusv1.DBOp{Kind: dal.OpInsert, Table: "things", Rows: []byte(`[{"id":"` + uuid.NewString() + `"}]`)},
		query("own_read"),
		&nexusv1.DBOp{Kind: dal.OpTransition, Table: "things", Id: db.own, Event: "close"},
		query("own_read"))
	require.NoError(t, err)
	require.Len(t, res.GetResults(), 6)
	require.Len(t, res.GetResults()[3].GetRows(), 3)
	for _, row := range res.GetResults()[3].GetRows() {
		var thing struct{ Status string }
		require.NoError(t, json.Unmarshal(row, &thing))
		require.Equal(t, "open", thing.Status, "a new row starts in the initial state: %s", row)
	}
	require.Len(t, res.GetResults()[5].GetRows(), 3)
	require.NoError(t, db.pool.QueryRow(ctx, "SELECT status FROM fenced.things WHERE id = $1", db.own).Scan(&st))
	require.Equal(t, "closed", st)
	var history int
	require.NoError(t, db.pool.QueryRow(ctx, "SELECT count(*) FROM public.status_history WHERE row_id = $1", db.own).Scan(&history))
	require.Equal(t, 1, history)
}

// TestFenceUpgradesInPlace: preparing a vertical again (a host restart on
// an existing database) changes no grant, and a database whose vertical
// role was granted too much is brought back to the fence.
func TestFenceUpgradesInPlace(t *testing.T) {
	t.Parallel()
	db := newFencedDB(t)
	ctx := context.Background()
	role := pgx.Identifier{migrate.VerticalRole("fenced")}.Sanitize()
	_, err := db.pool.Exec(ctx, "GRANT INSERT, UPDATE ON fenced.things TO "+role)
	require.NoError(t, err)
	_, err = db.pool.Exec(ctx, "ALTER TABLE fenced.things ALTER COLUMN status SET DEFAULT 'closed'")
	require.NoError(t, err)
	_, err = db.pool.Exec(ctx, "GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO PUBLIC")
	require.NoError(t, err)
	_, err = db.call(t, query("set_status"))
	require.NoError(t, err, "the widened grant is in effect")

	data, err := hostcall.Prepare(ctx, db.pool, manifest("fenced", map[string]string{
		"set_status":    "UPDATE things SET status = 'open'",
		"set_role":      "SELECT set_config('role', 'nexus_tenant', true)",
		"insert_status": "INSERT INTO things (company_id, id, status) VALUES (current_setting('app.company_id')::uuid, gen_random_uuid(), 'open')",
	}), nil)
	require.NoError(t, err)
	db.data = data
	for _, name := range []string{"set_status", "set_role", "insert_status"} {
		_, err = db.call(t, query(name))
		requireDenied(t, err)
	}
	res, err := db.call(t, &nexusv1.DBOp{Kind: dal.OpInsert, Table: "things", Returning: true,
		Rows: []byte(`[{"id":"` + uuid.NewString() + `"}]`)})
	require.NoError(t, err)
	require.Contains(t, string(res.GetResults()[0].GetRows()[0]), `"status":"open"`, "the initial state is the default again")
	acl := func() string {
		var s string
		require.NoError(t, db.pool.QueryRow(ctx,
			"SELECT coalesce(relacl::text, '') || (SELECT string_agg(coalesce(attacl::text, ''), ',') FROM pg_attribute WHERE attrelid = 'fenced.things'::regclass) FROM pg_class WHERE oid = 'fenced.things'::regclass").Scan(&s))
		return s
	}
	first := acl()
	_, err = hostcall.Prepare(ctx, db.pool, manifest("fenced", nil), nil)
	require.NoError(t, err)
	require.Equal(t, first, acl())
	require.False(t, strings.Contains(first, fmt.Sprintf("%s=arwd", migrate.VerticalRole("fenced"))), first)
}

// TestFenceWithoutSchema: a vertical without migrations has no schema; it
// still gets its role, its harmless queries run and the host's tables stay
// out of reach.
func TestFenceWithoutSchema(t *testing.T) {
	t.Parallel()
	db := newFencedDB(t)
	ctx := context.Background()
	data, err := hostcall.Prepare(ctx, db.pool, &nexusv1.Manifest{Name: "bare", Queries: []*nexusv1.NamedQuery{
		{Name: "one", Sql: "SELECT 1 AS one"},
		{Name: "companies", Sql: "SELECT id FROM public.companies"},
	}}, nil)
	require.NoError(t, err)
	db.data = data
	res, err := db.call(t, query("one"))
	require.NoError(t, err)
	require.Equal(t, `{"one":1}`, string(res.GetResults()[0].GetRows()[0]))
	_, err = db.call(t, query("companies"))
	requireDenied(t, err)
}
