package dal_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

func testLock(t *testing.T, fx *fixture) {
	ctx := context.Background()
	a := newActor()
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	fx.must(t, a, insertOp("items", []map[string]any{{"id": ids[0], "sku": "K-1"}, {"id": ids[1], "sku": "K-2"}, {"id": ids[2], "sku": "K-3"}}))
	missing := uuid.NewString()
	for _, tc := range []struct {
		name   string
		ids    []string
		reason string
	}{
		{"all", ids, ""},
		{"duplicates", []string{ids[0], ids[0], ids[1]}, ""},
		{"missing", []string{ids[0], missing}, dal.ReasonNotFound},
		{"none", nil, dal.ReasonInvalidArgument},
		{"bad uuid", []string{"1; DROP TABLE items"}, dal.ReasonInvalidID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.exec(t, a, &nexusv1.DBOp{Kind: "lock", Table: "items", Ids: tc.ids})
			if tc.reason != "" {
				e := requireReason(t, err, tc.reason)
				if tc.reason == dal.ReasonNotFound {
					require.Equal(t, []string{missing}, e.Details["ids"])
				}
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, len(uniq(tc.ids)), res[0].GetAffected())
		})
	}
	t.Run("held lock times out", func(t *testing.T) {
		holder := dal.NewTenantUnit(fx.pool, a.CompanyID, testSchema)
		require.NoError(t, holder.Run(ctx, func(tx pgx.Tx) error {
			_, err := dal.Exec(ctx, tx, fx.cat, fx.queries, a, []*nexusv1.DBOp{{Kind: "lock", Table: "items", Ids: ids[:1]}})
			return err
		}))
		t.Cleanup(func() { _ = holder.Finish(ctx, false) })

		begin := dal.TenantBegin(fx.pool, a.CompanyID, testSchema)
		waiter := dal.NewUnit(func(ctx context.Context) (pgx.Tx, error) {
			tx, err := begin(ctx)
			if err != nil {
				return nil, err
			}
			_, err = tx.Exec(ctx, "SET LOCAL lock_timeout = '50ms'")
			return tx, err
		})
		t.Cleanup(func() { _ = waiter.Finish(ctx, false) })
		err := waiter.Run(ctx, func(tx pgx.Tx) error {
			_, err := dal.Exec(ctx, tx, fx.cat, fx.queries, a, []*nexusv1.DBOp{{Kind: "lock", Table: "items", Ids: ids}})
			return err
		})
		e := requireReason(t, err, dal.ReasonLockTimeout)
		require.Equal(t, kind.Conflict, e.Kind)
	})
}

// uniq returns the distinct strings of s.
func uniq(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

func testQuery(t *testing.T, fx *fixture) {
	a, b := newActor(), newActor()
	fx.must(t, a, insertOp("items", []map[string]any{
		{"sku": "Q-2", "price": "2.25", "qty": 1, "attrs": map[string]any{"k": "v"}},
		{"sku": "Q-1", "price": "1.25", "qty": 1, "active": false},
	}))
	fx.must(t, b, insertOp("items", map[string]any{"sku": "Q-3", "price": "9.99"}))
	for _, tc := range []struct {
		name     string
		op       *nexusv1.DBOp
		want     []map[string]any
		affected int64
		reason   string
	}{
		{"rows without a company filter", queryOp("items_by_sku"), []map[string]any{
			{"sku": "Q-1", "price": "1.2500", "qty": "1"}, {"sku": "Q-2", "price": "2.2500", "qty": "1"}}, 2, ""},
		{"args", queryOp("items_over", "2.00", true), []map[string]any{{"sku": "Q-2", "price": "2.2500"}}, 1, ""},
		{"numeric args as numbers", queryOp("items_over", 1, false), []map[string]any{{"sku": "Q-1", "price": "1.2500"}}, 1, ""},
		{"jsonb arg", queryOp("attrs_matches", map[string]any{"k": "v"}), []map[string]any{{"sku": "Q-2"}}, 1, ""},
		{"aggregate", queryOp("count_items"), []map[string]any{{"n": "2", "total": "3.5000"}}, 1, ""},
		{"write", queryOp("bump_qty", 5, "Q-1"), nil, 1, ""},
		{"write without a company filter", queryOp("bump_all"), nil, 2, ""},
		{"sql-looking arg", queryOp("bump_qty", 1, "Q-1' OR '1'='1"), nil, 0, ""},
		{"unknown", queryOp("nope"), nil, 0, dal.ReasonUnknownQuery},
		{"too few args", queryOp("items_over", "1"), nil, 0, dal.ReasonInvalidArgument},
		{"too many args", queryOp("items_by_sku", 1), nil, 0, dal.ReasonInvalidArgument},
		{"args not an array", &nexusv1.DBOp{Kind: "query", Query: "items_over", Args: []byte(`{"a":1}`)}, nil, 0, dal.ReasonInvalidJSON},
		{"wrong type", queryOp("items_over", "abc", true), nil, 0, dal.ReasonInvalidValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.exec(t, a, tc.op)
			if tc.reason != "" {
				requireReason(t, err, tc.reason)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.affected, res[0].GetAffected())
			if tc.want == nil {
				require.Empty(t, res[0].GetRows())
				return
			}
			rows := rowsOf(t, res[0])
			for _, r := range rows {
				delete(r, "id")
				for k, v := range r {
					r[k] = normalize(v)
				}
			}
			require.Equal(t, tc.want, rows)
		})
	}
	t.Run("other company untouched", func(t *testing.T) {
		res := fx.must(t, b, queryOp("items_by_sku"))
		rows := rowsOf(t, res[0])
		require.Len(t, rows, 1)
		require.Equal(t, "Q-3", rows[0]["sku"])
		require.Equal(t, "0", str(rows[0]["qty"]))
	})
}

