package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/sdk/kind"
)

func hello(t *testing.T) string { return hosttest.Build(t, "github.com/nexuspos/nexus/examples/hello") }

func probe(t *testing.T) string {
	return hosttest.Build(t, "github.com/nexuspos/nexus/internal/testverticals/probe/cmd/nexus-vertical-probe")
}

func TestRoutesRoundTrip(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"hello": hello(t), "probe": probe(t)}),
		"NEXUS_MAX_BODY_BYTES=2048")
	a := h.NewTenant("AR", "hello", "probe")
	b := h.NewTenant("AR", "probe")
	owner, viewer := a.Tokens["owner"], a.Tokens["viewer"]

	res := h.Call(http.MethodGet, "/api/v1/verticals/hello/greetings/Ana?lang=es", viewer, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Equal(t, "Hola, Ana!", res.JSON(t)["message"])

	res = h.Call(http.MethodPost, "/api/v1/verticals/hello/echo", owner, map[string]string{"message": "hi"},
		"X-Request-ID", "req-e2e-1")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	body := res.JSON(t)
	require.Equal(t, "hi", body["message"])
	require.Equal(t, "req-e2e-1", body["request_id"], "the host callback sees the request id")
	require.Equal(t, a.ID, body["company_id"])
	require.Equal(t, "req-e2e-1", res.Header.Get("X-Request-ID"))

	res = h.Call(http.MethodPost, "/api/v1/verticals/probe/echo", viewer, "raw body", "X-Probe", "yes")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	body = res.JSON(t)
	require.Equal(t, "raw body", body["body"])
	require.Equal(t, "yes", body["header"])
	require.Empty(t, body["authorization"], "credentials must not reach plugins")
	require.Equal(t, "probe", body["vertical"])

	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"role below the route's minimum", "GET", "/api/v1/verticals/probe/items/7", viewer, nil, 403, "insufficient_role"},
		{"unknown route in a vertical", "GET", "/api/v1/verticals/probe/nope", viewer, nil, 404, "route_not_found"},
		{"wrong method", "DELETE", "/api/v1/verticals/probe/pid", viewer, nil, 405, "method_not_allowed"},
		{"unknown vertical", "GET", "/api/v1/verticals/nope/x", viewer, nil, 404, "vertical_not_found"},
		{"vertical not enabled for the company", "GET", "/api/v1/verticals/hello/greetings/x", b.Tokens["owner"], nil, 404, "vertical_not_enabled"},
		{"no token", "GET", "/api/v1/verticals/hello/greetings/x", "", nil, 401, "unauthorized"},
		{"body over the limit", "POST", "/api/v1/verticals/probe/echo", viewer, strings.Repeat("x", 4096), 413, "body_too_large"},
		{"bad JSON for the plugin", "POST", "/api/v1/verticals/hello/echo", owner, `{"message":`, 400, "invalid_json"},
		{"unknown field for the plugin", "POST", "/api/v1/verticals/hello/echo", owner, `{"message":"x","y":1}`, 400, "unknown_field"},
		{"handler panic", "GET", "/api/v1/verticals/probe/panic", viewer, nil, 500, "internal"},
	}
	for _, tc := range cases {
		res := h.Call(tc.method, tc.path, tc.token, tc.body)
		require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), tc.name)
		require.NotEmpty(t, res.JSON(t)["request_id"], tc.name)
	}
	// Whatever kind of error a handler returns reaches the client with its
	// kind's status, its code and details; the SDK's validation errors are
	// 422s.
	for _, k := range kind.All() {
		res := h.Call(http.MethodGet, "/api/v1/verticals/probe/fail?kind="+string(k), viewer, nil)
		require.Equal(t, k.Status(), res.Status, string(res.Body))
		require.Equal(t, "probe_"+string(k), res.ErrorCode())
		require.Equal(t, map[string]any{"field": "kind"}, res.JSON(t)["error"].(map[string]any)["details"])
	}
	for validation, code := range map[string]string{"taxid": "invalid_tax_id", "money": "unknown_currency"} {
		res := h.Call(http.MethodGet, "/api/v1/verticals/probe/fail?validation="+validation, viewer, nil)
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
		require.Equal(t, code, res.ErrorCode())
	}
	res = h.Call(http.MethodGet, "/api/v1/verticals/probe/items/7", owner, nil)
	require.Equal(t, http.StatusOK, res.Status, "the plugin survives a handler panic: %s", res.Body)
	require.Equal(t, "7", res.JSON(t)["id"])

	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/pid", viewer, nil)
	hosttest.Eventually(t, 2*time.Second, "plugin stdout and stderr reach the host log", func() bool {
		return strings.Contains(h.Log(), "probe stdout: pid") && strings.Contains(h.Log(), "probe stderr: pid")
	})
	res = h.Call(http.MethodGet, "/api/v1/verticals", viewer, nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, string(res.Body), `"name":"hello"`)
	require.Contains(t, string(res.Body), `"state":"running"`)
	require.Contains(t, string(res.Body), `"next_cursor":null`, "the verticals list has the list envelope")
	res = h.Call(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Contains(t, h.Log(), "nexus.plugins.probe", "plugin logs are tagged with the vertical")
	require.Regexp(t, `nexus\.plugins\.probe: probe echo: request_id=\S+ company_id=`+a.ID+` bytes=8`, h.Log(),
		"a handler's log line reaches the host through the Log callback, tagged by the host")
}

