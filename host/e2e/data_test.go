package e2e

import (
	"context"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/migrate"
)

// dataHost starts a host serving the probe vertical and returns it with two
// tenants that enabled it.
func dataHost(t *testing.T) (*hosttest.Host, hosttest.Tenant, hosttest.Tenant) {
	t.Helper()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	return h, h.NewTenant("MX", "probe"), h.NewTenant("AR", "probe")
}

func countNotes(t *testing.T, h *hosttest.Host) int {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), h.DatabaseURL)
	require.NoError(t, err)
	defer pool.Close()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM probe.notes").Scan(&n))
	return n
}

func TestDataThroughThePlugin(t *testing.T) {
	t.Parallel()
	h, a, b := dataHost(t)
	cashier := a.Tokens["cashier"]

	res := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", cashier, map[string]string{"body": "first", "amount": "12.50"})
	n := res.JSON(t)
	require.Equal(t, "12.5", n["amount"], "decimals travel exactly")
	id := n["id"].(string)
	require.EqualValues(t, 1, n["version"])

	res = h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes/"+id, a.Tokens["viewer"], nil)
	require.Equal(t, "first", res.JSON(t)["body"])

	t.Run("tenant isolation", func(t *testing.T) {
		other := b.Tokens["owner"]
		h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", other, map[string]string{"body": "b's", "amount": "1"})
		require.Equal(t, http.StatusNotFound, h.Call("GET", "/api/v1/verticals/probe/notes/"+id, other, nil).Status)
		require.Equal(t, http.StatusNotFound, h.Call("PATCH", "/api/v1/verticals/probe/notes/"+id, other, map[string]any{"body": "x", "version": 1}).Status)
		require.Equal(t, http.StatusNotFound, h.Call("POST", "/api/v1/verticals/probe/notes/"+id+"/close", other, nil).Status)
		var list struct{ Data []map[string]any }
		h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes", other, nil).Decode(t, &list)
		require.Len(t, list.Data, 1)
		require.Equal(t, "b's", list.Data[0]["body"])
		h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes/raw", other, nil).Decode(t, &list)
		require.Len(t, list.Data, 1, "row-level security confines a query without a company filter")
		h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes/raw", cashier, nil).Decode(t, &list)
		require.Len(t, list.Data, 1)
		require.Equal(t, "first", list.Data[0]["body"])
	})

	t.Run("optimistic concurrency", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make(chan int, 2)
		for _, body := range []string{"one", "two"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- h.Call("PATCH", "/api/v1/verticals/probe/notes/"+id, cashier, map[string]any{"body": body, "version": 1}).Status
			}()
		}
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		require.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: 1}, got)
		res := h.Call("PATCH", "/api/v1/verticals/probe/notes/"+id, cashier, map[string]any{"body": "three", "version": 1})
		require.Equal(t, "version_conflict", res.ErrorCode())
		require.NotContains(t, string(res.Body), `"table"`, "details name no internals: %s", res.Body)
		require.NotContains(t, string(res.Body), `"op"`, "details name no internals: %s", res.Body)
		require.Contains(t, string(res.Body), `"current_version":2`)
	})

	t.Run("state machine", func(t *testing.T) {
		res := h.Call("POST", "/api/v1/verticals/probe/notes/"+id+"/close", cashier, nil)
		require.Equal(t, http.StatusForbidden, res.Status, "the route needs a manager: %s", res.Body)
		res = h.Expect(http.StatusOK, "POST", "/api/v1/verticals/probe/notes/"+id+"/close", a.Tokens["manager"], nil)
		require.Equal(t, "closed", res.JSON(t)["status"])
		res = h.Call("POST", "/api/v1/verticals/probe/notes/"+id+"/close", a.Tokens["manager"], nil)
		require.Equal(t, http.StatusConflict, res.Status, string(res.Body))
		require.Equal(t, "invalid_transition", res.ErrorCode())
		res = h.Call("PATCH", "/api/v1/verticals/probe/notes/"+id, cashier, map[string]any{"body": "x", "version": 99})
		require.Equal(t, http.StatusConflict, res.Status)
	})

	t.Run("bad input", func(t *testing.T) {
		before := countNotes(t, h)
		for name, body := range map[string]any{
			"not a number":    `{"body":"x","amount":"abc"}`,
			"too many digits": `{"body":"x","amount":"12345678901234567890"}`,
			"check violation": map[string]string{"body": string(make([]byte, 1001)), "amount": "1"},
			"unknown field":   `{"body":"x","amount":"1","company_id":"x"}`,
			"malformed":       `{"body":`,
		} {
			res := h.Call("POST", "/api/v1/verticals/probe/notes", cashier, body)
			require.True(t, res.Status >= 400 && res.Status < 500, "%s: %d %s", name, res.Status, res.Body)
			require.NotEmpty(t, res.ErrorCode(), name)
		}
		res := h.Call("GET", "/api/v1/verticals/probe/notes/not-a-uuid", cashier, nil)
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.Equal(t, "invalid_id", res.ErrorCode())
		require.Equal(t, before, countNotes(t, h), "nothing written")
	})
}