// normalize turns json.Numbers into strings.
func normalize(v any) any {
	if v == nil {
		return nil
	}
	switch v.(type) {
	case string, bool, map[string]any, []any:
		return v
	}
	return str(v)
}

func testTransition(t *testing.T, fx *fixture) {
	ctx := context.Background()
	a := newActor()
	cashier, manager := a, a
	cashier.Role, manager.Role = "cashier", "manager"
	res := fx.must(t, a, insertOp("orders", map[string]any{"total": "10.00"}))
	order := rowsOf(t, res[0])[0]
	require.Equal(t, "draft", order["status"], "new rows start in the initial state")
	id := order["id"].(string)

	for _, tc := range []struct {
		name   string
		actor  dal.Actor
		op     *nexusv1.DBOp
		status string
		reason string
		code   kind.Kind
	}{
		{"submit", cashier, &nexusv1.DBOp{Kind: "transition", Table: "orders", Id: id, Event: "submit", Note: "ready"}, "submitted", "", kind.Kind("")},
		{"approve needs a manager", cashier, transitionOp(id, "approve"), "", dal.ReasonInsufficientRole, kind.Forbidden},
		{"approve", manager, transitionOp(id, "approve"), "approved", "", kind.Kind("")},
		{"cancel from approved", a, transitionOp(id, "cancel"), "", dal.ReasonInvalidTransition, kind.Conflict},
		{"unknown event", a, transitionOp(id, "explode"), "", dal.ReasonInvalidTransition, kind.Conflict},
		{"no event", a, transitionOp(id, ""), "", dal.ReasonInvalidArgument, kind.Invalid},
		{"missing row", a, transitionOp(uuid.NewString(), "submit"), "", dal.ReasonNotFound, kind.NotFound},
		{"no state machine", a, &nexusv1.DBOp{Kind: "transition", Table: "items", Id: id, Event: "submit"}, "", dal.ReasonNoStateMachine, kind.Invalid},
		{"plain update of the state", a, updateOp("orders", id, map[string]any{"status": "draft"}), "", dal.ReasonStatusManaged, kind.Forbidden},
		{"insert in another state", a, insertOp("orders", map[string]any{"status": "approved"}), "", dal.ReasonPermissionDenied, kind.Forbidden},
		{"insert naming the initial state", a, insertOp("orders", map[string]any{"status": "draft"}), "", dal.ReasonPermissionDenied, kind.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.exec(t, tc.actor, tc.op)
			if tc.reason != "" {
				e := requireReason(t, err, tc.reason)
				require.Equal(t, tc.code, e.Kind)
				if tc.reason == dal.ReasonInvalidTransition {
					require.Contains(t, e.Message, `"approved"`)
					require.Equal(t, "approved", e.Details["state"])
				}
				return
			}
			require.NoError(t, err)
			row := rowsOf(t, res[0])[0]
			require.Equal(t, tc.status, row["status"])
			require.Equal(t, "10.00", row["total"])
		})
	}
	require.Equal(t, "3", str(rowsOf(t, fx.must(t, a, getOp("orders", id))[0])[0]["version"]), "each transition bumps the version")

	rows, err := fx.pool.Query(ctx, `SELECT from_status, to_status, event, coalesce(note, ''), actor_id, vertical, table_name
		FROM public.status_history WHERE company_id = $1 AND row_id = $2 ORDER BY at, to_status DESC`, a.CompanyID, id)
	require.NoError(t, err)
	type hist struct {
		From, To, Event, Note string
		Actor                 uuid.UUID
		Vertical, Table       string
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[hist])
	require.NoError(t, err)
	require.Equal(t, []hist{
		{"draft", "submitted", "submit", "ready", a.UserID, "testv", "orders"},
		{"submitted", "approved", "approve", "", a.UserID, "testv", "orders"},
	}, got)
}

