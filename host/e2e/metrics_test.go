package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/metrics"
)

// scrape reads the host's /metrics.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return fams
}

// labelNames are the sorted label names of m.
func labelNames(m *dto.Metric) []string {
	var out []string
	for _, l := range m.GetLabel() {
		out = append(out, l.GetName())
	}
	slices.Sort(out)
	return out
}

// metricsAddr returns a free loopback address for NEXUS_METRICS_ADDR.
func metricsAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// series returns the series of fams' family name whose labels include
// labels, nil when there is none.
func series(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	for _, m := range fams[name].GetMetric() {
		ok := true
		for _, l := range m.GetLabel() {
			if v, named := labels[l.GetName()]; named && v != l.GetValue() {
				ok = false
			}
		}
		if ok {
			return m
		}
	}
	return nil
}

// TestMetrics drives a real host on RabbitMQ and Redis (routes, a failing
// plugin route, events, one of them poison, jobs, one of them failing, a
// refresh, requests past each rate limit, open and closed breakers) and
// scrapes its metrics listener: every family of metrics.Families is there
// with exactly its labels, no other nexus_ family is, no label names a
// company, user or tenant, and routes are templates, never raw paths; each
// counter reads what was driven. Then the plugin is killed: its restart
// shows. The public router does not serve /metrics. Before the kill, a
// real Prometheus scrapes the host with the repository's configuration and
// runs the Grafana dashboard's queries (checkPrometheus).
func TestMetrics(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer upstream.Close()
	addr := metricsAddr(t)
	// A Redis of the test's own: the per-IP buckets are not shared with
	// other tests' hosts.
	redis := redistest.StartServer(t)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), "NEXUS_METRICS_ADDR="+addr,
		"NEXUS_AMQP_URL="+amqpURL(), "NEXUS_REDIS_URL="+redis.URL,
		"NEXUS_RATE_LIMIT_AUTHENTICATED=20/1h:20", "NEXUS_RATE_LIMIT_API_KEY=1/1h:1", "NEXUS_RATE_LIMIT_WEBHOOK=1/1h:1",
		"NEXUS_RATE_LIMIT_LOGIN_EMAIL=3/1h:3")
	a, b := h.NewTenant("MX", "probe"), h.NewTenant("MX", "probe")
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)

	note := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event", a.Tokens["cashier"],
		map[string]string{"body": "x", "amount": "1"}).JSON(t)
	noteID := note["id"].(string)
	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event?topic=probe.note.poison", a.Tokens["cashier"],
		map[string]string{"body": "poison", "amount": "1"})
	h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes/"+noteID, a.Tokens["viewer"], nil)
	h.Expect(http.StatusNotFound, "GET", "/api/v1/verticals/probe/no/such/route", a.Tokens["viewer"], nil)
	h.Expect(http.StatusNotFound, "POST", "/no/such/path/"+noteID, "", nil)
	require.NotContains(t, string(h.Call("GET", "/metrics", "", nil).Body), "nexus_http_request_duration_seconds",
		"the public router does not serve the metrics")
	outbound := "/api/v1/verticals/probe/outbound?url=" + url.QueryEscape(upstream.URL)
	// One failure leaves B's breaker closed; the vertical reports it with
	// A's when A's opens.
	h.Expect(http.StatusOK, "GET", outbound, b.Tokens["viewer"], nil)
	for range 3 {
		h.Expect(http.StatusOK, "GET", outbound, a.Tokens["viewer"], nil)
	}
	h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/probe.tick/run", admin, nil)
	h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/probe.broken/run", admin, nil)
	h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", a.Tokens["owner"], nil)
	h.Expect(http.StatusTooManyRequests, "POST", "/api/v1/mv/refresh?force=true", a.Tokens["owner"], nil)

	// One refusal in each rate-limit scope.
	for range 20 {
		h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes", b.Tokens["owner"], nil)
	}
	h.Expect(http.StatusTooManyRequests, "GET", "/api/v1/verticals/probe/notes", b.Tokens["owner"], nil)
	key := h.Expect(http.StatusCreated, "POST", "/api/v1/companies/"+b.ID+"/api-keys", b.Tokens["admin"],
		map[string]any{"name": "Caja 1", "role": "viewer"}).JSON(t)["key"].(string)
	h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes", key, nil)
	h.Expect(http.StatusTooManyRequests, "GET", "/api/v1/verticals/probe/notes", key, nil)
	require.Equal(t, http.StatusNoContent, h.Call("POST", "/api/v1/hooks/probe/"+a.ID+"/small", "", "x").Status)
	require.Equal(t, http.StatusTooManyRequests, h.Call("POST", "/api/v1/hooks/probe/"+a.ID+"/small", "", "x").Status)
	stranger := map[string]string{"email": "stranger-" + a.ID[:8] + "@example.com", "password": "not-the-password"}
	for range 3 {
		h.Expect(http.StatusUnauthorized, "POST", "/api/v1/auth/login", "", stranger)
	}
	h.Expect(http.StatusTooManyRequests, "POST", "/api/v1/auth/login", "", stranger)

	var fams map[string]*dto.MetricFamily
	value := func(name string, labels map[string]string) float64 {
		m := series(fams, name, labels)
		if m == nil {
			return -1
		}
		return m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	// The poison event is parked after its three retries (1 s, 4 s, 9 s).
	hosttest.Eventually(t, 30*time.Second, "the events, the jobs and the breakers show in the metrics", func() bool {
		fams = scrape(t, addr)
		return value("nexus_event_deliveries_total", map[string]string{"subscription": "probe.notes", "outcome": "dead_lettered"}) == 1 &&
			value("nexus_event_deliveries_total", map[string]string{"subscription": "probe.notes", "outcome": "delivered"}) == 1 &&
			value("nexus_job_runs_total", map[string]string{"job": "probe.tick", "outcome": "ok"}) == 1 &&
			value("nexus_job_runs_total", map[string]string{"job": "probe.broken", "outcome": "error"}) == 1 &&
			value("nexus_breakers", map[string]string{"vertical": "probe", "service": "upstream", "state": "open"}) == 1
	})

	want := map[string]metrics.Family{}
	for _, f := range metrics.Families() {
		want[f.Name] = f
	}
	for name, f := range want {
		fam := fams[name]
		require.NotNil(t, fam, "family %s is exported", name)
		require.Equal(t, f.Type, strings.ToLower(fam.GetType().String()), name)
		labels := slices.Sorted(slices.Values(f.Labels))
		for _, m := range fam.GetMetric() {
			require.Equal(t, labels, labelNames(m), "labels of %s", name)
		}
	}
	for name, fam := range fams {
		if strings.HasPrefix(name, "nexus_") && !strings.HasPrefix(name, "nexus_process_") {
			require.Contains(t, want, name, "every nexus_ family is listed in metrics.Families")
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, bad := range []string{"company", "user", "tenant"} {
					require.NotContains(t, strings.ToLower(l.GetName()), bad, "%s has a %s label", name, bad)
				}
				for _, id := range []string{a.ID, b.ID, noteID} {
					require.NotContains(t, l.GetValue(), id, "%s labels a company id or a raw path", name)
				}
			}
		}
	}

	count := func(name string, labels map[string]string) uint64 {
		m := series(fams, name, labels)
		require.NotNil(t, m, "a series %s%v", name, labels)
		return m.GetHistogram().GetSampleCount()
	}
	require.EqualValues(t, 1, count("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/probe/notes/{id}", "method": "GET", "status": "200"}))
	require.EqualValues(t, 2, count("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/probe/notes/event", "method": "POST", "status": "201"}))
	require.EqualValues(t, 1, count("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/{vertical}/*", "method": "GET", "status": "404"}),
		"a route the vertical does not have keeps the host's template")
	require.EqualValues(t, 1, count("nexus_http_request_duration_seconds",
		map[string]string{"route": "unmatched", "method": "POST", "status": "404"}))
	require.GreaterOrEqual(t, count("nexus_plugin_call_duration_seconds",
		map[string]string{"vertical": "probe", "method": "HandleRoute", "code": "OK"}), uint64(5))
	require.EqualValues(t, 1, count("nexus_event_consumer_lag_seconds", map[string]string{"subscription": "probe.notes"}))
	require.EqualValues(t, 1, count("nexus_mv_refresh_duration_seconds", map[string]string{"trigger": "manual", "outcome": "ok"}))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"nexus_plugin_state", map[string]string{"vertical": "probe", "state": "running"}, 1},
		{"nexus_plugin_state", map[string]string{"vertical": "probe", "state": "failed"}, 0},
		{"nexus_plugin_restarts_total", map[string]string{"vertical": "probe"}, 0},
		{"nexus_breakers", map[string]string{"vertical": "probe", "service": "upstream", "state": "closed"}, 1},
		{"nexus_event_deliveries_total", map[string]string{"subscription": "probe.notes", "outcome": "retried"}, 3},
		{"nexus_event_dead_letters", map[string]string{"subscription": "probe.notes"}, 1},
		{"nexus_job_runs_total", map[string]string{"job": "probe.broken", "outcome": "ok"}, -1},
		{"nexus_ratelimit_rejections_total", map[string]string{"scope": "refresh"}, 1},
		{"nexus_ratelimit_rejections_total", map[string]string{"scope": "api"}, 1},
		{"nexus_ratelimit_rejections_total", map[string]string{"scope": "api_key"}, 1},
		{"nexus_ratelimit_rejections_total", map[string]string{"scope": "webhook"}, 1},
		{"nexus_ratelimit_rejections_total", map[string]string{"scope": "login"}, 1},
		{"nexus_outbox_backlog", nil, 0},
		{"nexus_scrape_source_up", map[string]string{"source": "outbox"}, 1},
		{"nexus_scrape_source_up", map[string]string{"source": "subscriptions"}, 1},
		{"nexus_scrape_source_up", map[string]string{"source": "views"}, 1},
	} {
		require.Equal(t, c.want, value(c.name, c.labels), "%s%v (-1: no series)", c.name, c.labels)
	}
	require.Positive(t, value("nexus_db_pool_acquires_total", nil))

	checkPrometheus(t, addr)

	// Killed, the plugin is restarted, and the restart is counted.
	pid := int(h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/pid", a.Tokens["viewer"], nil).JSON(t)["pid"].(float64))
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	hosttest.Eventually(t, 10*time.Second, "the restart shows in the metrics", func() bool {
		fams = scrape(t, addr)
		return value("nexus_plugin_restarts_total", map[string]string{"vertical": "probe"}) == 1 &&
			value("nexus_plugin_state", map[string]string{"vertical": "probe", "state": "running"}) == 1
	})
	require.NotEqual(t, pid, int(h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/pid", a.Tokens["viewer"], nil).JSON(t)["pid"].(float64)))
}
