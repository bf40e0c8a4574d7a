package e2e

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

// TestCacheAndLocks runs against Redis when NEXUS_TEST_REDIS_URL (or the
// local default) is given to the host, and in memory otherwise.
func TestCacheAndLocks(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"memory", "redis"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var env []string
			if backend == "redis" {
				env = append(env, "NEXUS_REDIS_URL="+redisURL())
			}
			h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), env...)
			a, b := h.NewTenant("MX", "probe"), h.NewTenant("AR", "probe")
			key := "k-" + a.ID[:8]
			get := func(tn hosttest.Tenant) map[string]any {
				return h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/cache/"+key, tn.Tokens["viewer"], nil).JSON(t)
			}
			first := get(a)
			require.Equal(t, true, first["loaded"])
			require.Equal(t, first["value"], get(a)["value"], "a hit")
			require.Equal(t, false, get(a)["loaded"])
			require.Equal(t, true, get(b)["loaded"], "company B never sees company A's entry")

			res := h.Call("POST", "/api/v1/verticals/probe/cache/"+key+"/invalidate?fail=1", a.Tokens["cashier"], nil)
			require.Equal(t, http.StatusUnprocessableEntity, res.Status)
			require.Equal(t, false, get(a)["loaded"], "a rolled-back request invalidates nothing")
			h.Expect(http.StatusNoContent, "POST", "/api/v1/verticals/probe/cache/"+key+"/invalidate", a.Tokens["cashier"], nil)
			require.Equal(t, true, get(a)["loaded"], "a committed request invalidates")

			statuses := make(chan int, 2)
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses <- h.Call("POST", "/api/v1/verticals/probe/locks/job?ms=700", a.Tokens["cashier"], nil).Status
				}()
			}
			wg.Wait()
			close(statuses)
			got := map[int]int{}
			for s := range statuses {
				got[s]++
			}
			require.Equal(t, map[int]int{http.StatusNoContent: 1, http.StatusConflict: 1}, got, "one holder at a time")
			h.Expect(http.StatusNoContent, "POST", "/api/v1/verticals/probe/locks/job?ms=0", b.Tokens["cashier"], nil)
		})
	}
}

// TestRedisOutage stops Redis under a running host: requests keep working
// (cache bypassed, per-process rate limits), /readyz says degraded, and
// everything recovers when Redis returns.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}),
		"NEXUS_REDIS_URL="+srv.URL, "NEXUS_RATE_LIMIT_AUTHENTICATED=1000/1m")
	a := h.NewTenant("MX", "probe")
	viewer := a.Tokens["viewer"]
	path := "/api/v1/verticals/probe/cache/outage"
	h.Expect(http.StatusOK, "GET", path, viewer, nil)
	require.Equal(t, false, h.Expect(http.StatusOK, "GET", path, viewer, nil).JSON(t)["loaded"])

	srv.Stop(t)
	hosttest.Eventually(t, 5*time.Second, "readyz reports degraded", func() bool {
		res := h.Call("GET", "/readyz", "", nil)
		return res.Status == http.StatusOK && res.JSON(t)["status"] == "degraded"
	})
	for range 5 {
		res := h.Expect(http.StatusOK, "GET", path, viewer, nil)
		require.Equal(t, true, res.JSON(t)["loaded"], "the cache is bypassed, the request still succeeds")
		require.NotEmpty(t, res.Header.Get("RateLimit-Limit"), "per-process rate limiting takes over")
	}
	res := h.Call("POST", "/api/v1/verticals/probe/locks/job", a.Tokens["cashier"], nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Status, "locks fail closed: %s", res.Body)

	srv.Start(t)
	hosttest.Eventually(t, 10*time.Second, "readyz recovers", func() bool {
		return h.Call("GET", "/readyz", "", nil).JSON(t)["status"] == "ready"
	})
	h.Expect(http.StatusOK, "GET", path, viewer, nil)
	hosttest.Eventually(t, 5*time.Second, "the cache serves hits again", func() bool {
		return h.Expect(http.StatusOK, "GET", path, viewer, nil).JSON(t)["loaded"] == false
	})
	h.Expect(http.StatusNoContent, "POST", "/api/v1/verticals/probe/locks/job", a.Tokens["cashier"], nil)
}