func TestFailedRequestsLeaveNothing(t *testing.T) {
	t.Parallel()
	h, a, _ := dataHost(t)
	cashier := a.Tokens["cashier"]
	res := h.Call("POST", "/api/v1/verticals/probe/notes/fail", cashier, map[string]string{"body": "doomed", "amount": "1"})
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
	require.Equal(t, 0, countNotes(t, h), "a handler that writes and then fails leaves nothing")

	done := make(chan hosttest.Response, 1)
	go func() {
		done <- h.Call("POST", "/api/v1/verticals/probe/notes/slow?ms=5000", cashier, map[string]string{"body": "killed", "amount": "1"})
	}()
	var pid int
	hosttest.Eventually(t, 3*time.Second, "the slow request reaches the plugin", func() bool {
		pids := hosttest.PluginPIDs(h.PluginDir)
		if len(pids) == 1 {
			pid = pids[0]
		}
		return pid != 0
	})
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	res = <-done
	require.Equal(t, http.StatusServiceUnavailable, res.Status, string(res.Body))
	require.Equal(t, 0, countNotes(t, h), "a plugin killed mid-request leaves nothing")
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	h, a, b := dataHost(t)
	cashier := a.Tokens["cashier"]
	body := map[string]string{"body": "once", "amount": "3.10"}
	first := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", cashier, body, "Idempotency-Key", "k-1")
	again := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", cashier, body, "Idempotency-Key", "k-1")
	require.JSONEq(t, string(first.Body), string(again.Body))
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	require.Equal(t, 1, countNotes(t, h))

	res := h.Call("POST", "/api/v1/verticals/probe/notes", cashier, map[string]string{"body": "other", "amount": "1"}, "Idempotency-Key", "k-1")
	require.Equal(t, http.StatusConflict, res.Status)
	require.Equal(t, "idempotency_key_reused", res.ErrorCode())

	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", b.Tokens["cashier"], body, "Idempotency-Key", "k-1")
	require.Equal(t, 2, countNotes(t, h), "keys are per company")

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", cashier, body, "Idempotency-Key", "k-concurrent")
		}()
	}
	wg.Wait()
	require.Equal(t, 3, countNotes(t, h), "concurrent retries run once")
}

func TestEveryTenantTableHasRLS(t *testing.T) {
	t.Parallel()
	h, _, _ := dataHost(t)
	pool, err := pgxpool.New(context.Background(), h.DatabaseURL)
	require.NoError(t, err)
	defer pool.Close()
	missing, err := migrate.TablesWithoutRLS(context.Background(), pool)
	require.NoError(t, err)
	require.Empty(t, missing)
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'probe' AND c.relname = 'notes' AND c.relrowsecurity AND c.relforcerowsecurity`).Scan(&n))
	require.Equal(t, 1, n, "the plugin's table is covered")
}
