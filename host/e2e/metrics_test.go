package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
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

// TestMetrics drives a real host (routes, a failing plugin route, events,
// a job, a refresh, a refused refresh, an open breaker) and scrapes its
// metrics listener: every family of metrics.Families is there with exactly
// its labels, no other nexus_ family is, no label names a company, user or
// tenant, and routes are templates, never raw paths. The public router
// does not serve /metrics. Then a real Prometheus scrapes it with the
// repository's configuration and runs the Grafana dashboard's queries
// (checkPrometheus).
func TestMetrics(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer upstream.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), "NEXUS_METRICS_ADDR="+addr)
	a := h.NewTenant("MX", "probe")
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)

	note := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event", a.Tokens["cashier"],
		map[string]string{"body": "x", "amount": "1"}).JSON(t)
	noteID := note["id"].(string)
	h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/notes/"+noteID, a.Tokens["viewer"], nil)
	h.Expect(http.StatusNotFound, "GET", "/api/v1/verticals/probe/no/such/route", a.Tokens["viewer"], nil)
	h.Expect(http.StatusNotFound, "POST", "/no/such/path/"+noteID, "", nil)
	require.NotContains(t, string(h.Call("GET", "/metrics", "", nil).Body), "nexus_http_request_duration_seconds",
		"the public router does not serve the metrics")
	for range 3 {
		h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/outbound?url="+url.QueryEscape(upstream.URL), a.Tokens["viewer"], nil)
	}
	h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/probe.tick/run", admin, nil)
	h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", a.Tokens["owner"], nil)
	h.Expect(http.StatusTooManyRequests, "POST", "/api/v1/mv/refresh?force=true", a.Tokens["owner"], nil)

	var fams map[string]*dto.MetricFamily
	hosttest.Eventually(t, 15*time.Second, "the event, the job and the breaker show in the metrics", func() bool {
		fams = scrape(t, addr)
		for _, name := range []string{"nexus_event_deliveries_total", "nexus_job_runs_total", "nexus_breakers"} {
			if fams[name] == nil {
				return false
			}
		}
		return true
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
				require.NotContains(t, l.GetValue(), a.ID, "%s labels a company id", name)
				require.NotContains(t, l.GetValue(), noteID, "%s labels a raw path", name)
			}
		}
	}

	series := func(name string, labels map[string]string) *dto.Metric {
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
		t.Fatalf("no series %s%v", name, labels)
		return nil
	}
	require.EqualValues(t, 1, series("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/probe/notes/{id}", "method": "GET", "status": "200"}).GetHistogram().GetSampleCount())
	require.EqualValues(t, 1, series("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/probe/notes/event", "method": "POST", "status": "201"}).GetHistogram().GetSampleCount())
	require.EqualValues(t, 1, series("nexus_http_request_duration_seconds",
		map[string]string{"route": "/api/v1/verticals/{vertical}/*", "method": "GET", "status": "404"}).GetHistogram().GetSampleCount(),
		"a route the vertical does not have keeps the host's template")
	require.EqualValues(t, 1, series("nexus_http_request_duration_seconds",
		map[string]string{"route": "unmatched", "method": "POST", "status": "404"}).GetHistogram().GetSampleCount())
	require.GreaterOrEqual(t, series("nexus_plugin_call_duration_seconds",
		map[string]string{"vertical": "probe", "method": "HandleRoute", "code": "OK"}).GetHistogram().GetSampleCount(), uint64(5))
	require.EqualValues(t, 1, series("nexus_plugin_state", map[string]string{"vertical": "probe", "state": "running"}).GetGauge().GetValue())
	require.EqualValues(t, 0, series("nexus_plugin_state", map[string]string{"vertical": "probe", "state": "failed"}).GetGauge().GetValue())
	require.EqualValues(t, 1, series("nexus_breakers", map[string]string{"vertical": "probe", "service": "upstream", "state": "open"}).GetGauge().GetValue())
	require.EqualValues(t, 1, series("nexus_event_deliveries_total", map[string]string{"subscription": "probe.notes", "outcome": "delivered"}).GetCounter().GetValue())
	require.EqualValues(t, 1, series("nexus_event_consumer_lag_seconds", map[string]string{"subscription": "probe.notes"}).GetHistogram().GetSampleCount())
	require.EqualValues(t, 0, series("nexus_event_dead_letters", map[string]string{"subscription": "probe.notes"}).GetGauge().GetValue())
	require.EqualValues(t, 1, series("nexus_job_runs_total", map[string]string{"job": "probe.tick", "outcome": "ok"}).GetCounter().GetValue())
	require.EqualValues(t, 1, series("nexus_mv_refresh_duration_seconds", map[string]string{"trigger": "manual", "outcome": "ok"}).GetHistogram().GetSampleCount())
	require.EqualValues(t, 1, series("nexus_ratelimit_rejections_total", map[string]string{"scope": "refresh"}).GetCounter().GetValue())
	require.Positive(t, series("nexus_db_pool_acquires_total", nil).GetCounter().GetValue())
	require.EqualValues(t, 0, series("nexus_outbox_backlog", nil).GetGauge().GetValue(), "the relay sent the event")
	for _, source := range []string{"outbox", "subscriptions", "views"} {
		require.EqualValues(t, 1, series("nexus_scrape_source_up", map[string]string{"source": source}).GetGauge().GetValue(), source)
	}

	checkPrometheus(t, addr)
}
