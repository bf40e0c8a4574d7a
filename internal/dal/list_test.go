package dal_test

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func testList(t *testing.T, fx *fixture) {
	a := newActor()
	fx.must(t, a, insertOp("items", []map[string]any{
		{"sku": "L-1", "name": "apple", "price": "1.50", "qty": 1, "attrs": map[string]any{"color": "red", "size": "s"}, "seen_at": "2024-01-01T10:00:00Z"},
		{"sku": "L-2", "name": "apricot", "price": "2.50", "qty": 2, "attrs": map[string]any{"color": "green"}, "active": false},
		{"sku": "L-3", "name": "50%_off\\sale", "price": "3.50", "qty": 3, "attrs": map[string]any{"color": "red", "tags": []string{"x"}}},
		{"sku": "L-4", "price": "4.50", "qty": 4, "seen_at": "2024-06-01T10:00:00Z"},
		{"sku": "L-5", "name": "' OR 1=1 --", "price": "5.50", "qty": 5},
	}))
	for _, tc := range []struct {
		name    string
		filters []*nexusv1.Filter
		order   []*nexusv1.Order
		want    []string
	}{
		{"all by id", nil, nil, nil},
		{"eq", []*nexusv1.Filter{filter("sku", "eq", "L-2")}, nil, []string{"L-2"}},
		{"eq number as string", []*nexusv1.Filter{filter("qty", "eq", "3")}, nil, []string{"L-3"}},
		{"eq bool", []*nexusv1.Filter{filter("active", "eq", false)}, nil, []string{"L-2"}},
		{"eq jsonb", []*nexusv1.Filter{filter("attrs", "eq", map[string]any{"color": "green"})}, nil, []string{"L-2"}},
		{"ne", []*nexusv1.Filter{filter("qty", "ne", 1)}, sku(), []string{"L-2", "L-3", "L-4", "L-5"}},
		{"lt decimal", []*nexusv1.Filter{filter("price", "lt", "2.50")}, nil, []string{"L-1"}},
		{"lte decimal", []*nexusv1.Filter{filter("price", "lte", "2.5")}, sku(), []string{"L-1", "L-2"}},
		{"gt", []*nexusv1.Filter{filter("qty", "gt", 3)}, sku(), []string{"L-4", "L-5"}},
		{"gte", []*nexusv1.Filter{filter("qty", "gte", 3)}, sku(), []string{"L-3", "L-4", "L-5"}},
		{"gt timestamp", []*nexusv1.Filter{filter("seen_at", "gt", "2024-03-01T00:00:00-06:00")}, nil, []string{"L-4"}},
		{"in", []*nexusv1.Filter{filter("sku", "in", []string{"L-1", "L-4", "nope"})}, sku(), []string{"L-1", "L-4"}},
		{"in numbers", []*nexusv1.Filter{filter("price", "in", []any{1.5, "5.50"})}, sku(), []string{"L-1", "L-5"}},
		{"in empty", []*nexusv1.Filter{filter("sku", "in", []string{})}, nil, []string{}},
		{"contains", []*nexusv1.Filter{filter("attrs", "contains", map[string]any{"color": "red"})}, sku(), []string{"L-1", "L-3"}},
		{"contains nested", []*nexusv1.Filter{filter("attrs", "contains", map[string]any{"tags": []string{"x"}})}, nil, []string{"L-3"}},
		{"prefix", []*nexusv1.Filter{filter("name", "prefix", "ap")}, sku(), []string{"L-1", "L-2"}},
		{"prefix wildcards are literal", []*nexusv1.Filter{filter("name", "prefix", "50%_")}, nil, []string{"L-3"}},
		{"prefix percent only", []*nexusv1.Filter{filter("name", "prefix", "%")}, nil, []string{}},
		{"prefix backslash", []*nexusv1.Filter{filter("name", "prefix", "50%_off\\s")}, nil, []string{"L-3"}},
		{"is_null", []*nexusv1.Filter{filter("name", "is_null", nil)}, nil, []string{"L-4"}},
		{"not_null", []*nexusv1.Filter{filter("seen_at", "not_null", nil)}, sku(), []string{"L-1", "L-4"}},
		{"sql-looking value is a value", []*nexusv1.Filter{filter("name", "eq", "' OR 1=1 --")}, nil, []string{"L-5"}},
		{"sql-looking value matches nothing", []*nexusv1.Filter{filter("sku", "eq", "x'; DROP TABLE items; --")}, nil, []string{}},
		{"two filters", []*nexusv1.Filter{filter("qty", "gt", 1), filter("attrs", "contains", map[string]any{"color": "red"})}, nil, []string{"L-3"}},
		{"order desc", nil, []*nexusv1.Order{{Column: "price", Desc: true}}, []string{"L-5", "L-4", "L-3", "L-2", "L-1"}},
		{"order nullable", nil, []*nexusv1.Order{{Column: "seen_at"}, {Column: "sku"}}, []string{"L-1", "L-4", "L-2", "L-3", "L-5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op := listOp("items", tc.filters...)
			op.Order = tc.order
			res := fx.must(t, a, op)
			rows := rowsOf(t, res[0])
			if tc.want == nil {
				require.Len(t, rows, 5)
				ids := make([]string, len(rows))
				for i, r := range rows {
					ids[i] = r["id"].(string)
				}
				require.True(t, slices.IsSorted(ids), "default order is by id")
				return
			}
			got := []string{}
			for _, r := range rows {
				got = append(got, r["sku"].(string))
			}
			if tc.order == nil && len(tc.want) > 1 {
				slices.Sort(got)
			}
			require.Equal(t, tc.want, got)
			require.Empty(t, res[0].GetNextCursor())
		})
	}
	t.Run("limit", func(t *testing.T) {
		op := listOp("items")
		op.Limit = 2
		res := fx.must(t, a, op)
		require.Len(t, res[0].GetRows(), 2)
		require.NotEmpty(t, res[0].GetNextCursor())
	})
	t.Run("table still intact", func(t *testing.T) {
		require.Len(t, fx.must(t, a, listOp("items"))[0].GetRows(), 5)
	})
}

