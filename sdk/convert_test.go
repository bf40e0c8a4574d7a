package sdk

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/sdk/kind"
)

func TestManifestToProto(t *testing.T) {
	t.Parallel()
	m := Manifest{
		Name: "x", Version: "1",
		Routes: []Route{
			GET("/a/{id}", RoleViewer, "get", nil),
			{ID: "custom", Method: "POST", Pattern: "/a", MinRole: RoleAdmin, RequestExample: map[string]int{"n": 1}},
		},
		Migrations: fstest.MapFS{
			"migrations/0001_init.up.sql":   {Data: []byte("CREATE TABLE t ()")},
			"migrations/0001_init.down.sql": {Data: []byte("DROP TABLE t")},
		},
		StateMachines: []StateMachine{{Table: "t", Column: "status", Initial: "a",
			Transitions: []Transition{{From: "a", Event: "go", To: "b", MinRole: RoleManager}}}},
		Queries:          map[string]string{"b": "SELECT 2", "a": "SELECT 1"},
		UniversalSources: map[string]string{"x_sales": "SELECT 1"},
		Subscriptions:    []Subscription{{Name: "s", Pattern: "x.#"}},
		RevenueEvents: []RevenueEvent{
			{Topic: "x.sale.created", Source: "x_sales", Key: "sale_id"},
			{Topic: "x.sale.voided", Source: "x_sales", Type: "x_pos", Key: "sale_id", Remove: true},
		},
		LargeTransactionTopics: []string{"x.order.large"},
	}
	pm, err := manifestToProto(m)
	require.NoError(t, err)
	require.Equal(t, "GET /a/{id}", pm.GetRoutes()[0].GetId())
	require.Equal(t, "custom", pm.GetRoutes()[1].GetId())
	require.JSONEq(t, `{"n":1}`, pm.GetRoutes()[1].GetRequestExample())
	require.Len(t, pm.GetMigrations(), 1)
	require.Equal(t, "CREATE TABLE t ()", pm.GetMigrations()[0].GetUp())
	require.Equal(t, "manager", pm.GetStateMachines()[0].GetTransitions()[0].GetMinRole())
	require.Equal(t, "a", pm.GetQueries()[0].GetName(), "queries are sorted by name")
	require.Equal(t, int32(1), pm.GetSubscriptions()[0].GetConcurrency(), "concurrency defaults to 1")
	require.Equal(t, "x_sales", pm.GetUniversalSources()[0].GetName())
	require.Len(t, pm.GetRevenueEvents(), 2)
	require.Equal(t, "x_sales", pm.GetRevenueEvents()[0].GetType(), "the type defaults to the source's name")
	require.Equal(t, "sale_id", pm.GetRevenueEvents()[0].GetKey())
	require.Equal(t, "x_pos", pm.GetRevenueEvents()[1].GetType())
	require.True(t, pm.GetRevenueEvents()[1].GetRemove())
	require.Equal(t, []string{"x.order.large"}, pm.GetLargeTransactionTopics())

	m.Migrations = fstest.MapFS{"0001_bad.up.sql": {Data: []byte("x")}}
	_, err = manifestToProto(m)
	require.ErrorContains(t, err, "needs non-empty .up.sql and .down.sql")
}

func TestPaymentSourcesToProto(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sources map[string]string
		want    [][2]string
	}{
		{"none", nil, nil},
		{"one", map[string]string{"x_pos": "SELECT 1"}, [][2]string{{"x_pos", "SELECT 1"}}},
		{"sorted by name", map[string]string{"x_pos": "SELECT 1", "x_consignment": "SELECT 2"},
			[][2]string{{"x_consignment", "SELECT 2"}, {"x_pos", "SELECT 1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pm, err := manifestToProto(Manifest{Name: "x", PaymentSources: tt.sources})
			require.NoError(t, err)
			var got [][2]string
			for _, s := range pm.GetPaymentSources() {
				got = append(got, [2]string{s.GetName(), s.GetSql()})
			}
			require.Equal(t, tt.want, got)
			require.Empty(t, pm.GetUniversalSources(), "payment sources are not universal sources")
		})
	}
}

func TestFromStatus(t *testing.T) {
	t.Parallel()
	withInfo := func(c codes.Code, reason string, md map[string]string) error {
		st, err := status.New(c, "msg").WithDetails(&errdetails.ErrorInfo{Reason: reason, Metadata: md})
		require.NoError(t, err)
		return st.Err()
	}
	tests := []struct {
		name    string
		err     error
		status  int
		code    string
		details map[string]any
	}{
		{"not found", status.Error(codes.NotFound, "gone"), http.StatusNotFound, "not_found", nil},
		{"reason and details", withInfo(codes.Aborted, "version_conflict", map[string]string{"current_version": "3", "id": "n1"}),
			http.StatusConflict, "version_conflict", map[string]any{"current_version": float64(3), "id": "n1"}},
		{"invalid", withInfo(codes.InvalidArgument, "unknown_column", nil), http.StatusBadRequest, "unknown_column", nil},
		{"precondition", status.Error(codes.FailedPrecondition, "x"), http.StatusUnprocessableEntity, "unprocessable", nil},
		{"forbidden", status.Error(codes.PermissionDenied, "x"), http.StatusForbidden, "forbidden", nil},
		{"rate", status.Error(codes.ResourceExhausted, "x"), http.StatusTooManyRequests, "rate_limited", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e *Error
			require.True(t, errors.As(fromStatus("op", tt.err), &e))
			require.Equal(t, tt.status, e.Status())
			require.Equal(t, tt.code, e.Code)
			require.Equal(t, tt.details, e.Details)
		})
	}
	require.ErrorIs(t, fromStatus("op", status.Error(codes.Canceled, "x")), context.Canceled)
	var e *Error
	require.False(t, errors.As(fromStatus("op", status.Error(codes.Internal, "boom")), &e), "internal errors are not client errors")
}

