package e2e

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
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