// sku orders by sku.
func sku() []*nexusv1.Order { return []*nexusv1.Order{{Column: "sku"}} }

func testPagination(t *testing.T, fx *fixture) {
	a := newActor()
	const n = 1000
	rows := make([]map[string]any, n)
	for i, v := range rand.Perm(n) {
		rows[i] = map[string]any{"n": v}
		if v%10 != 0 {
			rows[i]["grp"] = v % 7
		}
	}
	ins := insertOp("pages", rows)
	ins.Returning = false
	fx.must(t, a, ins)
	// Another company's rows never show up.
	fx.must(t, newActor(), insertOp("pages", []map[string]any{{"n": 1}, {"n": 2}}))

	for _, tc := range []struct {
		name  string
		order []*nexusv1.Order
		limit int32
		less  func(x, y map[string]any) bool
	}{
		{"by n asc", []*nexusv1.Order{{Column: "n"}}, 77, func(x, y map[string]any) bool { return num(x["n"]) < num(y["n"]) }},
		{"by n desc", []*nexusv1.Order{{Column: "n", Desc: true}}, 77, func(x, y map[string]any) bool { return num(x["n"]) > num(y["n"]) }},
		{"by id", nil, 500, func(x, y map[string]any) bool { return x["id"].(string) < y["id"].(string) }},
		{"by nullable grp asc", []*nexusv1.Order{{Column: "grp"}}, 61, nullsLast(false)},
		{"by nullable grp desc", []*nexusv1.Order{{Column: "grp", Desc: true}}, 61, nullsLast(true)},
		{"by grp and n desc", []*nexusv1.Order{{Column: "grp", Desc: true}, {Column: "n", Desc: true}}, 7, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var all []map[string]any
			cursor := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, n+2, "pagination does not end")
				op := &nexusv1.DBOp{Kind: "list", Table: "pages", Order: tc.order, Limit: tc.limit, Cursor: cursor}
				res := fx.must(t, a, op)
				all = append(all, rowsOf(t, res[0])...)
				cursor = res[0].GetNextCursor()
				if cursor == "" {
					require.LessOrEqual(t, len(res[0].GetRows()), int(tc.limit))
					break
				}
				require.Len(t, res[0].GetRows(), int(tc.limit))
			}
			require.Len(t, all, n, "every row exactly once")
			seen := map[string]bool{}
			for i, r := range all {
				id := r["id"].(string)
				require.False(t, seen[id], "row %s twice", id)
				seen[id] = true
				if i > 0 && tc.less != nil {
					require.False(t, tc.less(r, all[i-1]), "rows %d and %d out of order: %v then %v", i-1, i, all[i-1], r)
				}
			}
		})
	}
	t.Run("tampered cursor", func(t *testing.T) {
		op := &nexusv1.DBOp{Kind: "list", Table: "pages", Order: []*nexusv1.Order{{Column: "n"}}, Limit: 10}
		cursor := fx.must(t, a, op)[0].GetNextCursor()
		require.NotEmpty(t, cursor)
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		require.NoError(t, err)
		var c map[string]any
		require.NoError(t, json.Unmarshal(raw, &c))
		reencode := func(mutate func(map[string]any)) string {
			m := map[string]any{}
			for k, v := range c {
				m[k] = v
			}
			mutate(m)
			return base64.RawURLEncoding.EncodeToString(js(m))
		}
		for _, tc := range []struct {
			name, cursor, reason string
		}{
			{"garbage", "%%%not-base64", dal.ReasonInvalidCursor},
			{"truncated", cursor[:len(cursor)/2], dal.ReasonInvalidCursor},
			{"not json", base64.RawURLEncoding.EncodeToString([]byte("{nope")), dal.ReasonInvalidCursor},
			{"other order", reencode(func(m map[string]any) { m["k"] = []string{"grp", "id"} }), dal.ReasonInvalidCursor},
			{"other direction", reencode(func(m map[string]any) { m["d"] = true }), dal.ReasonInvalidCursor},
			{"missing value", reencode(func(m map[string]any) { m["v"] = []any{1} }), dal.ReasonInvalidCursor},
			{"object value", reencode(func(m map[string]any) { m["v"] = []any{map[string]any{}, uuid.NewString()} }), dal.ReasonInvalidCursor},
			{"null for not null", reencode(func(m map[string]any) { m["v"] = []any{nil, uuid.NewString()} }), dal.ReasonInvalidCursor},
			{"wrong type", reencode(func(m map[string]any) { m["v"] = []any{"abc", uuid.NewString()} }), dal.ReasonInvalidValue},
			{"bad id", reencode(func(m map[string]any) { m["v"] = []any{3, "x'--"} }), dal.ReasonInvalidValue},
			{"too long", string(make([]byte, 9000)), dal.ReasonInvalidCursor},
		} {
			t.Run(tc.name, func(t *testing.T) {
				op := &nexusv1.DBOp{Kind: "list", Table: "pages", Order: []*nexusv1.Order{{Column: "n"}}, Limit: 10, Cursor: tc.cursor}
				_, err := fx.exec(t, a, op)
				e := requireReason(t, err, tc.reason)
				require.Equal(t, 400, httpStatus(e))
			})
		}
	})
}

