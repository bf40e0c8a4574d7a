package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestDatabaseOutage takes the host's own database away — new connections
// refused, open ones terminated, as when PostgreSQL restarts — without
// touching the shared server: host and vertical routes answer 503
// database_unavailable with Retry-After (never 500), and work again once the
// database is back.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("AR", "probe")
	owner := a.Tokens["owner"]
	h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/verticals/probe/notes", owner, map[string]any{"body": "before", "amount": "1.00"})

	u, err := url.Parse(h.DatabaseURL)
	require.NoError(t, err)
	db := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close(ctx) })
	setAllowed := func(allowed bool) {
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+db+" ALLOW_CONNECTIONS "+map[bool]string{true: "true", false: "false"}[allowed]); err != nil {
			t.Fatalf("ALTER DATABASE: %v", err)
		}
	}
	setAllowed(false)
	t.Cleanup(func() { setAllowed(true) })
	_, err = admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
		strings.TrimPrefix(u.Path, "/"))
	require.NoError(t, err)

	cases := []struct {
		name, method, path, token string
		body                      any
	}{
		{"host read", http.MethodGet, "/api/v1/companies", owner, nil},
		{"login", http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": hosttest.AdminEmail, "password": hosttest.AdminPassword}},
		{"vertical read", http.MethodGet, "/api/v1/verticals/probe/notes", owner, nil},
		{"vertical write", http.MethodPost, "/api/v1/verticals/probe/notes", owner, map[string]any{"body": "during", "amount": "1.00"}},
	}
	for _, tc := range cases {
		res := h.Call(tc.method, tc.path, tc.token, tc.body)
		require.Equal(t, http.StatusServiceUnavailable, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, "database_unavailable", res.ErrorCode(), tc.name)
		require.NotEmpty(t, res.Header.Get("Retry-After"), tc.name)
		require.NotEmpty(t, res.JSON(t)["request_id"], tc.name)
	}

	setAllowed(true)
	hosttest.Eventually(t, 10*time.Second, "the host serves again once the database is back", func() bool {
		return h.Call(http.MethodGet, "/api/v1/companies", owner, nil).Status == http.StatusOK
	})
	h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/verticals/probe/notes", owner, map[string]any{"body": "after", "amount": "1.00"})
}
