package dal_test

import (
	"encoding/base64"
	"testing"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// FuzzListOp builds list operations from fuzzed column, operator, value,
// order and cursor strings and runs them against the test catalog: they
// must never panic and bad input must never come back as Internal.
func FuzzListOp(f *testing.F) {
	fx := newFixture(f)
	a := newActor()
	fx.must(f, a, insertOp("items", []map[string]any{
		{"sku": "F-1", "name": "fuzz", "price": "1.50", "attrs": map[string]any{"k": "v"}},
		{"sku": "F-2", "price": "2.50", "seen_at": "2024-01-01T00:00:00Z"},
	}))
	page := &nexusv1.DBOp{Kind: "list", Table: "items", Order: []*nexusv1.Order{{Column: "price"}}, Limit: 1}
	validCursor := fx.must(f, a, page)[0].GetNextCursor()

	for _, seed := range []struct {
		column, op, value, order, cursor string
		limit                            int32
		desc                             bool
	}{
		{"sku", "eq", `"F-1"`, "", "", 0, false},
		{"price", "gt", `"1.00"`, "price", validCursor, 1, false},
		{"price", "gt", `1e400`, "price", "", 10, true},
		{"qty", "in", `[1, "2", 3.5]`, "qty", "", 500, false},
		{"attrs", "contains", `{"k": ["v", {"x": null}]}`, "", "", 0, false},
		{"name", "prefix", `"%_\\"`, "name", "", 2, true},
		{"seen_at", "lte", `"2024-02-30"`, "seen_at", "", 0, false},
		{"id", "eq", `"00000000-0000-0000-0000-000000000000"`, "id", "", 0, false},
		{"active", "ne", `"maybe"`, "", "", 0, false},
		{"sku", "eq", `"\u0000"`, "", "", 0, false},
		{"sku", "eq", "\"\xff\xfe\"", "", "", 0, false},
		{`sku"; DROP TABLE items; --`, "eq", `1`, "", "", 0, false},
		{"raw", "is_null", ``, "raw", "", 0, false},
		{"price", "lt", `{}`, "attrs", "", 501, false},
		{"qty", "gte", `"1'; SELECT pg_sleep(1); --"`, "price", base64.RawURLEncoding.EncodeToString([]byte(`{"k":["price","id"],"v":["x","y"]}`)), -5, false},
		{"price", "eq", `99999999999999999999999`, "price", base64.RawURLEncoding.EncodeToString([]byte(`{"k":["price","id"],"v":[1,"00000000-0000-0000-0000-000000000000"]}`)), 3, false},
	} {
		f.Add(seed.column, seed.op, seed.value, seed.order, seed.cursor, seed.limit, seed.desc)
	}
	f.Fuzz(func(t *testing.T, column, op, value, order, cursor string, limit int32, desc bool) {
		list := &nexusv1.DBOp{Kind: "list", Table: "items", Limit: limit, Cursor: cursor,
			Filters: []*nexusv1.Filter{{Column: column, Op: op, Value: []byte(value)}}}
		if order != "" {
			list.Order = []*nexusv1.Order{{Column: order, Desc: desc}}
		}
		agg := &nexusv1.DBOp{Kind: "aggregate", Table: "items", Filters: list.Filters, GroupBy: []string{order},
			Aggregates: []*nexusv1.Aggregate{{Fn: op, Column: column, As: value}}}
		for _, dbop := range []*nexusv1.DBOp{list, agg} {
			_, err := fx.exec(t, a, dbop)
			if err == nil {
				continue
			}
			if e := dal.AsError(err); e.Kind == kind.Internal {
				t.Fatalf("%s %q %q %q order %q cursor %q limit %d: internal error: %v", dbop.GetKind(), column, op, value, order, cursor, limit, err)
			}
		}
	})
}