func testCrossTenant(t *testing.T, fx *fixture) {
	a, b := newActor(), newActor()
	itemA, orderA := uuid.NewString(), uuid.NewString()
	fx.must(t, a,
		insertOp("items", map[string]any{"id": itemA, "sku": "X-1", "price": "5.00"}),
		insertOp("orders", map[string]any{"id": orderA, "item_id": itemA}))
	fx.must(t, b, insertOp("items", map[string]any{"sku": "X-1", "price": "7.00"}))

	for _, tc := range []struct {
		name string
		op   *nexusv1.DBOp
	}{
		{"get", getOp("items", itemA)},
		{"update", updateOp("items", itemA, map[string]any{"price": "0"})},
		{"versioned update", &nexusv1.DBOp{Kind: "update", Table: "items", Id: itemA, Rows: js(map[string]any{"qty": 1}), HasVersion: true, ExpectedVersion: 1}},
		{"delete", deleteOp("items", itemA)},
		{"lock", &nexusv1.DBOp{Kind: "lock", Table: "items", Ids: []string{itemA}}},
		{"transition", transitionOp(orderA, "submit")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fx.exec(t, b, tc.op)
			e := requireReason(t, err, dal.ReasonNotFound)
			require.Equal(t, kind.NotFound, e.Kind)
		})
	}
	t.Run("list", func(t *testing.T) {
		rows := rowsOf(t, fx.must(t, b, listOp("items", filter("sku", "eq", "X-1")))[0])
		require.Len(t, rows, 1)
		require.Equal(t, "7.0000", rows[0]["price"])
		require.Equal(t, b.CompanyID.String(), rows[0]["company_id"])
	})
	t.Run("aggregate", func(t *testing.T) {
		rows := rowsOf(t, fx.must(t, b, &nexusv1.DBOp{Kind: "aggregate", Table: "items",
			Aggregates: []*nexusv1.Aggregate{{Fn: "sum", Column: "price", As: "total"}}})[0])
		require.Equal(t, "7.0000", rows[0]["total"])
	})
	t.Run("named query without company filter", func(t *testing.T) {
		rows := rowsOf(t, fx.must(t, b, queryOp("items_by_sku"))[0])
		require.Len(t, rows, 1)
		require.Equal(t, "7.0000", rows[0]["price"])
	})
	t.Run("reference to another company's row", func(t *testing.T) {
		_, err := fx.exec(t, b, insertOp("orders", map[string]any{"item_id": itemA}))
		requireReason(t, err, dal.ReasonReferenceNotFound)
	})
	t.Run("a's rows are intact", func(t *testing.T) {
		res := fx.must(t, a, getOp("items", itemA), getOp("orders", orderA))
		require.Equal(t, "5.0000", rowsOf(t, res[0])[0]["price"])
		require.Equal(t, "draft", rowsOf(t, res[1])[0]["status"])
	})
}

func testConcurrentVersion(t *testing.T, fx *fixture) {
	a := newActor()
	for round := range 5 {
		id := uuid.NewString()
		fx.must(t, a, insertOp("items", map[string]any{"id": id, "sku": "V-" + id}))
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, 2)
		)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = fx.exec(t, a, &nexusv1.DBOp{Kind: "update", Table: "items", Id: id,
					Rows: js(map[string]any{"qty": i + 1}), HasVersion: true, ExpectedVersion: 1})
			}()
		}
		close(start)
		wg.Wait()
		var wins, conflicts int
		for _, err := range errs {
			if err == nil {
				wins++
				continue
			}
			requireReason(t, err, dal.ReasonVersionConflict)
			conflicts++
		}
		require.Equal(t, 1, wins, "round %d: exactly one update wins", round)
		require.Equal(t, 1, conflicts, "round %d", round)
		row := rowsOf(t, fx.must(t, a, getOp("items", id))[0])[0]
		require.Equal(t, "2", str(row["version"]))
	}
}
