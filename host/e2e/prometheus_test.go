package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/nexuspos/nexus/host/hosttest"
)

// repoRoot is where deploy/ lies, from this package's directory.
const repoRoot = "../.."

// dashboardMetric is a metric name in a dashboard expression.
var dashboardMetric = regexp.MustCompile(`\bnexus_[a-z0-9_]+\b`)

// checkPrometheus runs a real Prometheus (Debian's, `make
// prometheus-deps`) with the repository's scrape configuration pointed at
// the host's metrics listener addr, and checks through Prometheus's HTTP
// API that it scraped the host, that every expression of the Grafana
// dashboard parses and runs there, and that every metric the dashboard
// names is a series Prometheus scraped from the host. promtool checks the
// configuration file as committed.
func checkPrometheus(t *testing.T, addr string) {
	t.Helper()
	for _, tool := range []string{"prometheus", "promtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run make prometheus-deps (%v)", tool, err)
		}
	}
	config := filepath.Join(repoRoot, "deploy", "prometheus", "prometheus.yml")
	out, err := exec.Command("promtool", "check", "config", config).CombinedOutput()
	require.NoError(t, err, "promtool check config: %s", out)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	promAddr := ln.Addr().String()
	require.NoError(t, ln.Close())

	dir := t.TempDir()
	local := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(local, pointedAt(t, config, addr, promAddr), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	prom := exec.CommandContext(ctx, "prometheus", "--config.file="+local,
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+promAddr)
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	prom.Stdout, prom.Stderr = log, log
	require.NoError(t, prom.Start())
	t.Cleanup(func() {
		cancel()
		_ = prom.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("prometheus log:\n%s", b)
		}
	})

	api := "http://" + promAddr + "/api/v1/"
	hosttest.Eventually(t, 30*time.Second, "Prometheus scraped the host's nexus_ series", func() bool {
		res, ok := promQuery(t, api, `count({job="nexus", __name__=~"nexus_.+"})`)
		return ok && len(res) == 1
	})
	up, ok := promQuery(t, api, `up{job="nexus"}`)
	require.True(t, ok)
	require.Len(t, up, 1)
	require.Equal(t, addr, up[0].Metric["instance"], "the nexus job scrapes the host's NEXUS_METRICS_ADDR")
	require.Equal(t, "1", up[0].Value[1])

	exprs, route := dashboardExprs(t)
	require.NotEmpty(t, exprs)
	names := map[string]bool{}
	for _, e := range exprs {
		q := strings.NewReplacer("$__rate_interval", "1m", "$checkout_route", route, "${checkout_route}", route).Replace(e)
		_, ok := promQuery(t, api, q)
		require.True(t, ok, "the dashboard's expression runs in Prometheus: %s", q)
		for _, n := range dashboardMetric.FindAllString(e, -1) {
			names[n] = true
		}
	}
	for n := range names {
		res, ok := promQuery(t, api, `count(`+n+`{job="nexus"})`)
		require.True(t, ok, n)
		require.Len(t, res, 1, "the dashboard's %s is a series Prometheus scraped from the host", n)
	}
}

// pointedAt is the repository's Prometheus configuration with the nexus
// job's target replaced by addr, Prometheus's own by self, and a short
// scrape interval; the rest is as committed.
func pointedAt(t *testing.T, path, addr, self string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	global, _ := cfg["global"].(map[string]any)
	require.NotNil(t, global, "the configuration has a global section")
	global["scrape_interval"] = "1s"
	jobs := map[string]bool{}
	for _, sc := range cfg["scrape_configs"].([]any) {
		job := sc.(map[string]any)
		name := job["job_name"].(string)
		jobs[name] = true
		target := self
		if name == "nexus" {
			target = addr
			job["scrape_timeout"] = "1s"
		}
		static := job["static_configs"].([]any)
		require.Len(t, static, 1, name)
		static[0].(map[string]any)["targets"] = []any{target}
	}
	require.True(t, jobs["nexus"], "the configuration has a nexus job")
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	return out
}

// promSample is one sample of an instant query's answer.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// promQuery runs an instant query; ok is false when Prometheus refused
// it (a parse error answers 400 bad_data) or did not answer.
func promQuery(t *testing.T, api, q string) ([]promSample, bool) {
	t.Helper()
	res, err := http.Get(api + "query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, false
	}
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Logf("query %s: %s %s", q, res.Status, body.Error)
		return nil, false
	}
	var samples []promSample
	if err := json.Unmarshal(body.Data.Result, &samples); err != nil {
		return nil, true // a scalar or a string: the expression ran
	}
	return samples, true
}

// dashboardExprs are the PromQL expressions of the Grafana dashboard's
// panels, and its checkout_route variable's value.
func dashboardExprs(t *testing.T) ([]string, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "deploy", "grafana", "dashboards", "nexus.json"))
	require.NoError(t, err)
	type panel struct {
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var dash struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Query string `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	require.NoError(t, json.Unmarshal(data, &dash))
	var exprs []string
	var walk func([]json.RawMessage)
	walk = func(ps []json.RawMessage) {
		for _, raw := range ps {
			var p panel
			require.NoError(t, json.Unmarshal(raw, &p))
			walk(p.Panels)
			for _, tg := range p.Targets {
				exprs = append(exprs, tg.Expr)
			}
		}
	}
	walk(dash.Panels)
	var route string
	for _, v := range dash.Templating.List {
		if v.Name == "checkout_route" {
			route = v.Query
		}
	}
	require.NotEmpty(t, route, "the dashboard's checkout_route variable")
	return exprs, route
}
