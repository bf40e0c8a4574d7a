package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestAPIKeyRateLimit: an API key's requests, reads and writes, host and
// vertical routes alike, count against a bucket of its own
// (NEXUS_RATE_LIMIT_API_KEY): past it the key gets 429 rate_limited in the
// error envelope with Retry-After, while another key and the company's
// users keep their own budgets.
func TestAPIKeyRateLimit(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}),
		"NEXUS_RATE_LIMIT_API_KEY=3/1h:3", "NEXUS_RATE_LIMIT_AUTHENTICATED=100/1h", "NEXUS_RATE_LIMIT_WRITE=100/1h")
	a := h.NewTenant("MX", "probe")
	newKey := func(name string) string {
		return h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/companies/"+a.ID+"/api-keys", a.Tokens["admin"],
			map[string]any{"name": name, "role": "manager"}).JSON(t)["key"].(string)
	}
	pos, agent := newKey("Caja 1"), newKey("sync agent")

	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/items/7", pos, nil)
	h.Expect(http.StatusOK, http.MethodPost, "/api/v1/verticals/probe/echo", pos, "x")
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+a.ID, pos, nil)
	for _, req := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/verticals/probe/items/7"},
		{http.MethodPost, "/api/v1/verticals/probe/echo"},
		{http.MethodGet, "/api/v1/companies/" + a.ID},
	} {
		res := h.Call(req.method, req.path, pos, "x")
		require.Equal(t, http.StatusTooManyRequests, res.Status, "%s %s: %s", req.method, req.path, res.Body)
		require.Equal(t, "rate_limited", res.ErrorCode())
		require.NotEmpty(t, res.JSON(t)["request_id"], "the error envelope")
		after, err := strconv.Atoi(res.Header.Get("Retry-After"))
		require.NoError(t, err, "Retry-After %q", res.Header.Get("Retry-After"))
		require.Positive(t, after)
		require.LessOrEqual(t, after, 3600)
	}

	// The other key and the users are not held back by the first key.
	for range 3 {
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/items/7", agent, nil)
	}
	require.Equal(t, http.StatusTooManyRequests, h.Call(http.MethodGet, "/api/v1/verticals/probe/items/7", agent, nil).Status)
	for range 5 {
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/items/7", a.Tokens["manager"], nil)
	}
}