// num parses a decoded JSON number.
func num(v any) int {
	i, err := strconv.Atoi(str(v))
	if err != nil {
		panic(err)
	}
	return i
}

// nullsLast orders rows by grp then id, NULLs last ascending and first
// descending (PostgreSQL's defaults).
func nullsLast(desc bool) func(x, y map[string]any) bool {
	return func(x, y map[string]any) bool {
		gx, gy := x["grp"], y["grp"]
		switch {
		case gx == nil && gy == nil:
			if desc {
				return x["id"].(string) > y["id"].(string)
			}
			return x["id"].(string) < y["id"].(string)
		case gx == nil:
			return desc
		case gy == nil:
			return !desc
		case num(gx) != num(gy):
			return (num(gx) < num(gy)) != desc
		case desc:
			return x["id"].(string) > y["id"].(string)
		default:
			return x["id"].(string) < y["id"].(string)
		}
	}
}

func testAggregate(t *testing.T, fx *fixture) {
	a := newActor()
	fx.must(t, a, insertOp("items", []map[string]any{
		{"sku": "S-1", "price": "0.10", "cost": "0.10", "qty": 1, "active": true},
		{"sku": "S-2", "price": "0.20", "cost": "0.20", "qty": 2, "active": true},
		{"sku": "S-3", "price": "1.00", "qty": 3, "active": false},
	}))
	agg := func(fn, col, as string) *nexusv1.Aggregate { return &nexusv1.Aggregate{Fn: fn, Column: col, As: as} }
	for _, tc := range []struct {
		name    string
		groupBy []string
		aggs    []*nexusv1.Aggregate
		filters []*nexusv1.Filter
		want    []map[string]any
	}{
		{"decimal sum is exact", nil, []*nexusv1.Aggregate{agg("sum", "cost", "total")}, nil,
			[]map[string]any{{"total": "0.30"}}},
		{"every function", nil, []*nexusv1.Aggregate{agg("count", "", ""), agg("count", "cost", ""), agg("sum", "qty", ""),
			agg("min", "price", ""), agg("max", "price", "top"), agg("avg", "qty", "mean"), agg("max", "sku", "")}, nil,
			[]map[string]any{{"count": "3", "count_cost": "2", "sum_qty": "6", "min_price": "0.1000", "top": "1.0000", "mean": "2.0000000000000000", "max_sku": "S-3"}}},
		{"grouped", []string{"active"}, []*nexusv1.Aggregate{agg("count", "", "n"), agg("sum", "price", "total")}, nil,
			[]map[string]any{{"active": false, "n": "1", "total": "1.0000"}, {"active": true, "n": "2", "total": "0.3000"}}},
		{"filtered", nil, []*nexusv1.Aggregate{agg("sum", "price", "total")}, []*nexusv1.Filter{filter("qty", "gte", 2)},
			[]map[string]any{{"total": "1.2000"}}},
		{"empty", nil, []*nexusv1.Aggregate{agg("count", "", "n"), agg("sum", "price", "total")}, []*nexusv1.Filter{filter("qty", "gt", 100)},
			[]map[string]any{{"n": "0", "total": nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := fx.must(t, a, &nexusv1.DBOp{Kind: "aggregate", Table: "items", GroupBy: tc.groupBy, Aggregates: tc.aggs, Filters: tc.filters})
			rows := rowsOf(t, res[0])
			for _, r := range rows {
				for k, v := range r {
					if _, isNum := v.(json.Number); isNum {
						r[k] = str(v)
					}
				}
			}
			require.Equal(t, tc.want, rows)
		})
	}
}
