package tenancy

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// TestGate: a request reaches a vertical only with a token of a company
// that enabled it; the access is cached, and enabling or disabling the
// vertical (a change of the company) takes effect on the next request.
func TestGate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gate := NewGate(e.svc, cache.NewMemory(0, hclog.NewNullLogger()), hclog.NewNullLogger())
	c := e.company(t, "Gated")
	adm := e.member(t, c, auth.RoleAdmin)
	request := func(p auth.Principal) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		return r.WithContext(auth.WithPrincipal(r.Context(), p))
	}
	code := func(err error) string {
		t.Helper()
		require.Error(t, err)
		return httpx.AsError(err).Code
	}

	_, err := gate.Check(request(auth.Principal{UserID: adm.UserID}), "cpg")
	require.Equal(t, "company_required", code(err))
	_, err = gate.Check(request(adm), "cpg")
	require.Equal(t, "vertical_not_enabled", code(err))

	path := base + "/" + c.ID.String() + "/verticals/cpg"
	requireStatus(t, e.do(t, &adm, http.MethodPut, path, map[string]any{"stores": 1}), http.StatusOK, "")
	a, err := gate.Check(request(adm), "cpg")
	require.NoError(t, err, "enabling invalidates the cached refusal")
	require.Equal(t, c.ID, a.Company.ID)
	require.JSONEq(t, `{"stores":1}`, string(a.Config))

	requireStatus(t, e.do(t, &adm, http.MethodDelete, path, nil), http.StatusNoContent, "")
	_, err = gate.Check(request(adm), "cpg")
	require.Equal(t, "vertical_not_enabled", code(err), "disabling invalidates the cached access")
}
