package sdk

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// TestDBOpsToProto checks each Batch operation as it reaches the host's DB
// callback.
func TestDBOpsToProto(t *testing.T) {
	t.Parallel()
	var into map[string]any
	tests := []struct {
		name string
		add  func(b *Batch)
		want *nexusv1.DBOp
	}{
		{"insert", func(b *Batch) { b.Insert("things", map[string]int{"n": 1}) },
			&nexusv1.DBOp{Kind: "insert", Table: "things", Rows: []byte(`{"n":1}`)}},
		{"insert returning", func(b *Batch) { b.InsertReturning("things", []int{1}, &into) },
			&nexusv1.DBOp{Kind: "insert", Table: "things", Rows: []byte(`[1]`), Returning: true}},
		{"get", func(b *Batch) { b.Get("things", "a", &into) }, &nexusv1.DBOp{Kind: "get", Table: "things", Id: "a"}},
		{"list", func(b *Batch) {
			b.List("things", Query{Where: []Filter{Eq("status", "open"), IsNull("deleted_at")}, OrderBy: []Order{Desc("at"), Asc("n")}, Limit: 20, Cursor: "c1"}, &into)
		}, &nexusv1.DBOp{Kind: "list", Table: "things", Limit: 20, Cursor: "c1",
			Filters: []*nexusv1.Filter{{Column: "status", Op: "eq", Value: []byte(`"open"`)}, {Column: "deleted_at", Op: "is_null"}},
			Order:   []*nexusv1.Order{{Column: "at", Desc: true}, {Column: "n"}}}},
		{"update", func(b *Batch) { b.Update("things", "a", map[string]int{"n": 2}) },
			&nexusv1.DBOp{Kind: "update", Table: "things", Id: "a", Rows: []byte(`{"n":2}`)}},
		{"update if version, into", func(b *Batch) { b.Update("things", "a", map[string]int{"n": 2}, IfVersion(7), Into(&into)) },
			&nexusv1.DBOp{Kind: "update", Table: "things", Id: "a", Rows: []byte(`{"n":2}`), ExpectedVersion: 7, HasVersion: true, Returning: true}},
		{"update if version 0", func(b *Batch) { b.Update("things", "a", map[string]int{}, IfVersion(0)) },
			&nexusv1.DBOp{Kind: "update", Table: "things", Id: "a", Rows: []byte(`{}`), HasVersion: true}},
		{"delete", func(b *Batch) { b.Delete("things", "a") }, &nexusv1.DBOp{Kind: "delete", Table: "things", Id: "a"}},
		{"aggregate", func(b *Batch) {
			b.Aggregate("things", Aggregation{Where: []Filter{Gte("n", 1)}, GroupBy: []string{"status"}, Aggregates: []Agg{Count("c"), Sum("n", "total")}}, &into)
		}, &nexusv1.DBOp{Kind: "aggregate", Table: "things", GroupBy: []string{"status"},
			Filters:    []*nexusv1.Filter{{Column: "n", Op: "gte", Value: []byte(`1`)}},
			Aggregates: []*nexusv1.Aggregate{{Fn: "count", As: "c"}, {Fn: "sum", Column: "n", As: "total"}}}},
		{"lock", func(b *Batch) { b.Lock("things", "a", "b") }, &nexusv1.DBOp{Kind: "lock", Table: "things", Ids: []string{"a", "b"}}},
		{"query without args", func(b *Batch) { b.Query("totals", &into) }, &nexusv1.DBOp{Kind: "query", Query: "totals", Args: []byte(`[]`)}},
		{"query", func(b *Batch) { b.Query("totals", nil, "x", 2) }, &nexusv1.DBOp{Kind: "query", Query: "totals", Args: []byte(`["x",2]`)}},
		{"transition", func(b *Batch) { b.Transition("things", "a", "close", "done", nil) },
			&nexusv1.DBOp{Kind: "transition", Table: "things", Id: "a", Event: "close", Note: "done"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &Batch{}
			tt.add(b)
			require.NoError(t, b.err)
			require.Len(t, b.ops, 1)
			got := dbOpToProto(b.ops[0].op)
			require.True(t, proto.Equal(tt.want, got), "want %v\ngot  %v", tt.want, got)
		})
	}
}

