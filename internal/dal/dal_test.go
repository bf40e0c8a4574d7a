package dal_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// dalSuite is every database test of the package.
var dalSuite = []struct {
	name string
	fn   func(*testing.T, *fixture)
}{
	{"Catalog", testCatalog},
	{"StateMachines", testStateMachines},
	{"PrepareQueries", testPrepareQueries},
	{"Insert", testInsert},
	{"Get", testGet},
	{"Update", testUpdate},
	{"Delete", testDelete},
	{"List", testList},
	{"Pagination", testPagination},
	{"Aggregate", testAggregate},
	{"Lock", testLock},
	{"Query", testQuery},
	{"Transition", testTransition},
	{"CrossTenant", testCrossTenant},
	{"ConcurrentVersion", testConcurrentVersion},
	{"BadInput", testBadInput},
	{"Unit", testUnit},
	{"Pipeline", testPipeline},
}

// TestDAL runs every database test against one fresh database; the
// subtests run in parallel, each as its own companies.
func TestDAL(t *testing.T) {
	runSuite(t, newFixture(t))
}

// TestDALFenced runs every database test again with the test vertical
// fenced in its own role, as the host runs a vertical: its pipelined
// statements and named queries run as that role, the host's statements
// (locks, version checks, transitions) as nexus_tenant, and every result
// is the same.
func TestDALFenced(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
		return migrate.FenceVertical(ctx, tx, testSchema, []migrate.StateColumn{{Table: "orders", Column: "status", Initial: "draft"}})
	})
	require.NoError(t, err)
	fx.cat.SetRole(migrate.VerticalRole(testSchema))
	runSuite(t, fx)
}

func runSuite(t *testing.T, fx *fixture) {
	for _, tc := range dalSuite {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, fx)
		})
	}
}

func testCatalog(t *testing.T, fx *fixture) {
	require.Equal(t, []string{"items", "orders", "pages"}, fx.cat.Tables(), "notes has no id, settings no company_id")
	require.Equal(t, testSchema, fx.cat.Schema())
	items, ok := fx.cat.Table("items")
	require.True(t, ok)
	for _, tc := range []struct {
		column    string
		kind      dal.Kind
		typ       string
		notNull   bool
		def       bool
		generated bool
	}{
		{"company_id", dal.KindUUID, "uuid", true, false, false},
		{"id", dal.KindUUID, "uuid", true, true, false},
		{"sku", dal.KindText, "text", true, false, false},
		{"price", dal.KindNumeric, "numeric(18,4)", true, true, false},
		{"cost", dal.KindNumeric, "numeric", false, false, false},
		{"qty", dal.KindNumber, "integer", true, true, false},
		{"attrs", dal.KindJSONB, "jsonb", true, true, false},
		{"raw", dal.KindJSON, "json", false, false, false},
		{"active", dal.KindBool, "boolean", true, true, false},
		{"seen_at", dal.KindTime, "timestamp with time zone", false, false, false},
		{"sku_upper", dal.KindText, "text", false, true, true},
	} {
		c, ok := items.Column(tc.column)
		require.True(t, ok, tc.column)
		require.Equal(t, dal.Column{Name: tc.column, Type: tc.typ, NotNull: tc.notNull, HasDefault: tc.def, Generated: tc.generated, Kind: tc.kind}, c)
	}
	_, ok = fx.cat.Table("notes")
	require.False(t, ok)
}

