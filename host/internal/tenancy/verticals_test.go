package tenancy

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/envelope"
)

func TestVerticalLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Abarrotes")
	adm := e.member(t, c, auth.RoleAdmin)
	path := base + "/" + c.ID.String() + "/verticals"

	// Enable.
	rec := e.do(t, &adm, http.MethodPut, path+"/cpg", map[string]any{"stores": 2, "negative_stock": false})
	requireStatus(t, rec, http.StatusOK, "")
	v := decode[Vertical](t, rec)
	require.Equal(t, "cpg", v.Name)
	require.True(t, v.Enabled)
	require.JSONEq(t, `{"stores":2,"negative_stock":false}`, string(v.Config))
	require.NotNil(t, v.EnabledAt)
	require.Nil(t, v.DisabledAt)
	firstEnabled := *v.EnabledAt
	calls := e.verticals.callsFor(c.ID)
	require.Len(t, calls, 1)
	require.Equal(t, "cpg", calls[0].name)
	on, err := e.svc.IsEnabled(ctx, c.ID, "cpg")
	require.NoError(t, err)
	require.True(t, on)

	// Reconfigure: config replaced, enabled_at kept.
	rec = e.do(t, &adm, http.MethodPut, path+"/cpg", map[string]any{"stores": 3})
	requireStatus(t, rec, http.StatusOK, "")
	v = decode[Vertical](t, rec)
	require.JSONEq(t, `{"stores":3}`, string(v.Config))
	require.True(t, firstEnabled.Equal(*v.EnabledAt))

	// A config the vertical refuses: 422 with its messages, nothing stored.
	rec = e.do(t, &adm, http.MethodPut, path+"/cpg", map[string]any{"stores": 4, "reject": "stores must be at most 3"})
	requireStatus(t, rec, http.StatusUnprocessableEntity, "invalid_config")
	env := decode[envelope.Envelope](t, rec)
	require.Equal(t, []any{"stores must be at most 3"}, env.Error.Details["errors"])
	list := e.listVerticals(t, adm, path)
	require.Len(t, list, 1)
	require.JSONEq(t, `{"stores":3}`, string(list[0].Config))

	// Disable keeps the config; disabling again is a no-op.
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/cpg", nil), http.StatusNoContent, "")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/cpg", nil), http.StatusNoContent, "")
	on, err = e.svc.IsEnabled(ctx, c.ID, "cpg")
	require.NoError(t, err)
	require.False(t, on)
	list = e.listVerticals(t, adm, path)
	require.Len(t, list, 1)
	require.False(t, list[0].Enabled)
	require.NotNil(t, list[0].DisabledAt)
	require.JSONEq(t, `{"stores":3}`, string(list[0].Config))

	// Re-enable.
	rec = e.do(t, &adm, http.MethodPut, path+"/cpg", raw(` {"stores": 3} `))
	requireStatus(t, rec, http.StatusOK, "")
	v = decode[Vertical](t, rec)
	require.True(t, v.Enabled)
	require.Nil(t, v.DisabledAt)
	require.True(t, v.EnabledAt.After(firstEnabled))
}

func TestVerticalRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := platformAdmin()
	c := e.company(t, "Kiosco")
	adm := e.member(t, c, auth.RoleAdmin)
	manager := e.member(t, c, auth.RoleManager)
	path := base + "/" + c.ID.String() + "/verticals/"

	tests := []struct {
		name   string
		who    auth.Principal
		method string
		vert   string
		body   any
		status int
		code   string
	}{
		{"plugin refuses the config", adm, http.MethodPut, "hello", map[string]any{"reject": "greeting is required"}, 422, "invalid_config"},
		{"plugin not running", adm, http.MethodPut, "down", map[string]any{}, 503, "vertical_unavailable"},
		{"unknown vertical", adm, http.MethodPut, "payroll", map[string]any{}, 404, "vertical_not_found"},
		{"config is an array", adm, http.MethodPut, "hello", raw(`[1,2]`), 400, "invalid_json"},
		{"config is a string", adm, http.MethodPut, "hello", raw(`"on"`), 400, "invalid_json"},
		{"config is null", adm, http.MethodPut, "hello", raw(`null`), 400, "invalid_json"},
		{"no config", adm, http.MethodPut, "hello", raw(``), 400, "invalid_json"},
		{"malformed config", adm, http.MethodPut, "hello", raw(`{"a":`), 400, "invalid_json"},
		{"trailing data", adm, http.MethodPut, "hello", raw(`{} {}`), 400, "invalid_json"},
		{"manager may not enable", manager, http.MethodPut, "hello", map[string]any{}, 403, "insufficient_role"},
		{"manager may not disable", manager, http.MethodDelete, "hello", nil, 403, "insufficient_role"},
		{"disable unknown vertical", adm, http.MethodDelete, "payroll", nil, 404, "vertical_not_found"},
	}
	t.Run("refusals", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				requireStatus(t, e.do(t, &tt.who, tt.method, path+tt.vert, tt.body), tt.status, tt.code)
			})
		}
	})
	// Every refusal failed before storing anything.
	require.Zero(t, e.count(t, `SELECT count(*) FROM company_verticals WHERE company_id = $1`, c.ID))

	t.Run("unknown company", func(t *testing.T) {
		t.Parallel()
		other := base + "/" + uuid.NewString() + "/verticals"
		requireStatus(t, e.do(t, &admin, http.MethodPut, other+"/hello", map[string]any{}), 404, "company_not_found")
		requireStatus(t, e.do(t, &admin, http.MethodDelete, other+"/hello", nil), 404, "company_not_found")
		requireStatus(t, e.do(t, &admin, http.MethodGet, other, nil), 404, "company_not_found")
	})
	t.Run("disabling an installed vertical never enabled is a no-op", func(t *testing.T) {
		t.Parallel()
		fresh := e.company(t, "Fresh")
		requireStatus(t, e.do(t, &admin, http.MethodDelete, base+"/"+fresh.ID.String()+"/verticals/hello", nil), 204, "")
		require.Zero(t, e.count(t, `SELECT count(*) FROM company_verticals WHERE company_id = $1`, fresh.ID))
	})
	t.Run("platform admin enables for any company", func(t *testing.T) {
		t.Parallel()
		fresh := e.company(t, "Fresh 2")
		requireStatus(t, e.do(t, &admin, http.MethodPut, base+"/"+fresh.ID.String()+"/verticals/hello", map[string]any{"greeting": "hola"}), 200, "")
		on, err := e.svc.IsEnabled(context.Background(), fresh.ID, "hello")
		require.NoError(t, err)
		require.True(t, on)
	})
	t.Run("service without a plugin runtime knows no vertical", func(t *testing.T) {
		t.Parallel()
		s := NewService(e.pool, nil, nil)
		_, err := s.EnableVertical(context.Background(), c.ID, "cpg", json.RawMessage(`{}`))
		require.Equal(t, "vertical_not_found", httpx.AsError(err).Code)
	})
}

func (e *env) listVerticals(t *testing.T, p auth.Principal, path string) []Vertical {
	t.Helper()
	rec := e.do(t, &p, http.MethodGet, path, nil)
	requireStatus(t, rec, http.StatusOK, "")
	page := decode[httpx.Page[Vertical]](t, rec)
	require.Nil(t, page.NextCursor)
	return page.Data
}
