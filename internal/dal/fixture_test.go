package dal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// testSchema is the vertical schema the tests run against.
const testSchema = "testv"

// testMigration creates the test vertical's tables: items and orders follow
// the DAL's conventions, pages serves pagination, notes (no id) and
// settings (no company_id) must stay invisible.
const testMigration = `
CREATE TABLE items (
    company_id uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    sku        text NOT NULL,
    name       text,
    price      numeric(18,4) NOT NULL DEFAULT 0,
    cost       numeric,
    qty        integer NOT NULL DEFAULT 0 CHECK (qty >= 0),
    attrs      jsonb NOT NULL DEFAULT '{}',
    raw        json,
    active     boolean NOT NULL DEFAULT true,
    seen_at    timestamptz,
    version    bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    sku_upper  text GENERATED ALWAYS AS (upper(sku)) STORED,
    PRIMARY KEY (company_id, id),
    UNIQUE (company_id, sku)
);
CREATE INDEX items_attrs_idx ON items USING gin (attrs jsonb_path_ops);

CREATE TABLE orders (
    company_id uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    item_id    uuid,
    status     text NOT NULL DEFAULT 'draft',
    total      numeric(18,2) NOT NULL DEFAULT 0,
    version    bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, id),
    FOREIGN KEY (company_id, item_id) REFERENCES items (company_id, id)
);

CREATE TABLE pages (
    company_id uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    n          integer NOT NULL,
    grp        integer,
    PRIMARY KEY (company_id, id)
);

CREATE TABLE notes (company_id uuid NOT NULL, body text);
CREATE TABLE settings (key text PRIMARY KEY, value text);
`

// orderMachine drives orders.status.
var orderMachine = dal.StateMachine{
	Table: "orders", Column: "status", Initial: "draft",
	Transitions: []dal.Transition{
		{From: "draft", Event: "submit", To: "submitted", MinRole: "cashier"},
		{From: "submitted", Event: "approve", To: "approved", MinRole: "manager"},
		{From: "submitted", Event: "reject", To: "draft", MinRole: "manager"},
		{From: "draft", Event: "cancel", To: "cancelled", MinRole: "cashier"},
	},
}

// testQueries are the test vertical's named queries; none filters by
// company: row-level security must.
var testQueries = map[string]string{
	"items_by_sku":  `SELECT id, sku, price, qty FROM items ORDER BY sku`,
	"items_over":    `SELECT sku, price FROM items WHERE price > $1 AND active = $2 ORDER BY sku;`,
	"bump_qty":      `UPDATE items SET qty = qty + $1 WHERE sku = $2`,
	"bump_all":      `UPDATE items SET qty = qty + 1`,
	"count_items":   `SELECT count(*) AS n, sum(price) AS total FROM items`,
	"attrs_matches": `SELECT sku FROM items WHERE attrs @> $1 ORDER BY sku`,
}

// fixture is a fresh database with the host's schema and the test vertical.
type fixture struct {
	pool    *pgxpool.Pool
	cat     *dal.Catalog
	queries dal.Queries
}

// newFixture creates the database with the test vertical (row-level
// security exactly as for a plugin; see newPool) and loads its catalog,
// state machines and named queries.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := newPool(tb, testSchema, testMigration)

	cat, err := dal.LoadCatalog(ctx, pool, testSchema)
	require.NoError(tb, err)
	require.NoError(tb, cat.SetStateMachines([]dal.StateMachine{orderMachine}))

	var queries dal.Queries
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		queries, err = dal.PrepareQueries(ctx, tx, testSchema, testQueries)
		return err
	})
	require.NoError(tb, err)
	return &fixture{pool: pool, cat: cat, queries: queries}
}

// newActor returns an owner of a new company.
func newActor() dal.Actor {
	return dal.Actor{CompanyID: uuid.New(), UserID: uuid.New(), Role: "owner", Vertical: "testv"}
}

// exec runs ops in a unit of work for actor, committing on success. It is
// safe to call from any goroutine.
func (f *fixture) exec(tb testing.TB, actor dal.Actor, ops ...*nexusv1.DBOp) ([]*nexusv1.DBResult, error) {
	tb.Helper()
	ctx := context.Background()
	u := dal.NewTenantUnit(f.pool, actor.CompanyID, testSchema)
	var res []*nexusv1.DBResult
	err := u.Run(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = dal.Exec(ctx, tx, f.cat, f.queries, actor, ops)
		return err
	})
	if ferr := u.Finish(ctx, err == nil); ferr != nil {
		if err == nil {
			return nil, ferr
		}
		tb.Errorf("finish a failed unit: %v", ferr)
	}
	return res, err
}

// must runs ops and fails the test on error.
func (f *fixture) must(tb testing.TB, actor dal.Actor, ops ...*nexusv1.DBOp) []*nexusv1.DBResult {
	tb.Helper()
	res, err := f.exec(tb, actor, ops...)
	require.NoError(tb, err)
	require.Len(tb, res, len(ops))
	return res
}

// rowsOf decodes a result's rows.
func rowsOf(tb testing.TB, res *nexusv1.DBResult) []map[string]any {
	tb.Helper()
	out := make([]map[string]any, len(res.GetRows()))
	for i, r := range res.GetRows() {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.UseNumber()
		require.NoError(tb, dec.Decode(&out[i]), "row %s", r)
	}
	return out
}

// requireReason checks that err is a dal error with reason.
func requireReason(tb testing.TB, err error, reason string) *dal.Error {
	tb.Helper()
	require.Error(tb, err)
	e := dal.AsError(err)
	require.Equal(tb, reason, e.Reason, "error: %v", err)
	requireNoInternals(tb, e)
	return e
}

// requireNoInternals fails unless e's client-facing details are free of
// the schema's names: tables, columns, constraints, queries, operations.
func requireNoInternals(tb testing.TB, e *dal.Error) {
	tb.Helper()
	for _, k := range []string{"table", "column", "constraint", "query", "op", "kind", "as", "fn", "sql"} {
		require.NotContains(tb, e.Details, k, "details %v name an internal", e.Details)
	}
}

// js marshals v.
func js(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %v: %v", v, err))
	}
	return b
}

// Operation builders.

func insertOp(table string, rows any) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpInsert, Table: table, Rows: js(rows), Returning: true}
}

func getOp(table, id string) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpGet, Table: table, Id: id}
}

func updateOp(table, id string, set any) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpUpdate, Table: table, Id: id, Rows: js(set), Returning: true}
}

func deleteOp(table, id string) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpDelete, Table: table, Id: id}
}

func filter(column, op string, value any) *nexusv1.Filter {
	f := &nexusv1.Filter{Column: column, Op: op}
	if value != nil {
		f.Value = js(value)
	}
	return f
}

func listOp(table string, filters ...*nexusv1.Filter) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpList, Table: table, Filters: filters}
}

func queryOp(name string, args ...any) *nexusv1.DBOp {
	op := &nexusv1.DBOp{Kind: dal.OpQuery, Query: name}
	if args != nil {
		op.Args = js(args)
	}
	return op
}

func transitionOp(id, event string) *nexusv1.DBOp {
	return &nexusv1.DBOp{Kind: dal.OpTransition, Table: "orders", Id: id, Event: event}
}

// str renders a decoded JSON value (json.Number keeps its literal).
func str(v any) string { return fmt.Sprint(v) }
