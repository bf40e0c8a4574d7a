package dal_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

func testBadInput(t *testing.T, fx *fixture) {
	a := newActor()
	id := uuid.NewString()
	fx.must(t, a, insertOp("items", map[string]any{"id": id, "sku": "B-1"}))
	raw := func(kind, table, rows string) *nexusv1.DBOp {
		return &nexusv1.DBOp{Kind: kind, Table: table, Id: id, Rows: []byte(rows)}
	}
	rawFilter := func(column, op, value string) *nexusv1.DBOp {
		return &nexusv1.DBOp{Kind: "list", Table: "items", Filters: []*nexusv1.Filter{{Column: column, Op: op, Value: []byte(value)}}}
	}
	agg := func(fn, column, as string) *nexusv1.DBOp {
		return &nexusv1.DBOp{Kind: "aggregate", Table: "items", Aggregates: []*nexusv1.Aggregate{{Fn: fn, Column: column, As: as}}}
	}
	for _, tc := range []struct {
		name   string
		op     *nexusv1.DBOp
		reason string
	}{
		{"unknown kind", &nexusv1.DBOp{Kind: "drop", Table: "items"}, dal.ReasonUnknownKind},
		{"nil op", nil, dal.ReasonInvalidArgument},
		{"unknown table", getOp("nope", id), dal.ReasonUnknownTable},
		{"host table", listOp("status_history"), dal.ReasonUnknownTable},
		{"qualified table", listOp("public.companies"), dal.ReasonUnknownTable},
		{"table without id", listOp("notes"), dal.ReasonUnknownTable},
		{"table without company_id", listOp("settings"), dal.ReasonUnknownTable},
		{"injected table", listOp(`items; DROP TABLE items; --`), dal.ReasonUnknownTable},
		{"unknown insert column", insertOp("items", map[string]any{"sku": "x", "nope": 1}), dal.ReasonUnknownColumn},
		{"injected column", insertOp("items", map[string]any{`sku") VALUES ('x'); --`: 1}), dal.ReasonUnknownColumn},
		{"company_id in insert", insertOp("items", map[string]any{"sku": "x", "company_id": uuid.NewString()}), dal.ReasonReadOnlyColumn},
		{"own company_id in insert", insertOp("items", map[string]any{"sku": "x", "company_id": a.CompanyID.String()}), dal.ReasonReadOnlyColumn},
		{"generated column in insert", insertOp("items", map[string]any{"sku": "x", "sku_upper": "X"}), dal.ReasonReadOnlyColumn},
		{"bad uuid", getOp("items", "1 OR 1=1"), dal.ReasonInvalidID},
		{"bad uuid in rows", insertOp("items", map[string]any{"sku": "x", "id": "nope"}), dal.ReasonInvalidValue},
		{"limit 501", &nexusv1.DBOp{Kind: "list", Table: "items", Limit: 501}, dal.ReasonInvalidLimit},
		{"negative limit", &nexusv1.DBOp{Kind: "list", Table: "items", Limit: -1}, dal.ReasonInvalidLimit},
		{"malformed rows", raw("insert", "items", `{"sku":`), dal.ReasonInvalidJSON},
		{"rows trailing data", raw("insert", "items", `{"sku":"x"} {}`), dal.ReasonInvalidJSON},
		{"rows a string", raw("insert", "items", `"sku"`), dal.ReasonInvalidJSON},
		{"rows of numbers", raw("insert", "items", `[1, 2]`), dal.ReasonInvalidJSON},
		{"rows with null", raw("insert", "items", `[{"sku":"x"}, null]`), dal.ReasonInvalidJSON},
		{"no rows", raw("insert", "items", `[]`), dal.ReasonInvalidArgument},
		{"empty rows", raw("insert", "items", ``), dal.ReasonInvalidJSON},
		{"text into numeric", insertOp("items", map[string]any{"sku": "x", "price": "abc"}), dal.ReasonInvalidValue},
		{"text into integer", insertOp("items", map[string]any{"sku": "x", "qty": "many"}), dal.ReasonInvalidValue},
		{"fraction into integer", insertOp("items", map[string]any{"sku": "x", "qty": 1.5}), dal.ReasonInvalidValue},
		{"numeric overflow", insertOp("items", map[string]any{"sku": "x", "price": "1e20"}), dal.ReasonInvalidValue},
		{"bad timestamp", insertOp("items", map[string]any{"sku": "x", "seen_at": "2024-13-45"}), dal.ReasonInvalidValue},
		{"bad boolean", insertOp("items", map[string]any{"sku": "x", "active": "maybe"}), dal.ReasonInvalidValue},
		{"text into numeric on update", updateOp("items", id, map[string]any{"price": "abc"}), dal.ReasonInvalidValue},
		{"unknown update column", updateOp("items", id, map[string]any{"nope": 1}), dal.ReasonUnknownColumn},
		{"malformed update", raw("update", "items", `{"price": }`), dal.ReasonInvalidJSON},
		{"unknown filter column", rawFilter("nope", "eq", `1`), dal.ReasonUnknownColumn},
		{"unknown filter op", rawFilter("sku", "like", `"a%"`), dal.ReasonInvalidFilter},
		{"filter malformed value", rawFilter("sku", "eq", `"a`), dal.ReasonInvalidJSON},
		{"filter missing value", rawFilter("sku", "eq", ``), dal.ReasonInvalidJSON},
		{"filter null", rawFilter("sku", "eq", `null`), dal.ReasonInvalidValue},
		{"filter object on text", rawFilter("sku", "eq", `{"a":1}`), dal.ReasonInvalidValue},
		{"filter text on numeric", rawFilter("price", "gt", `"abc"`), dal.ReasonInvalidValue},
		{"filter bad uuid", rawFilter("id", "eq", `"x' OR '1'='1"`), dal.ReasonInvalidValue},
		{"lt on jsonb", rawFilter("attrs", "lt", `{}`), dal.ReasonInvalidFilter},
		{"eq on json", rawFilter("raw", "eq", `{}`), dal.ReasonInvalidFilter},
		{"contains on text", rawFilter("sku", "contains", `{}`), dal.ReasonInvalidFilter},
		{"contains a scalar", rawFilter("attrs", "contains", `"x"`), dal.ReasonInvalidFilter},
		{"prefix on numeric", rawFilter("price", "prefix", `"1"`), dal.ReasonInvalidFilter},
		{"prefix with a number", rawFilter("sku", "prefix", `1`), dal.ReasonInvalidFilter},
		{"in with a scalar", rawFilter("sku", "in", `"a"`), dal.ReasonInvalidFilter},
		{"in with null", rawFilter("sku", "in", `["a", null]`), dal.ReasonInvalidValue},
		{"is_null with a value", rawFilter("sku", "is_null", `"a"`), dal.ReasonInvalidFilter},
		{"order by unknown", &nexusv1.DBOp{Kind: "list", Table: "items", Order: []*nexusv1.Order{{Column: "nope"}}}, dal.ReasonUnknownColumn},
		{"order by jsonb", &nexusv1.DBOp{Kind: "list", Table: "items", Order: []*nexusv1.Order{{Column: "attrs"}}}, dal.ReasonInvalidArgument},
		{"mixed directions", &nexusv1.DBOp{Kind: "list", Table: "items", Order: []*nexusv1.Order{{Column: "sku"}, {Column: "qty", Desc: true}}}, dal.ReasonInvalidArgument},
		{"id not last", &nexusv1.DBOp{Kind: "list", Table: "items", Order: []*nexusv1.Order{{Column: "id"}, {Column: "sku"}}}, dal.ReasonInvalidArgument},
		{"sum of text", agg("sum", "sku", ""), dal.ReasonInvalidArgument},
		{"unknown aggregate", agg("median", "qty", ""), dal.ReasonInvalidArgument},
		{"aggregate injected alias", agg("count", "", `n"; DROP TABLE items; --`), dal.ReasonInvalidArgument},
		{"aggregate without column", agg("sum", "", ""), dal.ReasonInvalidArgument},
		{"aggregate unknown column", agg("max", "nope", ""), dal.ReasonUnknownColumn},
		{"no aggregates", &nexusv1.DBOp{Kind: "aggregate", Table: "items"}, dal.ReasonInvalidArgument},
		{"group by unknown", &nexusv1.DBOp{Kind: "aggregate", Table: "items", GroupBy: []string{"nope"}, Aggregates: []*nexusv1.Aggregate{{Fn: "count"}}}, dal.ReasonUnknownColumn},
		{"version on a table without one", &nexusv1.DBOp{Kind: "update", Table: "pages", Id: id, Rows: js(map[string]any{"n": 1}), HasVersion: true}, dal.ReasonInvalidArgument},
		{"too many lock ids", &nexusv1.DBOp{Kind: "lock", Table: "items", Ids: make([]string, dal.MaxIDs+1)}, dal.ReasonInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A valid write first: the failing op must leave nothing behind.
			sku := "w-" + uuid.NewString()
			_, err := fx.exec(t, a, insertOp("items", map[string]any{"sku": sku}), tc.op)
			e := requireReason(t, err, tc.reason)
			require.Equal(t, 1, e.Internal["op"])
			require.NotEqual(t, kind.Internal, e.Kind)
			st, ok := status.FromError(dal.Status(err))
			require.True(t, ok)
			require.Equal(t, wire.CodeOf(e.Kind), st.Code())
			require.Equal(t, 400, httpStatus(e), "%v", err)
			res := fx.must(t, a, listOp("items", filter("sku", "eq", sku)))
			require.Empty(t, res[0].GetRows(), "nothing was written")
		})
	}
	t.Run("sql-looking values are stored verbatim", func(t *testing.T) {
		evil := []string{`'); DROP TABLE items; --`, `" OR ""="`, `\x00\'; SELECT pg_sleep(10); --`, `$1`, `%_\`}
		for _, v := range evil {
			res := fx.must(t, a, insertOp("items", map[string]any{"sku": v, "name": v}))
			row := rowsOf(t, res[0])[0]
			require.Equal(t, v, row["sku"])
			got := rowsOf(t, fx.must(t, a, listOp("items", filter("name", "eq", v)))[0])
			require.Len(t, got, 1)
			got = rowsOf(t, fx.must(t, a, listOp("items", filter("name", "prefix", v)))[0])
			require.Len(t, got, 1, "prefix %q", v)
		}
		_, err := fx.pool.Exec(context.Background(), "SELECT 1 FROM testv.items LIMIT 1")
		require.NoError(t, err, "the table survived")
	})
}