// TestRouteCallsAndAnswers checks a route request as handlers see it and
// an answer, with deferred effects, as the host gets it.
func TestRouteCallsAndAnswers(t *testing.T) {
	t.Parallel()
	call := routeCallOf(&nexusv1.RouteRequest{
		CallId: "call", RouteId: "POST /x", RequestId: "req", Method: "POST", Path: "/x/1",
		Params:       map[string]string{"id": "1"},
		Query:        map[string]*nexusv1.Values{"q": {Values: []string{"a", "b"}}},
		Headers:      map[string]*nexusv1.Values{"X-Y": {Values: []string{"z"}}},
		Body:         []byte(`{}`),
		Principal:    &nexusv1.Principal{UserId: "u", Email: "e@x", CompanyId: "c", Role: "manager"},
		Company:      &nexusv1.Company{Id: "c", Name: "Co", Country: "MX", Currency: "MXN", Timezone: "America/Mexico_City", TaxId: "T"},
		DeferEffects: true,
	})
	require.Equal(t, routeCall{
		callID: "call", routeID: "POST /x", requestID: "req", method: "POST", path: "/x/1",
		params: map[string]string{"id": "1"}, query: map[string][]string{"q": {"a", "b"}}, headers: map[string][]string{"X-Y": {"z"}},
		body: []byte(`{}`), principal: Principal{UserID: "u", Email: "e@x", CompanyID: "c", Role: RoleManager},
		company: Company{ID: "c", Name: "Co", Country: "MX", Currency: "MXN", Timezone: "America/Mexico_City", TaxID: "T"},
		config:  []byte(`{}`), deferEffects: true,
	}, call)

	f := &effects{vertical: "shop"}
	id, err := f.publish(outEvent{topic: "shop.sale.created", payload: []byte(`{"n":1}`), schemaVersion: 1})
	require.NoError(t, err)
	f.invalidate([]string{"k"}, []string{"t"})
	res := routeResponseOf(routeResult{status: http.StatusCreated, headers: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{}`), effects: f})
	require.True(t, proto.Equal(&nexusv1.RouteResponse{
		Status: http.StatusCreated, Headers: map[string]*nexusv1.Values{"Content-Type": {Values: []string{"application/json"}}}, Body: []byte(`{}`),
		Events:     []*nexusv1.OutEvent{{Id: id, Topic: "shop.sale.created", Payload: []byte(`{"n":1}`), SchemaVersion: 1}},
		Invalidate: &nexusv1.CacheInvalidateRequest{Keys: []string{"k"}, Tags: []string{"t"}},
	}, res), "%v", res)
	bare := routeResponseOf(routeResult{status: http.StatusNoContent, effects: &effects{vertical: "shop"}})
	require.Empty(t, bare.GetEvents())
	require.Nil(t, bare.GetInvalidate())
	require.Nil(t, bare.GetHeaders())
}

// TestEventCallOf checks an event as its handler sees it.
func TestEventCallOf(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 10, 0, 0, 123, time.UTC)
	call := eventCallOf(&nexusv1.EventRequest{
		CallId: "call", Subscription: "rollup", Id: "ev", Topic: "shop.sale.created", CompanyId: "c",
		Payload: []byte(`{"n":1}`), OccurredAtUnixNano: at.UnixNano(), RequestId: "req", Attempt: 2, SchemaVersion: 3,
		Company: &nexusv1.Company{Id: "c"}, Config: []byte(`{"a":1}`),
	})
	require.Equal(t, eventCall{
		callID: "call", subscription: "rollup",
		event: Event{ID: "ev", Topic: "shop.sale.created", CompanyID: "c", Payload: []byte(`{"n":1}`), OccurredAt: at,
			RequestID: "req", Attempt: 2, SchemaVersion: 3},
		company: Company{ID: "c"}, config: []byte(`{"a":1}`),
	}, call)
}
