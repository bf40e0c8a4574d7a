package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var cuitSeq atomic.Int64

// newCUIT returns a fresh valid CUIT (mod-11 check digit).
func newCUIT() string {
	base := fmt.Sprintf("30%08d", 10000000+cuitSeq.Add(1)*7919%89999999)
	weights := []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	for {
		sum := 0
		for i, w := range weights {
			sum += int(base[i]-'0') * w
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check != 10 {
			return fmt.Sprintf("%s%d", base, check)
		}
		base = fmt.Sprintf("30%08d", 10000000+cuitSeq.Add(1)*7919%89999999)
	}
}

func TestRoutesRoundTrip(t *testing.T) {
	t.Parallel()
	h := startHost(t, pluginDir(t, map[string]string{"hello": bin.hello, "probe": bin.probe}),
		"NEXUS_MAX_BODY_BYTES=2048")
	a := h.newTenant(newCUIT(), "hello", "probe")
	b := h.newTenant(newCUIT(), "probe")
	owner, viewer := a.tokens["owner"], a.tokens["viewer"]

	res := h.call(http.MethodGet, "/api/v1/verticals/hello/greetings/Ana?lang=es", viewer, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Equal(t, "Hola, Ana!", res.json(t)["message"])

	res = h.call(http.MethodPost, "/api/v1/verticals/hello/echo", owner, map[string]string{"message": "hi"},
		"X-Request-ID", "req-e2e-1")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	body := res.json(t)
	require.Equal(t, "hi", body["message"])
	require.Equal(t, "req-e2e-1", body["request_id"], "the host callback sees the request id")
	require.Equal(t, a.id, body["company_id"])
	require.Equal(t, "req-e2e-1", res.Header.Get("X-Request-ID"))

	res = h.call(http.MethodPost, "/api/v1/verticals/probe/echo", viewer, "raw body", "X-Probe", "yes")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	body = res.json(t)
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
		{"vertical not enabled for the company", "GET", "/api/v1/verticals/hello/greetings/x", b.tokens["owner"], nil, 404, "vertical_not_enabled"},
		{"no token", "GET", "/api/v1/verticals/hello/greetings/x", "", nil, 401, "unauthorized"},
		{"body over the limit", "POST", "/api/v1/verticals/probe/echo", viewer, strings.Repeat("x", 4096), 413, "body_too_large"},
		{"bad JSON for the plugin", "POST", "/api/v1/verticals/hello/echo", owner, `{"message":`, 400, "invalid_json"},
		{"unknown field for the plugin", "POST", "/api/v1/verticals/hello/echo", owner, `{"message":"x","y":1}`, 400, "unknown_field"},
		{"handler panic", "GET", "/api/v1/verticals/probe/panic", viewer, nil, 500, "internal"},
	}
	for _, tc := range cases {
		res := h.call(tc.method, tc.path, tc.token, tc.body)
		require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, tc.code, res.errorCode(), tc.name)
		require.NotEmpty(t, res.json(t)["request_id"], tc.name)
	}
	res = h.call(http.MethodGet, "/api/v1/verticals/probe/items/7", owner, nil)
	require.Equal(t, http.StatusOK, res.Status, "the plugin survives a handler panic: %s", res.Body)
	require.Equal(t, "7", res.json(t)["id"])

	res = h.call(http.MethodGet, "/api/v1/verticals", viewer, nil)
	require.Equal(t, http.StatusOK, res.Status)
	require.Contains(t, string(res.Body), `"name":"hello"`)
	require.Contains(t, string(res.Body), `"state":"running"`)
	res = h.call(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Contains(t, h.log.String(), "nexus.plugins.probe", "plugin logs are tagged with the vertical")
}

func TestPluginKilledIsRestarted(t *testing.T) {
	t.Parallel()
	h := startHost(t, pluginDir(t, map[string]string{"probe": bin.probe}))
	a := h.newTenant(newCUIT(), "probe")
	token := a.tokens["viewer"]
	res := h.call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	pid := int(res.json(t)["pid"].(float64))

	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	killed := time.Now()
	eventually(t, time.Second, "503 vertical_unavailable after kill -9", func() bool {
		res := h.call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
		return res.Status == http.StatusServiceUnavailable && res.errorCode() == "vertical_unavailable"
	})
	eventually(t, 5*time.Second-time.Since(killed), "routes work again after the restart", func() bool {
		res := h.call(http.MethodGet, "/api/v1/verticals/probe/pid", token, nil)
		return res.Status == http.StatusOK && int(res.json(t)["pid"].(float64)) != pid
	})
	res = h.call(http.MethodGet, "/api/v1/verticals", token, nil)
	require.Contains(t, string(res.Body), `"restarts":1`)
}

func TestBadPluginsAreRefused(t *testing.T) {
	t.Parallel()
	dir := pluginDir(t, map[string]string{
		"hello": bin.hello, "dupe": bin.probe, "badpattern": bin.probe, "oldproto": bin.probe, "tampered": bin.probe,
	})
	lock := ""
	for _, name := range []string{"hello", "dupe", "badpattern", "oldproto"} {
		lock += sha256File(t, filepath.Join(dir, "nexus-vertical-"+name)) + "  nexus-vertical-" + name + "\n"
	}
	lock += strings.Repeat("ab", 32) + "  nexus-vertical-tampered\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "plugins.lock"), []byte(lock), 0o644))

	h := startHost(t, dir)
	a := h.newTenant(newCUIT(), "hello")
	res := h.call(http.MethodGet, "/api/v1/verticals/hello/greetings/x", a.tokens["viewer"], nil)
	require.Equal(t, http.StatusOK, res.Status, "the host serves the good plugin: %s", res.Body)

	res = h.call(http.MethodGet, "/api/v1/verticals", a.tokens["viewer"], nil)
	require.Equal(t, http.StatusOK, res.Status)
	states := map[string]map[string]any{}
	for _, v := range res.json(t)["data"].([]any) {
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
		require.Contains(t, h.log.String(), reason, "the host log explains why %s was refused", name)
	}
	res = h.call(http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, res.Status)
	require.Contains(t, string(res.Body), "vertical:oldproto")
}

func TestSIGTERMDrainsAndStopsPlugins(t *testing.T) {
	t.Parallel()
	dir := pluginDir(t, map[string]string{"probe": bin.probe, "hello": bin.hello})
	h := startHost(t, dir)
	a := h.newTenant(newCUIT(), "probe")
	require.Len(t, pluginPIDs(dir), 2)

	inflight := make(chan response, 1)
	go func() {
		res, err := h.do(context.Background(), http.MethodGet, "/api/v1/verticals/probe/slow?ms=1500", a.tokens["viewer"], nil)
		if err != nil {
			res.Status = -1
		}
		inflight <- res
	}()
	time.Sleep(400 * time.Millisecond)
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGTERM))
	res := <-inflight
	require.Equal(t, http.StatusOK, res.Status, "the in-flight request completes: %s", res.Body)
	select {
	case <-h.done:
	case <-time.After(15 * time.Second):
		t.Fatal("host did not exit after SIGTERM")
	}
	require.Empty(t, pluginPIDs(dir), "no plugin process survives the host")
}

func TestHostKilledPluginsExit(t *testing.T) {
	t.Parallel()
	dir := pluginDir(t, map[string]string{"probe": bin.probe, "hello": bin.hello})
	h := startHost(t, dir)
	require.Len(t, pluginPIDs(dir), 2)
	require.NoError(t, h.cmd.Process.Kill())
	<-h.done
	took := eventually(t, 5*time.Second, "plugins exit after the host is killed", func() bool {
		return len(pluginPIDs(dir)) == 0
	})
	t.Logf("plugins exited %s after kill -9 of the host", took)
}

func TestClientCancelCancelsHandler(t *testing.T) {
	t.Parallel()
	h := startHost(t, pluginDir(t, map[string]string{"probe": bin.probe}))
	a := h.newTenant(newCUIT(), "probe")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := h.do(ctx, http.MethodGet, "/api/v1/verticals/probe/slow?ms=20000&tag=gone", a.tokens["viewer"], nil)
	require.Error(t, err)
	marker := filepath.Join(h.probeDir, "cancelled-gone")
	eventually(t, 3*time.Second, "the plugin handler sees the cancellation", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
}