func testStateMachines(t *testing.T, fx *fixture) {
	ctx := context.Background()
	tr := func(from, event, to, role string) dal.Transition {
		return dal.Transition{From: from, Event: event, To: to, MinRole: role}
	}
	for _, tc := range []struct {
		name    string
		machine dal.StateMachine
		wantErr string
	}{
		{"valid", orderMachine, ""},
		{"unknown table", dal.StateMachine{Table: "nope", Column: "status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `unknown table "nope"`},
		{"host table", dal.StateMachine{Table: "status_history", Column: "to_status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `unknown table "status_history"`},
		{"unknown column", dal.StateMachine{Table: "orders", Column: "state", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `has no column "state"`},
		{"numeric column", dal.StateMachine{Table: "orders", Column: "total", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `want a text or enum type`},
		{"reserved column", dal.StateMachine{Table: "orders", Column: "id", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `reserved`},
		{"duplicate transition", dal.StateMachine{Table: "orders", Column: "status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer"), tr("a", "go", "c", "viewer")}}, `two transitions on event "go" from state "a"`},
		{"unknown role", dal.StateMachine{Table: "orders", Column: "status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "superuser")}}, `unknown min role "superuser"`},
		{"empty role", dal.StateMachine{Table: "orders", Column: "status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "go", "b", "")}}, `unknown min role ""`},
		{"incomplete transition", dal.StateMachine{Table: "orders", Column: "status", Initial: "a",
			Transitions: []dal.Transition{tr("a", "", "b", "viewer")}}, `needs from, event and to`},
		{"dead initial", dal.StateMachine{Table: "orders", Column: "status", Initial: "z",
			Transitions: []dal.Transition{tr("a", "go", "b", "viewer")}}, `no transition leaves the initial state "z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat, err := dal.LoadCatalog(ctx, fx.pool, testSchema)
			require.NoError(t, err)
			err = cat.SetStateMachines([]dal.StateMachine{tc.machine})
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	t.Run("one machine per table", func(t *testing.T) {
		cat, err := dal.LoadCatalog(ctx, fx.pool, testSchema)
		require.NoError(t, err)
		require.ErrorContains(t, cat.SetStateMachines([]dal.StateMachine{orderMachine, orderMachine}), "already has a state machine")
	})
}

func testPrepareQueries(t *testing.T, fx *fixture) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		sql     string
		params  int
		columns []string
		wantErr string
	}{
		{"select", `SELECT id, price FROM items WHERE sku = $1`, 1, []string{"id", "price"}, ""},
		{"cte and comment", "-- by sku\nWITH x AS (SELECT sku FROM items) SELECT sku FROM x;", 0, []string{"sku"}, ""},
		{"update", `UPDATE items SET qty = $1 WHERE id = $2`, 2, nil, ""},
		{"update returning", `UPDATE items SET qty = 0 RETURNING id`, 0, []string{"id"}, ""},
		{"syntax error", `SELEC 1`, 0, nil, `named query "q": must be a SELECT`},
		{"unknown column", `SELECT nope FROM items`, 0, nil, `named query "q": ERROR: column "nope" does not exist`},
		{"unknown table", `SELECT 1 FROM nope`, 0, nil, `relation "nope" does not exist`},
		{"set role", `SET ROLE postgres`, 0, nil, `not "set"`},
		{"reset role", `RESET ROLE`, 0, nil, `not "reset"`},
		{"commit", `COMMIT`, 0, nil, `not "commit"`},
		{"ddl", `DROP TABLE items`, 0, nil, `not "drop"`},
		{"two statements", `SELECT 1; SELECT 2`, 0, nil, `cannot insert multiple commands`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q dal.Queries
			err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
				var err error
				q, err = dal.PrepareQueries(ctx, tx, testSchema, map[string]string{"q": tc.sql})
				if err != nil {
					return err
				}
				// The transaction is still usable after preparing.
				_, err = tx.Exec(ctx, "SELECT 1")
				return err
			})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.params, q["q"].Params)
			require.Equal(t, tc.columns, q["q"].Columns)
			require.Equal(t, len(tc.columns) > 0, q["q"].ReturnsRows())
		})
	}
	t.Run("every failure is reported and the transaction survives", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
			_, err := dal.PrepareQueries(ctx, tx, testSchema, map[string]string{
				"a": `SELECT nope FROM items`, "b": `SELECT 1`, "c": `SELECT 1 FROM nope`})
			require.ErrorContains(t, err, `named query "a"`)
			require.ErrorContains(t, err, `named query "c"`)
			require.NotContains(t, err.Error(), `named query "b"`)
			_, err = tx.Exec(ctx, "SELECT 1")
			return err
		})
		require.NoError(t, err)
	})
}

func testInsert(t *testing.T, fx *fixture) {
	a := newActor()
	res := fx.must(t, a, insertOp("items", []map[string]any{
		{"sku": "A-1", "name": "Alpha", "price": "12.50", "cost": "12345678901234.5678", "attrs": map[string]any{"color": "red"}},
		{"sku": "A-2", "price": 3.1, "cost": json.Number("12.50")},
		{"sku": "A-3", "qty": 7},
	}))
	require.EqualValues(t, 3, res[0].GetAffected())
	rows := rowsOf(t, res[0])
	require.Len(t, rows, 3)
	require.Equal(t, a.CompanyID.String(), rows[0]["company_id"])
	require.NotEmpty(t, rows[0]["id"])
	require.Equal(t, "12.5000", rows[0]["price"], "numeric comes back as a decimal string")
	require.Equal(t, "12345678901234.5678", rows[0]["cost"], "exact round trip")
	require.Equal(t, "12.50", rows[1]["cost"], "a JSON number lands exactly")
	require.Equal(t, "3.1000", rows[1]["price"])
	require.Equal(t, map[string]any{"color": "red"}, rows[0]["attrs"])
	require.Equal(t, "A-1", rows[0]["sku_upper"])
	require.Equal(t, "1", str(rows[0]["version"]))
	// Omitted columns take their defaults, even when other rows set them.
	require.Equal(t, "0.0000", rows[2]["price"])
	require.Nil(t, rows[2]["name"])
	require.Equal(t, "7", str(rows[2]["qty"]))
	require.Equal(t, "0", str(rows[0]["qty"]))

	t.Run("without returning", func(t *testing.T) {
		op := insertOp("items", map[string]any{"sku": "B-1"})
		op.Returning = false
		res := fx.must(t, a, op)
		require.EqualValues(t, 1, res[0].GetAffected())
		require.Empty(t, res[0].GetRows())
	})
	t.Run("client id", func(t *testing.T) {
		id := uuid.NewString()
		res := fx.must(t, a, insertOp("items", map[string]any{"id": id, "sku": "C-1"}), getOp("items", id))
		require.Equal(t, id, rowsOf(t, res[1])[0]["id"])
	})
	t.Run("duplicate", func(t *testing.T) {
		_, err := fx.exec(t, a, insertOp("items", map[string]any{"sku": "A-1"}))
		e := requireReason(t, err, dal.ReasonDuplicate)
		require.Equal(t, kind.Conflict, e.Kind)
		require.Equal(t, "items_company_id_sku_key", e.Internal["constraint"])
		require.Equal(t, 0, e.Internal["op"])
		requireNoInternals(t, e)
	})
	t.Run("check constraint", func(t *testing.T) {
		_, err := fx.exec(t, a, insertOp("items", map[string]any{"sku": "neg", "qty": -1}))
		e := requireReason(t, err, dal.ReasonConstraint)
		require.Equal(t, kind.Unprocessable, e.Kind)
		require.Equal(t, "items_qty_check", e.Internal["constraint"])
		requireNoInternals(t, e)
	})
	t.Run("not null", func(t *testing.T) {
		_, err := fx.exec(t, a, insertOp("items", map[string]any{"name": "no sku"}))
		e := requireReason(t, err, dal.ReasonConstraint)
		require.Equal(t, "sku", e.Internal["column"])
		requireNoInternals(t, e)
	})
	t.Run("missing reference", func(t *testing.T) {
		_, err := fx.exec(t, a, insertOp("orders", map[string]any{"item_id": uuid.NewString()}))
		e := requireReason(t, err, dal.ReasonReferenceNotFound)
		require.Equal(t, kind.Unprocessable, e.Kind)
	})
}

func testGet(t *testing.T, fx *fixture) {
	a := newActor()
	id := uuid.NewString()
	fx.must(t, a, insertOp("items", map[string]any{"id": id, "sku": "G-1", "price": "1.10"}))
	for _, tc := range []struct {
		name   string
		id     string
		reason string
	}{
		{"found", id, ""},
		{"missing", uuid.NewString(), dal.ReasonNotFound},
		{"bad uuid", "not-a-uuid", dal.ReasonInvalidID},
		{"empty id", "", dal.ReasonInvalidID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.exec(t, a, getOp("items", tc.id))
			if tc.reason != "" {
				requireReason(t, err, tc.reason)
				return
			}
			require.NoError(t, err)
			row := rowsOf(t, res[0])[0]
			require.Equal(t, "1.1000", row["price"])
			require.Equal(t, "G-1", row["sku"])
		})
	}
}

func testUpdate(t *testing.T, fx *fixture) {
	a := newActor()
	id := uuid.NewString()
	res := fx.must(t, a, insertOp("items", map[string]any{"id": id, "sku": "U-1", "price": "1.00"}))
	before := rowsOf(t, res[0])[0]
	time.Sleep(2 * time.Millisecond)

	res = fx.must(t, a, updateOp("items", id, map[string]any{"name": "renamed", "price": "19.99", "attrs": map[string]any{"a": 1}}))
	row := rowsOf(t, res[0])[0]
	require.Equal(t, "renamed", row["name"])
	require.Equal(t, "19.9900", row["price"])
	require.Equal(t, "2", str(row["version"]))
	require.NotEqual(t, before["updated_at"], row["updated_at"], "updated_at is set by update")

	for _, tc := range []struct {
		name    string
		op      *nexusv1.DBOp
		reason  string
		code    kind.Kind
		version string
	}{
		{"matching version", &nexusv1.DBOp{Kind: "update", Table: "items", Id: id, Rows: js(map[string]any{"qty": 5}), HasVersion: true, ExpectedVersion: 2, Returning: true}, "", kind.Kind(""), "3"},
		{"stale version", &nexusv1.DBOp{Kind: "update", Table: "items", Id: id, Rows: js(map[string]any{"qty": 6}), HasVersion: true, ExpectedVersion: 2}, dal.ReasonVersionConflict, kind.Conflict, ""},
		{"missing row with version", &nexusv1.DBOp{Kind: "update", Table: "items", Id: uuid.NewString(), Rows: js(map[string]any{"qty": 6}), HasVersion: true, ExpectedVersion: 1}, dal.ReasonNotFound, kind.NotFound, ""},
		{"missing row", updateOp("items", uuid.NewString(), map[string]any{"qty": 1}), dal.ReasonNotFound, kind.NotFound, ""},
		{"without returning", &nexusv1.DBOp{Kind: "update", Table: "items", Id: id, Rows: js(map[string]any{"qty": 8})}, "", kind.Kind(""), ""},
		{"set company_id", updateOp("items", id, map[string]any{"company_id": uuid.NewString()}), dal.ReasonReadOnlyColumn, kind.Invalid, ""},
		{"set id", updateOp("items", id, map[string]any{"id": uuid.NewString()}), dal.ReasonReadOnlyColumn, kind.Invalid, ""},
		{"set version", updateOp("items", id, map[string]any{"version": 9}), dal.ReasonReadOnlyColumn, kind.Invalid, ""},
		{"set generated", updateOp("items", id, map[string]any{"sku_upper": "X"}), dal.ReasonReadOnlyColumn, kind.Invalid, ""},
		{"empty set", updateOp("items", id, map[string]any{}), dal.ReasonInvalidArgument, kind.Invalid, ""},
		{"array set", updateOp("items", id, []any{map[string]any{"qty": 1}}), dal.ReasonInvalidJSON, kind.Invalid, ""},
		{"status managed", updateOp("orders", id, map[string]any{"status": "approved"}), dal.ReasonStatusManaged, kind.Forbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.exec(t, a, tc.op)
			if tc.reason != "" {
				e := requireReason(t, err, tc.reason)
				require.Equal(t, tc.code, e.Kind)
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, 1, res[0].GetAffected())
			if tc.version != "" {
				require.Equal(t, tc.version, str(rowsOf(t, res[0])[0]["version"]))
			}
		})
	}
}

func testDelete(t *testing.T, fx *fixture) {
	a := newActor()
	id, id2 := uuid.NewString(), uuid.NewString()
	fx.must(t, a, insertOp("items", []map[string]any{{"id": id, "sku": "D-1"}, {"id": id2, "sku": "D-2"}}))
	res := fx.must(t, a, deleteOp("items", id))
	require.EqualValues(t, 1, res[0].GetAffected())
	_, err := fx.exec(t, a, deleteOp("items", id))
	requireReason(t, err, dal.ReasonNotFound)
	_, err = fx.exec(t, a, getOp("items", id))
	requireReason(t, err, dal.ReasonNotFound)

	_, err = fx.exec(t, a, &nexusv1.DBOp{Kind: "delete", Table: "items", Id: id2, HasVersion: true, ExpectedVersion: 7})
	requireReason(t, err, dal.ReasonVersionConflict)
	fx.must(t, a, &nexusv1.DBOp{Kind: "delete", Table: "items", Id: id2, HasVersion: true, ExpectedVersion: 1})
}