// TestFromDALStatusKeepsInternalsOut sends a DAL error through the wire
// as the host does: the names of the vertical's schema reach the handler
// as Internal, and the envelope it answers carries only the details.
func TestFromDALStatusKeepsInternalsOut(t *testing.T) {
	t.Parallel()
	sent := &dal.Error{Kind: kind.Conflict, Reason: dal.ReasonDuplicate, Message: "a row with the same unique values already exists",
		Details: map[string]any{"id": "n1"}, Internal: map[string]any{"table": "products", "op": 0, "constraint": "products_sku_key"}}
	var e *Error
	require.True(t, errors.As(fromStatus("db", dal.Status(sent)), &e))
	require.Equal(t, http.StatusConflict, e.Status())
	require.Equal(t, "duplicate", e.Code)
	require.Equal(t, map[string]any{"id": "n1"}, e.Details)
	require.Equal(t, map[string]any{"table": "products", "op": float64(0), "constraint": "products_sku_key"}, e.Internal)

	body := string(errorResult("req-1", e).body)
	require.JSONEq(t, `{"error":{"code":"duplicate","message":"a row with the same unique values already exists","details":{"id":"n1"}},"request_id":"req-1"}`, body)
}

func TestBind(t *testing.T) {
	t.Parallel()
	type in struct {
		N int    `json:"n"`
		S string `json:"s"`
	}
	tests := []struct{ body, code string }{
		{`{"n":1,"s":"x"}`, ""},
		{``, "invalid_json"},
		{`{"n":`, "invalid_json"},
		{`{"n":"one"}`, "invalid_field"},
		{`{"n":1,"x":2}`, "unknown_field"},
		{`{"n":1} {"n":2}`, "invalid_json"},
		{`[1]`, "invalid_json"},
	}
	for _, tt := range tests {
		c := &Context{body: []byte(tt.body)}
		var v in
		err := c.Bind(&v)
		if tt.code == "" {
			require.NoError(t, err, tt.body)
			continue
		}
		var e *Error
		require.True(t, errors.As(err, &e), tt.body)
		require.Equal(t, http.StatusBadRequest, e.Status(), tt.body)
		require.Equal(t, tt.code, e.Code, tt.body)
	}
}

func TestDecodeRows(t *testing.T) {
	t.Parallel()
	type row struct {
		ID string `json:"id"`
	}
	rows := [][]byte{[]byte(`{"id":"a"}`), []byte(`{"id":"b"}`)}
	var many []row
	require.NoError(t, decodeRows(rows, &many))
	require.Equal(t, []row{{"a"}, {"b"}}, many)
	var one row
	require.NoError(t, decodeRows(rows, &one))
	require.Equal(t, row{"a"}, one)
	require.Error(t, decodeRows(nil, &one))
	var none []row
	require.NoError(t, decodeRows(nil, &none))
	require.Empty(t, none)
}

func FuzzBind(f *testing.F) {
	for _, s := range []string{`{"n":1}`, `{`, `[]`, `{"n":1e400}`, `{"s":"\u0000"}`, `null`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		c := &Context{body: []byte(body)}
		var v struct {
			N int    `json:"n"`
			S string `json:"s"`
		}
		if err := c.Bind(&v); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status() != http.StatusBadRequest {
				t.Fatalf("Bind(%q) = %v, want a 400 *Error", body, err)
			}
		}
	})
}

func TestUIToProto(t *testing.T) {
	t.Parallel()
	pm, err := manifestToProto(Manifest{Name: "x", UI: &UI{
		Assets: fstest.MapFS{
			"index.js":            {Data: []byte("export const pages = {};")},
			"assets/a.css":        {Data: []byte("a{}")},
			".keep":               {},
			".vite/manifest.json": {Data: []byte("{}")},
			"assets/.hidden.js":   {Data: []byte("x")},
		},
		Menu:    []MenuEntry{{Page: "p", Label: Labels{"es": "P", "en": "P"}, Section: "operate", MinRole: RoleCashier}},
		Widgets: []Widget{{Key: "w", Title: Labels{"es": "W", "en": "W"}, MinRole: RoleManager}},
	}})
	require.NoError(t, err)
	var paths []string
	for _, a := range pm.GetUi().GetAssets() {
		paths = append(paths, a.GetPath())
	}
	require.Equal(t, []string{"assets/a.css", "index.js"}, paths, "hidden files and directories are left out")
	require.Equal(t, "export const pages = {};", string(pm.GetUi().GetAssets()[1].GetContent()))
	require.Equal(t, "cashier", pm.GetUi().GetMenu()[0].GetMinRole())
	require.Equal(t, map[string]string{"es": "P", "en": "P"}, pm.GetUi().GetMenu()[0].GetLabel())
	require.Equal(t, "w", pm.GetUi().GetWidgets()[0].GetKey())

	pm, err = manifestToProto(Manifest{Name: "x"})
	require.NoError(t, err)
	require.Nil(t, pm.GetUi(), "no UI declared, none sent")
}
