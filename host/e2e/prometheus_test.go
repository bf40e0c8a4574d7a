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
// prometheus-deps`) with the repository's scrape configuration and alerting
// rules pointed at the host's metrics listener addr, and checks through
// Prometheus's HTTP API that it scraped the host, that every expression of
// the Grafana dashboard and of the rules parses and runs there, that every
// metric they name is a series Prometheus scraped from the host and every
// label they group by is on those series, and that each rule was
// evaluated without error. promtool checks the files as committed.
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
	rules, err := filepath.Abs(filepath.Join(repoRoot, "deploy", "prometheus", "alerts.yml"))
	require.NoError(t, err)
	out, err = exec.Command("promtool", "check", "rules", rules).CombinedOutput()
	require.NoError(t, err, "promtool check rules: %s", out)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	promAddr := ln.Addr().String()
	require.NoError(t, ln.Close())

	dir := t.TempDir()
	local := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(local, pointedAt(t, config, rules, addr, promAddr), 0o644))
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
	fill := strings.NewReplacer("$__rate_interval", "1m", "$checkout_route", route, "${checkout_route}", route)
	for i, e := range exprs {
		exprs[i] = fill.Replace(e)
	}
	ruleExprs := ruleExprs(t, rules)
	require.NotEmpty(t, ruleExprs)
	names := map[string]bool{}
	for _, q := range append(exprs, ruleExprs...) {
		_, ok := promQuery(t, api, q)
		require.True(t, ok, "the expression runs in Prometheus: %s", q)
		metrics := dashboardMetric.FindAllString(q, -1)
		for _, n := range metrics {
			names[n] = true
		}
		for _, g := range grouping.FindAllStringSubmatch(q, -1) {
			for _, l := range strings.Split(g[1], ",") {
				l = strings.TrimSpace(l)
				if l == "le" || l == "instance" || l == "job" || len(metrics) == 0 {
					continue
				}
				res, ok := promQuery(t, api, `count by (`+l+`) ({__name__=~"`+strings.Join(metrics, "|")+`", job="nexus", `+l+`!=""})`)
				require.True(t, ok, q)
				require.NotEmpty(t, res, "%s groups by %s, a label no scraped series of its metrics carries", q, l)
			}
		}
	}
	for n := range names {
		res, ok := promQuery(t, api, `count(`+n+`{job="nexus"})`)
		require.True(t, ok, n)
		require.Len(t, res, 1, "%s, which the dashboard or the rules read, is a series Prometheus scraped from the host", n)
	}
	// The host's label job (a scheduled job's name) is kept as exported_job.
	res, ok := promQuery(t, api, `nexus_job_runs_total{job="nexus", exported_job="probe.tick", outcome="ok"}`)
	require.True(t, ok)
	require.Len(t, res, 1, "a scheduled job's runs carry its name as exported_job")

	hosttest.Eventually(t, 30*time.Second, "Prometheus evaluated every alerting rule without error", func() bool {
		groups := promRules(t, api)
		evaluated := 0
		for _, g := range groups {
			for _, r := range g.Rules {
				require.NotEqual(t, "err", r.Health, "rule %s: %s", r.Name, r.LastError)
				if r.Health == "ok" {
					evaluated++
				}
			}
		}
		return evaluated == len(ruleExprs)
	})
}

// grouping is the label list of a by (...) clause.
var grouping = regexp.MustCompile(`\bby \(([^)]*)\)`)

// ruleExprs are the expressions of the alerting rules file.
func ruleExprs(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct {
		Groups []struct {
			Rules []struct {
				Expr string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(data, &file))
	var exprs []string
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, strings.TrimSpace(r.Expr))
		}
	}
	return exprs
}

// promRule is a rule as Prometheus's /api/v1/rules reports it.
type promRule struct {
	Name      string `json:"name"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
}

// promRules are the rule groups Prometheus loaded.
func promRules(t *testing.T, api string) []struct {
	Rules []promRule `json:"rules"`
} {
	t.Helper()
	res, err := http.Get(api + "rules")
	require.NoError(t, err)
	defer res.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Equal(t, "success", body.Status)
	return body.Data.Groups
}

// pointedAt is the repository's Prometheus configuration with the nexus
// job's target replaced by addr, Prometheus's own by self, the rules file
// by its absolute path, and short scrape and evaluation intervals; the
// rest is as committed.
func pointedAt(t *testing.T, path, rules, addr, self string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	global, _ := cfg["global"].(map[string]any)
	require.NotNil(t, global, "the configuration has a global section")
	global["scrape_interval"] = "1s"
	global["evaluation_interval"] = "1s"
	require.Equal(t, []any{filepath.Base(rules)}, cfg["rule_files"], "the configuration loads the alerting rules")
	cfg["rule_files"] = []any{rules}
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