func TestPluginKilledIsRestarted(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("AR", "probe")
	token := a.Tokens["viewer"]
	res := h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	pid := int(res.JSON(t)["pid"].(float64))

	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	killed := time.Now()
	hosttest.Eventually(t, time.Second, "503 vertical_unavailable after kill -9", func() bool {
		res := h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
		return res.Status == http.StatusServiceUnavailable && res.ErrorCode() == "vertical_unavailable"
	})
	hosttest.Eventually(t, 5*time.Second-time.Since(killed), "routes work again after the restart", func() bool {
		res := h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
		return res.Status == http.StatusOK && int(res.JSON(t)["pid"].(float64)) != pid
	})
	res = h.Call(http.MethodGet, "/api/v1/verticals", token, nil)
	require.Contains(t, string(res.Body), `"restarts":1`)
}

func TestBadPluginsAreRefused(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{
		"hello": hello(t), "dupe": probe(t), "badpattern": probe(t), "oldproto": probe(t), "tampered": probe(t),
	})
	lock := ""
	for _, name := range []string{"hello", "dupe", "badpattern", "oldproto"} {
		lock += sha256File(t, filepath.Join(dir, "nexus-vertical-"+name)) + "  nexus-vertical-" + name + "\n"
	}
	lock += strings.Repeat("ab", 32) + "  nexus-vertical-tampered\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins.lock"), []byte(lock), 0o644))

	h := hosttest.Start(t, dir)
	a := h.NewTenant("AR", "hello")
	res := h.Call(http.MethodGet, "/api/v1/verticals/hello/greetings/x", a.Tokens["viewer"], nil)
	require.Equal(t, http.StatusOK, res.Status, "the host serves the good plugin: %s", res.Body)

	res = h.Call(http.MethodGet, "/api/v1/verticals", a.Tokens["viewer"], nil)
	require.Equal(t, http.StatusOK, res.Status)
	states := map[string]map[string]any{}
	for _, v := range res.JSON(t)["data"].([]any) {
		m := v.(map[string]any)
		states[m["name"].(string)] = m
	}
	require.Equal(t, "running", states["hello"]["state"])
	for name, reason := range map[string]string{
		"dupe":       "duplicates route",
		"badpattern": "must start with /",
		"oldproto":   "Plugin version: 99, Client versions: [1]",
		"tampered":   "does not match",
	} {
		require.Equal(t, "refused", states[name]["state"], name)
		require.Contains(t, states[name]["reason"], reason, name)
		require.Contains(t, h.Log(), reason, "the host log explains why %s was refused", name)
	}
	res = h.Call(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Status)
	require.Contains(t, string(res.Body), "vertical:oldproto")
}

func TestSIGTERMDrainsAndStopsPlugins(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{"probe": probe(t), "hello": hello(t)})
	h := hosttest.Start(t, dir)
	a := h.NewTenant("AR", "probe")
	require.Len(t, hosttest.PluginPIDs(dir), 2)

	inflight := make(chan hosttest.Response, 1)
	go func() {
		res, err := h.Do(context.Background(), http.MethodGet, "/api/v1/verticals/probe/slow?ms=1500", a.Tokens["viewer"], nil)
		if err != nil {
			res.Status = -1
		}
		inflight <- res
	}()
	time.Sleep(400 * time.Millisecond)
	require.NoError(t, h.Cmd.Process.Signal(syscall.SIGTERM))
	res := <-inflight
	require.Equal(t, http.StatusOK, res.Status, "the in-flight request completes: %s", res.Body)
	select {
	case <-h.Done:
	case <-time.After(15 * time.Second):
		t.Fatal("host did not exit after SIGTERM")
	}
	require.Empty(t, hosttest.PluginPIDs(dir), "no plugin process survives the host")
}

