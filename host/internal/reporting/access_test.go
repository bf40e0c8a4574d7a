package reporting

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// member is a caller with role in company.
func member(company uuid.UUID, role auth.Role) *auth.Principal {
	return &auth.Principal{UserID: uuid.New(), CompanyID: company, Role: role}
}

// TestCompanyRefresh: a company's owner and admin may refresh the views
// on demand, once a minute per company across replicas (two Services on
// one Redis limiter); lesser roles may not; another company is not limited
// by the first; platform admins are not limited.
func TestCompanyRefresh(t *testing.T) {
	t.Parallel()
	client := redistest.Client(t)
	prefix := redistest.Prefix()
	redistest.CleanupKeys(t, client, prefix+"*")
	limiter := ratelimit.NewRedis(client, prefix)
	e := newEnv(t, func(c *Config) { c.Limiter = limiter })
	e.setSources()
	replica := e.newService(e.pool, func(c *Config) { c.Limiter = limiter })
	refreshes := func() int { return e.logCount(TriggerManual, true) }

	for _, role := range []auth.Role{auth.RoleViewer, auth.RoleCashier, auth.RoleManager} {
		w := e.serve(e.svc, member(e.a, role), http.MethodPost, "/mv/refresh?force=true")
		require.Equal(t, http.StatusForbidden, w.Code, "%s: %s", role, w.Body)
		require.Contains(t, w.Body.String(), `"insufficient_role"`)
	}
	require.Zero(t, refreshes(), "refused requests refresh nothing")

	w := e.serve(e.svc, member(e.a, auth.RoleOwner), http.MethodPost, "/mv/refresh?force=true")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `"refreshed":true`)
	require.Equal(t, 1, refreshes())

	// The same company again within the minute, on another replica and as
	// another of its admins: 429 with Retry-After, nothing refreshed.
	w = e.serve(replica, member(e.a, auth.RoleAdmin), http.MethodPost, "/mv/refresh?force=true")
	require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `"rate_limited"`)
	retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", w.Header().Get("Retry-After"))
	require.True(t, retry >= 1 && retry <= 60, "Retry-After %d", retry)
	require.Equal(t, 1, refreshes())

	// Bad input is refused before it spends anything.
	w = e.serve(replica, member(e.b, auth.RoleAdmin), http.MethodPost, "/mv/refresh?force=maybe")
	require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())

	// Company B is not limited by A; platform admins are not limited.
	w = e.serve(replica, member(e.b, auth.RoleAdmin), http.MethodPost, "/mv/refresh?force=true")
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, 2, refreshes())
	for range 2 {
		w = e.serve(replica, &admin, http.MethodPost, "/mv/refresh?force=true")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	require.Equal(t, 4, refreshes())
}

// TestHealthBySLA: the views are stale once older than Config.SLA, set
// apart from the refresh interval.
func TestHealthBySLA(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Interval, c.SLA = time.Hour, 10*time.Minute })
	e.setSources()
	e.clock.Advance(10 * time.Minute)
	code, body := e.call(viewerOf(e.a), http.MethodGet, "/mv/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, StatusFresh, body["status"])
	require.EqualValues(t, 600, body["sla_seconds"])
	e.clock.Advance(time.Second)
	code, body = e.call(viewerOf(e.a), http.MethodGet, "/mv/health")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, StatusStale, body["status"], "601 s old against an SLA of 600 s, well inside the interval")
}
