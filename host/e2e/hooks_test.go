package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	probevertical "github.com/nexuspos/nexus/internal/testverticals/probe"
)

// lines counts the lines of a file the probe records into, 0 if none.
func lines(t *testing.T, dir, file string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, file))
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(data), "\n")
}

// signed returns the headers of a probe webhook call signed for company
// with secret at time at.
func signed(secret []byte, delivery string, at time.Time, body string) []string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return []string{
		"X-Probe-Delivery", delivery, "X-Probe-Timestamp", ts,
		"X-Probe-Signature", "sha256=" + probevertical.WebhookScheme.Sign(secret, delivery, ts, []byte(body)),
		"Content-Type", "application/json",
	}
}

func notes(t *testing.T, h *hosttest.Host, token string) []any {
	t.Helper()
	return h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes", token, nil).JSON(t)["data"].([]any)
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t), "hello": hello(t)}))
	a, b, c := h.NewTenant("MX", "probe"), h.NewTenant("AR", "probe"), h.NewTenant("MX", "hello")
	hook := func(company string) string { return "/api/v1/hooks/probe/" + company + "/payments" }
	body := `{"body":"payment 1","amount":"120.50"}`
	calls := func() int { return lines(t, h.ProbeDir, "webhook-calls") }

	res := h.Call("POST", hook(a.ID), "", body, signed(probevertical.WebhookSecret(a.ID), "d-1", time.Now(), body)...)
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Equal(t, a.ID, res.JSON(t)["company_id"])
	require.Len(t, notes(t, h, a.Tokens["viewer"]), 1, "the webhook's write committed in company A")
	require.Empty(t, notes(t, h, b.Tokens["viewer"]), "company B sees none of it")

	bad := []struct {
		name    string
		company string
		headers []string
		status  int
		code    string
	}{
		{"replay", a.ID, signed(probevertical.WebhookSecret(a.ID), "d-1", time.Now(), body), http.StatusConflict, "webhook_replayed"},
		{"another company's secret", a.ID, signed(probevertical.WebhookSecret(b.ID), "d-2", time.Now(), body), http.StatusUnauthorized, "invalid_signature"},
		{"no signature", a.ID, []string{"X-Probe-Delivery", "d-3", "X-Probe-Timestamp", strconv.FormatInt(time.Now().Unix(), 10)}, http.StatusUnauthorized, "invalid_signature"},
		{"stale", a.ID, signed(probevertical.WebhookSecret(a.ID), "d-4", time.Now().Add(-10*time.Minute), body), http.StatusUnauthorized, "stale_timestamp"},
	}
	for _, tc := range bad {
		before := calls()
		res := h.Call("POST", hook(tc.company), "", body, tc.headers...)
		require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), tc.name)
		require.Equal(t, before+1, calls(), "%s: the plugin judged it", tc.name)
	}
	require.Len(t, notes(t, h, a.Tokens["viewer"]), 1, "nothing was written by a refused call")

	// A delivery whose handler failed may be retried: the claim is released.
	bodyBad := `{"body":"` + strings.Repeat("x", 1001) + `"}`
	res = h.Call("POST", hook(b.ID), "", bodyBad, signed(probevertical.WebhookSecret(b.ID), "d-5", time.Now(), bodyBad)...)
	require.GreaterOrEqual(t, res.Status, 400, string(res.Body))
	body5 := `{"body":"payment 5"}`
	res = h.Call("POST", hook(b.ID), "", body5, signed(probevertical.WebhookSecret(b.ID), "d-5", time.Now(), body5)...)
	require.Equal(t, http.StatusOK, res.Status, "the retried delivery is served: %s", res.Body)
	require.Len(t, notes(t, h, b.Tokens["viewer"]), 1)

	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
	inactive := h.NewTenant("MX", "probe")
	h.Expect(http.StatusOK, "POST", "/api/v1/companies/"+inactive.ID+"/deactivate", admin, nil)
	before := calls()
	for name, path := range map[string]string{
		"unknown company":         hook(uuid.NewString()),
		"vertical not enabled":    hook(c.ID),
		"inactive company":        hook(inactive.ID),
		"malformed company id":    "/api/v1/hooks/probe/not-a-uuid/payments",
		"unknown vertical":        "/api/v1/hooks/nope/" + a.ID + "/payments",
		"vertical without a hook": "/api/v1/hooks/hello/" + c.ID + "/payments",
		"unknown webhook":         "/api/v1/hooks/probe/" + a.ID + "/refunds",
	} {
		res := h.Call("POST", path, "", body, signed(probevertical.WebhookSecret(a.ID), "d-6", time.Now(), body)...)
		require.Equal(t, http.StatusNotFound, res.Status, "%s: %s", name, res.Body)
		require.Equal(t, "webhook_not_found", res.ErrorCode(), name)
	}
	require.Equal(t, before, calls(), "the plugin was not called for any of them")

	res = h.Call("POST", "/api/v1/hooks/probe/"+a.ID+"/small", "", strings.Repeat("x", 65))
	require.Equal(t, http.StatusRequestEntityTooLarge, res.Status, string(res.Body))
	h.Expect(http.StatusNoContent, "POST", "/api/v1/hooks/probe/"+a.ID+"/small", "", strings.Repeat("x", 64))
}

func TestWebhookRateLimit(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), "NEXUS_RATE_LIMIT_WEBHOOK=2/1h:2")
	a, b := h.NewTenant("MX", "probe"), h.NewTenant("MX", "probe")
	small := func(company string) hosttest.Response {
		return h.Call("POST", "/api/v1/hooks/probe/"+company+"/small", "", "x")
	}
	require.Equal(t, http.StatusNoContent, small(a.ID).Status)
	require.Equal(t, http.StatusNoContent, small(a.ID).Status)
	res := small(a.ID)
	require.Equal(t, http.StatusTooManyRequests, res.Status, string(res.Body))
	require.NotEmpty(t, res.Header.Get("Retry-After"))
	require.Equal(t, http.StatusNoContent, small(b.ID).Status, "each company has its own limit")
}