func TestHostKilledPluginsExit(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{"probe": probe(t), "hello": hello(t)})
	h := hosttest.Start(t, dir)
	require.Len(t, hosttest.PluginPIDs(dir), 2)
	require.NoError(t, h.Cmd.Process.Kill())
	<-h.Done
	took := hosttest.Eventually(t, 5*time.Second, "plugins exit after the host is killed", func() bool {
		return len(hosttest.PluginPIDs(dir)) == 0
	})
	t.Logf("plugins exited %s after kill -9 of the host", took)
}

func TestClientCancelCancelsHandler(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("AR", "probe")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := h.Do(ctx, http.MethodGet, "/api/v1/verticals/probe/slow?ms=20000&tag=gone", a.Tokens["viewer"], nil)
	require.Error(t, err)
	marker := filepath.Join(h.ProbeDir, "cancelled-gone")
	hosttest.Eventually(t, 3*time.Second, "the plugin handler sees the cancellation", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func redisURL() string {
	if u := os.Getenv("NEXUS_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// TestCrashingPluginRecovers runs a plugin that crashes at every start: it
// is marked failed (state, reason and next attempt listed) yet retried with
// backoff capped at NEXUS_PLUGIN_RESTART_MAX_BACKOFF, so once its binary
// works it recovers by itself; a platform admin can restart it at once.
// The metrics show its state and count its restarts.
func TestCrashingPluginRecovers(t *testing.T) {
	t.Parallel()
	metricsAt := metricsAddr(t)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"crasher": probe(t), "hello": hello(t)}),
		"NEXUS_PLUGIN_RESTART_MAX_BACKOFF=4s", "NEXUS_METRICS_ADDR="+metricsAt)
	// gauge reads a series of the crasher's from a scrape of the metrics.
	gauge := func(name, state string) float64 {
		labels := map[string]string{"vertical": "crasher"}
		if state != "" {
			labels["state"] = state
		}
		m := series(scrape(t, metricsAt), name, labels)
		require.NotNil(t, m, "%s%v", name, labels)
		return m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	a := h.NewTenant("AR", "hello")
	owner := a.Tokens["owner"]
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	state := func() map[string]any {
		var list struct{ Data []map[string]any }
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals", owner, nil).Decode(t, &list)
		for _, v := range list.Data {
			if v["name"] == "crasher" {
				return v
			}
		}
		t.Fatal("crasher not listed")
		return nil
	}
	hosttest.Eventually(t, 30*time.Second, "a plugin that keeps crashing is marked failed", func() bool {
		return state()["state"] == "failed"
	})
	failed := state()
	require.Contains(t, failed["reason"], "restarted 5 times within 1m0s")
	next, err := time.Parse(time.RFC3339Nano, failed["next_attempt_at"].(string))
	require.NoError(t, err, "a failed vertical says when it is tried next: %v", failed)
	require.WithinDuration(t, time.Now(), next, 5*time.Second)
	require.Equal(t, http.StatusServiceUnavailable, h.Call(http.MethodGet, "/readyz", "", nil).Status)
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/hello/greetings/x", a.Tokens["viewer"], nil)
	restarts := failed["restarts"].(float64)
	require.Equal(t, 1.0, gauge("nexus_plugin_state", "failed"), "the metrics show the state")
	require.Equal(t, 0.0, gauge("nexus_plugin_state", "running"))
	require.GreaterOrEqual(t, gauge("nexus_plugin_restarts_total", ""), restarts, "and count the restarts")
	hosttest.Eventually(t, 10*time.Second, "a failed plugin is still retried", func() bool {
		return state()["restarts"].(float64) > restarts
	})

	require.NoError(t, os.WriteFile(filepath.Join(h.ProbeDir, "crasher-healthy"), nil, 0o644))
	hosttest.Eventually(t, 15*time.Second, "the plugin recovers by itself once it works", func() bool {
		return state()["state"] == "running"
	})
	require.Nil(t, state()["next_attempt_at"])
	require.Equal(t, 1.0, gauge("nexus_plugin_state", "running"))
	require.Equal(t, 0.0, gauge("nexus_plugin_state", "failed"))
	require.Equal(t, http.StatusOK, h.Call(http.MethodGet, "/readyz", "", nil).Status)
	b := h.NewTenant("AR", "crasher")
	pid := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/crasher/pid", b.Tokens["viewer"], nil).JSON(t)["pid"]

	for _, tc := range []struct {
		token, name string
		status      int
		code        string
	}{
		{b.Tokens["owner"], "crasher", http.StatusForbidden, ""},
		{"", "crasher", http.StatusUnauthorized, "unauthorized"},
		{admin, "nope", http.StatusNotFound, "vertical_not_found"},
	} {
		res := h.Call(http.MethodPost, "/api/v1/admin/verticals/"+tc.name+"/restart", tc.token, nil)
		require.Equal(t, tc.status, res.Status, string(res.Body))
		if tc.code != "" {
			require.Equal(t, tc.code, res.ErrorCode())
		}
	}
	res := h.Expect(http.StatusAccepted, http.MethodPost, "/api/v1/admin/verticals/crasher/restart", admin, nil)
	require.Equal(t, "crasher", res.JSON(t)["name"])
	hosttest.Eventually(t, 10*time.Second, "an admin's restart runs a new process", func() bool {
		res := h.Call(http.MethodGet, "/api/v1/verticals/crasher/pid", b.Tokens["viewer"], nil)
		return res.Status == http.StatusOK && res.JSON(t)["pid"] != pid
	})
}

// TestBadEncodingNeverReachesAPlugin sends invalid UTF-8 in a vertical
// request's path, query and headers: each is a 400 invalid_encoding before
// any plugin call (protobuf strings must be UTF-8), not a 502.
func TestBadEncodingNeverReachesAPlugin(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("AR", "probe")
	owner := a.Tokens["owner"]
	cases := []struct {
		name, path string
		headers    []string
		part       string
	}{
		{"path", "/api/v1/verticals/probe/items/%ff", nil, "path"},
		{"query value", "/api/v1/verticals/probe/pid?q=%C3%28", nil, "query"},
		{"query key", "/api/v1/verticals/probe/pid?%ff=1", nil, "query"},
		{"header value", "/api/v1/verticals/probe/pid", []string{"X-Probe", "caf\xe9"}, "header"},
	}
	for _, tc := range cases {
		res := h.Call(http.MethodGet, tc.path, owner, nil, tc.headers...)
		require.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, "invalid_encoding", res.ErrorCode(), tc.name)
		require.Equal(t, tc.part, res.JSON(t)["error"].(map[string]any)["details"].(map[string]any)["part"], tc.name)
		require.NotEmpty(t, res.JSON(t)["request_id"], tc.name)
	}
	require.NotContains(t, h.Log(), "plugin call failed")
	res := h.Call(http.MethodGet, "/api/v1/verticals/probe/items/caf%C3%A9?q=%C3%A9", owner, nil, "X-Probe", "café")
	require.Equal(t, http.StatusOK, res.Status, "valid UTF-8 still passes: %s", res.Body)
	require.Equal(t, "café", res.JSON(t)["id"])
}

// TestMethodNotAllowedSaysAllow checks that every 405, from a host route or
// a vertical's route, carries Allow with the path's methods.
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("AR", "probe")
	viewer := a.Tokens["viewer"]
	cases := []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/api/v1/auth/login", "POST"},
		{http.MethodPost, "/healthz", "GET"},
		{http.MethodDelete, "/api/v1/verticals/probe/pid", "GET"},
		{http.MethodGet, "/api/v1/verticals/probe/echo", "POST"},
	}
	for _, tc := range cases {
		res := h.Call(tc.method, tc.path, viewer, nil)
		require.Equal(t, http.StatusMethodNotAllowed, res.Status, "%s %s: %s", tc.method, tc.path, res.Body)
		require.Equal(t, "method_not_allowed", res.ErrorCode())
		require.Equal(t, tc.allow, res.Header.Get("Allow"), "%s %s", tc.method, tc.path)
	}
}
