package metrics_test

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/nexuspos/nexus/host/internal/metrics"
)

// root is the repository's root, where deploy/ and docker-compose.yml lie.
const root = "../../.."

// panel is the part of a Grafana panel the test reads.
type panel struct {
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

var (
	metricName = regexp.MustCompile(`\bnexus_[a-z0-9_]+\b`)
	// selector is a metric name and its label matchers.
	selector = regexp.MustCompile(`\b(nexus_[a-z0-9_]+)\{([^}]*)\}`)
	matcher  = regexp.MustCompile(`([a-z_]+)\s*(=~|!~|!=|=)`)
	grouping = regexp.MustCompile(`\bby \(([^)]*)\)`)
)

// family returns the family a name in PromQL reads: a histogram's series
// carry a _bucket, _count or _sum suffix.
func family(t *testing.T, fams map[string]metrics.Family, name string) metrics.Family {
	t.Helper()
	if f, ok := fams[name]; ok {
		return f
	}
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		if f, ok := fams[strings.TrimSuffix(name, suffix)]; ok && f.Type == "histogram" && strings.HasSuffix(name, suffix) {
			return f
		}
	}
	t.Fatalf("%s is not a series of any family in metrics.Families", name)
	return metrics.Family{}
}

// TestDashboardUsesTheHostsMetrics reads every PromQL expression of the
// Grafana dashboard: each metric it names is a family the host exports
// (metrics.Families, which the e2e test holds a real host to), each label
// it matches or groups by is one of that family's (or le, instance, job),
// and each panel reads the provisioned data source.
func TestDashboardUsesTheHostsMetrics(t *testing.T) {
	t.Parallel()
	fams := map[string]metrics.Family{}
	for _, f := range metrics.Families() {
		fams[f.Name] = f
	}
	data, err := os.ReadFile(filepath.Join(root, "deploy/grafana/dashboards/nexus.json"))
	require.NoError(t, err)
	var dash struct {
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(data, &dash))
	require.NotEmpty(t, dash.UID)

	var ds struct {
		Datasources []struct {
			UID  string `yaml:"uid"`
			Type string `yaml:"type"`
			URL  string `yaml:"url"`
		} `yaml:"datasources"`
	}
	readYAML(t, "deploy/grafana/provisioning/datasources/prometheus.yml", &ds)
	require.Len(t, ds.Datasources, 1)
	require.Equal(t, "prometheus", ds.Datasources[0].Type)
	require.Equal(t, "http://prometheus:9090", ds.Datasources[0].URL)

	used := map[string]bool{}
	exprs := 0
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if len(p.Targets) == 0 {
				continue
			}
			require.NotNil(t, p.Datasource, p.Title)
			require.Equal(t, ds.Datasources[0].UID, p.Datasource.UID, "panel %q reads the provisioned data source", p.Title)
			for _, tg := range p.Targets {
				exprs++
				names := metricName.FindAllString(tg.Expr, -1)
				require.NotEmpty(t, names, "panel %q: %s", p.Title, tg.Expr)
				var labels []string
				for _, n := range names {
					f := family(t, fams, n)
					used[f.Name] = true
					labels = append(labels, scraped(f.Labels)...)
					if f.Type == "histogram" {
						labels = append(labels, "le")
					}
				}
				labels = append(labels, "instance", "job")
				for _, sel := range selector.FindAllStringSubmatch(tg.Expr, -1) {
					f := family(t, fams, sel[1])
					ok := scraped(f.Labels)
					for _, m := range matcher.FindAllStringSubmatch(sel[2], -1) {
						require.Contains(t, append(ok, "instance", "job"), m[1], "panel %q matches a label %s lacks: %s", p.Title, f.Name, tg.Expr)
					}
				}
				for _, n := range names {
					if slices.Contains(family(t, fams, n).Labels, "job") {
						for _, g := range grouping.FindAllStringSubmatch(tg.Expr, -1) {
							require.NotContains(t, strings.Split(strings.ReplaceAll(g[1], " ", ""), ","), "job",
								"panel %q groups %s by job, which Prometheus sets to the scrape job; the host's label is exported_job there: %s", p.Title, n, tg.Expr)
						}
					}
				}
				for _, g := range grouping.FindAllStringSubmatch(tg.Expr, -1) {
					for _, l := range strings.Split(g[1], ",") {
						require.Contains(t, labels, strings.TrimSpace(l), "panel %q groups by a label its metrics lack: %s", p.Title, tg.Expr)
					}
				}
			}
		}
	}
	walk(dash.Panels)
	require.Greater(t, exprs, 10)
	for _, want := range []string{
		"nexus_http_request_duration_seconds", // request rate, latency, checkout rate
		"nexus_event_consumer_lag_seconds",    // event lag
		"nexus_event_dead_letters",            // DLQ depth
		"nexus_mv_age_seconds",                // MV freshness
		"nexus_plugin_restarts_total",         // plugin restarts
	} {
		require.True(t, used[want], "the dashboard shows %s", want)
	}
}

// TestPrometheusScrapesTheMetricsPort checks that the scrape configuration
// is valid YAML whose nexus job targets the port docker-compose.yml gives
// NEXUS_METRICS_ADDR, and that the observability profile runs Prometheus,
// Grafana and Jaeger with deploy/'s files.
func TestPrometheusScrapesTheMetricsPort(t *testing.T) {
	t.Parallel()
	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	readYAML(t, "deploy/prometheus/prometheus.yml", &prom)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Profiles    []string          `yaml:"profiles"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	readYAML(t, "docker-compose.yml", &compose)
	nexus, ok := compose.Services["nexus"]
	require.True(t, ok)
	_, port, err := net.SplitHostPort(nexus.Environment["NEXUS_METRICS_ADDR"])
	require.NoError(t, err, "the compose host sets NEXUS_METRICS_ADDR")
	require.Contains(t, nexus.Environment, "OTEL_EXPORTER_OTLP_ENDPOINT")

	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		if sc.JobName != "nexus" {
			continue
		}
		require.Contains(t, []string{"", "/metrics"}, sc.MetricsPath)
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	require.Equal(t, []string{"nexus:" + port}, targets)

	for _, name := range []string{"prometheus", "grafana", "jaeger"} {
		svc, ok := compose.Services[name]
		require.True(t, ok, name)
		require.Equal(t, []string{"observability"}, svc.Profiles, name)
		require.Regexp(t, `:v?\d+\.\d+\.\d+$`, svc.Image, "%s's image is pinned to a release", name)
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			_, err := os.Stat(filepath.Join(root, src))
			require.NoError(t, err, "%s mounts %s", name, src)
		}
	}
}

// scraped are a family's label names as Prometheus stores them: a label
// named like a target label (job, instance) is renamed exported_<name>.
func scraped(labels []string) []string {
	out := slices.Clone(labels)
	for i, l := range out {
		if l == "job" || l == "instance" {
			out[i] = "exported_" + l
		}
	}
	return out
}

// readYAML decodes the repository's file at path into v, failing the test
// on invalid YAML.
func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, v), path)
}