func TestJobs(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{"probe": probe(t), "hello": hello(t)})
	h := hosttest.Start(t, dir, "NEXUS_JOBS_POLL_INTERVAL=100ms")
	a, b := h.NewTenant("MX", "probe"), h.NewTenant("AR", "probe")
	h.NewTenant("MX", "hello") // no probe: the per-company job skips it
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)

	h.Expect(http.StatusForbidden, "GET", "/api/v1/admin/jobs", a.Tokens["owner"], nil)
	h.Expect(http.StatusNotFound, "POST", "/api/v1/admin/jobs/probe.nope/run", admin, nil)
	h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/probe.tick/run", admin, nil)
	job := func(name string) map[string]any {
		for _, j := range h.Expect(http.StatusOK, "GET", "/api/v1/admin/jobs", admin, nil).JSON(t)["data"].([]any) {
			if j.(map[string]any)["name"] == name {
				return j.(map[string]any)
			}
		}
		t.Fatalf("no job %s", name)
		return nil
	}
	hosttest.Eventually(t, 10*time.Second, "probe.tick ran", func() bool { return job("probe.tick")["runs"] == float64(1) })
	tick := job("probe.tick")
	require.Nil(t, tick["last_error"])
	require.Equal(t, true, tick["per_company"])
	require.Equal(t, "@every 1h", tick["schedule"])
	require.NotNil(t, tick["last_duration_ms"])
	for _, tn := range []hosttest.Tenant{a, b} {
		ns := notes(t, h, tn.Tokens["viewer"])
		require.Len(t, ns, 1, "one note per company that enabled the vertical")
		require.True(t, strings.HasPrefix(ns[0].(map[string]any)["body"].(string), "tick "))
	}
	for _, name := range []string{"host.prune_events", "host.prune_idempotency_keys", "host.prune_refresh_tokens", "host.refresh_reporting_views", "probe.global_tick"} {
		require.Equal(t, name, job(name)["name"])
	}
	// The reporting views' refresh is a host job like the others.
	h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/host.refresh_reporting_views/run", admin, nil)
	hosttest.Eventually(t, 10*time.Second, "the views' refresh ran", func() bool { return job("host.refresh_reporting_views")["runs"] == float64(1) })
	mv := job("host.refresh_reporting_views")
	require.Nil(t, mv["last_error"])
	require.Equal(t, "@every 5m0s", mv["schedule"])
	require.NotEmpty(t, mv["next_run_at"])

	// A second replica on the same database: each activation runs once.
	h2 := hosttest.StartOn(t, h.DatabaseURL, dir, "NEXUS_JOBS_POLL_INTERVAL=100ms")
	conn, err := pgx.Connect(context.Background(), h.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	ticks := func() int { return lines(t, h.ProbeDir, "global-ticks") + lines(t, h2.ProbeDir, "global-ticks") }
	for round := 1; round <= 3; round++ {
		_, err := conn.Exec(context.Background(), `UPDATE scheduled_jobs SET next_run_at = now() WHERE name = 'probe.global_tick'`)
		require.NoError(t, err)
		hosttest.Eventually(t, 10*time.Second, "the global tick ran", func() bool { return ticks() >= round })
		time.Sleep(500 * time.Millisecond) // several polls of both replicas
		require.Equal(t, round, ticks(), "round %d ran once across two replicas", round)
	}
}

func TestOutboundBreakersInVerticals(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer upstream.Close()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a, b := h.NewTenant("MX", "probe"), h.NewTenant("MX", "probe")
	call := func(tn hosttest.Tenant) map[string]any {
		return h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/outbound?url="+url.QueryEscape(upstream.URL+"/x?token=s3cr3t"),
			tn.Tokens["viewer"], nil).JSON(t)
	}
	require.Equal(t, float64(http.StatusBadGateway), call(b)["status"])
	for range 3 {
		require.Equal(t, float64(http.StatusBadGateway), call(a)["status"])
	}
	require.Contains(t, call(a)["error"], "circuit breaker is open")
	require.Equal(t, float64(http.StatusBadGateway), call(b)["status"], "company B's breaker is its own")
	// The vertical reports its breakers when one changes state: A's opening
	// carries B's too, still closed.

	breakers := func(token string) []any {
		for _, v := range h.Expect(http.StatusOK, "GET", "/api/v1/verticals", token, nil).JSON(t)["data"].([]any) {
			if v.(map[string]any)["name"] == "probe" {
				bs, _ := v.(map[string]any)["breakers"].([]any)
				return bs
			}
		}
		return nil
	}
	hosttest.Eventually(t, 5*time.Second, "company A sees its open breaker", func() bool {
		bs := breakers(a.Tokens["viewer"])
		return len(bs) == 1 && bs[0].(map[string]any)["state"] == "open" && bs[0].(map[string]any)["service"] == "upstream"
	})
	bs := breakers(b.Tokens["viewer"])
	require.Len(t, bs, 1, "company B sees only its own breaker")
	require.Equal(t, b.ID, bs[0].(map[string]any)["company_id"])
	require.Equal(t, "closed", bs[0].(map[string]any)["state"])
	require.Len(t, breakers(h.Login(hosttest.AdminEmail, hosttest.AdminPassword)), 2, "a platform admin sees every company's")
	require.NotContains(t, h.Log(), "s3cr3t", "the query's secret is in no log line")
}
