// Package helm_test checks the Helm chart in deploy/helm/nexus with the
// tools `make chart-tools` installs at pinned versions: helm lints and
// renders it with each value set of nexus/ci, kubeconform validates every
// rendered manifest offline against JSON schemas made here from the
// Kubernetes OpenAPI document (k8s.io/kubernetes's api/openapi-spec, from
// the Go module proxy), the ServiceMonitor is validated against its CRD's
// schema (deploy/helm/servicemonitor), and the test reads the manifests
// for what the chart promises: probes, configuration, the migration Job,
// autoscaling, the ServiceMonitor, the Ingress.
package helm_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// tools are the pinned binaries and the Kubernetes OpenAPI document.
type tools struct {
	root, helm, kubeconform, openapi string
	// kubeVersion is the Kubernetes release of the OpenAPI document, the
	// cluster helm renders for (a helm built by go install assumes 1.20).
	kubeVersion string
}

// needTools finds the tools under the repository's .tools, failing with
// what to run when one is missing.
func needTools(t *testing.T) tools {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	tl := tools{
		root:        root,
		helm:        filepath.Join(root, ".tools", "helm"),
		kubeconform: filepath.Join(root, ".tools", "kubeconform"),
	}
	for _, p := range []string{tl.helm, tl.kubeconform} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is not installed: run make chart-tools (%v)", p, err)
		}
	}
	docs, err := filepath.Glob(filepath.Join(root, ".tools", "kubernetes-api-v*.json"))
	require.NoError(t, err)
	if len(docs) != 1 {
		t.Fatalf("want one Kubernetes OpenAPI document .tools/kubernetes-api-<version>.json, found %v: run make chart-tools", docs)
	}
	tl.openapi = docs[0]
	tl.kubeVersion = strings.TrimSuffix(strings.TrimPrefix(filepath.Base(tl.openapi), "kubernetes-api-"), ".json")
	return tl
}

// chart is the chart's directory.
func (tl tools) chart() string { return filepath.Join(tl.root, "deploy", "helm", "nexus") }

// run runs a tool and returns its combined output and error.
func run(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+os.TempDir(), "HELM_CONFIG_HOME="+os.TempDir(), "HELM_DATA_HOME="+os.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// valueSet is one file of nexus/ci and whether the test passes the
// secrets the chart requires (a set naming an existing Secret needs none).
type valueSet struct {
	file    string
	secrets bool
}

var valueSets = []valueSet{
	{"defaults-values.yaml", true},
	{"metrics-hpa-values.yaml", false},
	{"ingress-values.yaml", true},
}

// secretArgs are --set-string flags with the required secrets, Redis and
// RabbitMQ, generated at run time.
func secretArgs(t *testing.T) []string {
	t.Helper()
	buf := make([]byte, 64)
	_, err := rand.Read(buf)
	require.NoError(t, err)
	pw := hex.EncodeToString(buf[:8])
	return []string{
		"--set-string", "secret.values.NEXUS_DATABASE_URL=postgres://nexus:" + pw + "@postgres:5432/nexus?sslmode=require",
		"--set-string", "secret.values.NEXUS_JWT_SECRET=" + hex.EncodeToString(buf[8:40]),
		"--set-string", "secret.values.NEXUS_SECRETS_KEY=k1:" + base64.StdEncoding.EncodeToString(buf[32:64]),
		"--set-string", "secret.values.NEXUS_REDIS_URL=redis://redis:6379/0",
		"--set-string", "secret.values.NEXUS_AMQP_URL=amqp://nexus:" + pw + "@rabbitmq:5672/",
	}
}

// object is a rendered manifest.
type object map[string]any

func (o object) kind() string { return o["kind"].(string) }

func (o object) name() string { return dig(o, "metadata", "name").(string) }

// dig reads a nested field (map keys, or list indexes as ints).
func dig(v any, path ...any) any {
	if o, ok := v.(object); ok {
		v = map[string]any(o)
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// render runs helm template with a value set and returns the manifest
// text and the objects by kind.
func render(t *testing.T, tl tools, vs valueSet) (string, map[string][]object) {
	t.Helper()
	args := []string{"template", "shop", tl.chart(), "--kube-version", tl.kubeVersion, "--namespace", "pos", "-f", filepath.Join(tl.chart(), "ci", vs.file)}
	if vs.secrets {
		args = append(args, secretArgs(t)...)
	}
	out, err := run(tl.helm, args...)
	require.NoError(t, err, out)
	objs := map[string][]object{}
	dec := yaml.NewDecoder(strings.NewReader(out))
	for {
		// Decoded as a plain map, nested maps are plain maps too.
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if m == nil {
			continue
		}
		o := object(m)
		objs[o.kind()] = append(objs[o.kind()], o)
	}
	return out, objs
}

// TestChart lints the chart and renders each value set; kubeconform
// validates every manifest against the Kubernetes schemas (strict: no
// unknown field), and the manifests are read for the chart's promises.
func TestChart(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	schemas := t.TempDir()
	for _, vs := range valueSets {
		t.Run(strings.TrimSuffix(vs.file, "-values.yaml"), func(t *testing.T) {
			args := []string{"lint", "--strict", tl.chart(), "--kube-version", tl.kubeVersion, "-f", filepath.Join(tl.chart(), "ci", vs.file)}
			if vs.secrets {
				args = append(args, secretArgs(t)...)
			}
			out, err := run(tl.helm, args...)
			require.NoError(t, err, out)

			text, objs := render(t, tl, vs)
			var kinds [][2]string
			for _, list := range objs {
				kinds = append(kinds, [2]string{list[0]["apiVersion"].(string), list[0].kind()})
			}
			writeSchemas(t, tl.openapi, schemas, kinds)
			validate(t, tl, schemas, text)
			if sms := objs["ServiceMonitor"]; len(sms) > 0 {
				out, err := validateServiceMonitors(t, tl, sms)
				require.NoError(t, err, out)
			}
			checkManifests(t, vs, objs)
		})
	}
}

// validate runs kubeconform over the manifests with the schemas of dir.
// ServiceMonitor is a custom resource whose schema no Kubernetes document
// holds: validateServiceMonitors checks it against its CRD's.
func validate(t *testing.T, tl tools, dir, manifests string) {
	t.Helper()
	cmd := exec.Command(tl.kubeconform, "-strict", "-summary", "-output", "text",
		"-schema-location", filepath.Join(dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json"),
		"-skip", "ServiceMonitor", "-")
	cmd.Stdin = strings.NewReader(manifests)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "kubeconform:\n%s", out)
	require.Contains(t, string(out), "Invalid: 0, Errors: 0", string(out))
}

// validateServiceMonitors checks ServiceMonitor objects against the
// prometheus-operator CRD's schema with deploy/helm/servicemonitor's
// validate.mjs (node, and the validators of the npm package
// @kubernetes-models/prometheus-operator, generated from that CRD):
// types, duration patterns, enums, required fields.
func validateServiceMonitors(t *testing.T, tl tools, sms []object) (string, error) {
	t.Helper()
	dir := filepath.Join(tl.root, "deploy", "helm", "servicemonitor")
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the ServiceMonitor check needs node on PATH: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@kubernetes-models", "prometheus-operator")); err != nil {
		t.Fatalf("the ServiceMonitor validator is not installed: run make chart-tools (%v)", err)
	}
	in, err := json.Marshal(sms)
	require.NoError(t, err)
	cmd := exec.Command("node", "validate.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestServiceMonitorSchema checks that the ServiceMonitor validation
// refuses what the CRD refuses: a scrape interval that is not a duration
// and a ServiceMonitor without a selector.
func TestServiceMonitorSchema(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	_, objs := render(t, tl, valueSets[1])
	require.Len(t, objs["ServiceMonitor"], 1)
	sm := objs["ServiceMonitor"][0]
	out, err := validateServiceMonitors(t, tl, []object{sm})
	require.NoError(t, err, out)

	raw, err := json.Marshal(sm)
	require.NoError(t, err)
	var badInterval, noSelector object
	require.NoError(t, json.Unmarshal(raw, &badInterval))
	require.NoError(t, json.Unmarshal(raw, &noSelector))
	dig(badInterval, "spec", "endpoints", 0).(map[string]any)["interval"] = "30 seconds"
	delete(dig(noSelector, "spec").(map[string]any), "selector")
	out, err = validateServiceMonitors(t, tl, []object{badInterval, noSelector})
	require.Error(t, err, out)
	require.Contains(t, out, "data/spec/endpoints/0/interval must match pattern")
	require.Contains(t, out, "data/spec must have required property selector")
}

// checkManifests reads the rendered objects of one value set.
func checkManifests(t *testing.T, vs valueSet, objs map[string][]object) {
	t.Helper()
	one := func(kind string) object {
		t.Helper()
		require.Len(t, objs[kind], 1, "one %s", kind)
		return objs[kind][0]
	}
	deploy := one("Deployment")
	pod := dig(deploy, "spec", "template", "spec")
	c := dig(pod, "containers", 0)
	require.Equal(t, "/healthz", dig(c, "livenessProbe", "httpGet", "path"))
	require.Equal(t, "/readyz", dig(c, "readinessProbe", "httpGet", "path"))
	require.Equal(t, "/healthz", dig(c, "startupProbe", "httpGet", "path"))
	require.Equal(t, []any{"serve"}, dig(c, "args"))
	require.Equal(t, "nexuspos/nexus:0.1.0", dig(c, "image"), "the image the Dockerfile builds, tagged with the appVersion")
	require.Equal(t, "512Mi", dig(c, "resources", "limits", "memory"))
	require.Equal(t, true, dig(c, "securityContext", "readOnlyRootFilesystem"))
	require.Equal(t, "/tmp", dig(c, "volumeMounts", 0, "mountPath"), "the plugins' sockets have a writable /tmp")

	cm := one("ConfigMap")
	cfg := dig(cm, "data").(map[string]any)
	require.Equal(t, ":8080", cfg["NEXUS_HTTP_ADDR"])
	require.Equal(t, "production", cfg["NEXUS_ENV"])
	var stopping time.Duration
	for _, k := range []string{"NEXUS_DRAIN_DELAY", "NEXUS_SHUTDOWN_TIMEOUT"} {
		d, err := time.ParseDuration(cfg[k].(string))
		require.NoError(t, err, k)
		stopping += d
	}
	stopping += time.Duration(dig(c, "lifecycle", "preStop", "sleep", "seconds").(int)) * time.Second
	require.Less(t, stopping, time.Duration(dig(pod, "terminationGracePeriodSeconds").(int))*time.Second,
		"the preStop pause, the drain delay and the shutdown timeout fit in the grace period")
	for k := range cfg {
		require.NotContains(t, []string{"NEXUS_DATABASE_URL", "NEXUS_SECRETS_KEY", "NEXUS_JWT_SECRET"}, k, "a secret is never in the ConfigMap")
	}
	envFrom := dig(c, "envFrom").([]any)
	require.Equal(t, cm.name(), dig(envFrom, 0, "configMapRef", "name"))
	secretName := dig(envFrom, 1, "secretRef", "name")
	if vs.secrets {
		s := one("Secret")
		require.Equal(t, s.name(), secretName)
		data := dig(s, "stringData").(map[string]any)
		for _, k := range []string{"NEXUS_DATABASE_URL", "NEXUS_SECRETS_KEY", "NEXUS_REDIS_URL", "NEXUS_AMQP_URL", "NEXUS_JWT_SECRET"} {
			require.NotEmpty(t, data[k], k)
		}
		require.NotContains(t, data, "NEXUS_SECRETS_KEY_PREVIOUS", "an empty secret is left out")
	} else {
		require.Empty(t, objs["Secret"], "an existing Secret is used, none is written")
		require.Equal(t, "nexus-secrets", secretName)
	}

	job := one("Job")
	require.Equal(t, "post-install,pre-upgrade", dig(job, "metadata", "annotations", "helm.sh/hook"))
	jobPod := dig(job, "spec", "template", "spec")
	var steps [][]any
	for _, ic := range dig(jobPod, "initContainers").([]any) {
		steps = append(steps, dig(ic, "args").([]any))
		require.Equal(t, dig(c, "image"), dig(ic, "image"), "migrations run the release's image")
	}
	require.Equal(t, [][]any{{"migrate", "--all", "up"}}, steps, "the host's migrations, then every plugin's")
	require.Equal(t, []any{"migrate", "--all", "status"}, dig(jobPod, "containers", 0, "args"))

	svc := one("Service")
	require.Equal(t, dig(deploy, "spec", "selector", "matchLabels"), dig(svc, "spec", "selector"))
	pdb := one("PodDisruptionBudget")
	require.Equal(t, dig(deploy, "spec", "selector"), dig(pdb, "spec", "selector"))

	metricsOn := vs.file == "metrics-hpa-values.yaml"
	var ports []string
	for _, p := range dig(svc, "spec", "ports").([]any) {
		ports = append(ports, dig(p, "name").(string))
	}
	if metricsOn {
		require.Equal(t, ":9464", cfg["NEXUS_METRICS_ADDR"])
		require.Equal(t, []string{"http", "metrics"}, ports)
		sm := one("ServiceMonitor")
		require.Equal(t, "monitoring.coreos.com/v1", sm["apiVersion"])
		require.Equal(t, dig(svc, "spec", "selector"), dig(sm, "spec", "selector", "matchLabels"), "the ServiceMonitor selects the Service")
		require.Equal(t, "metrics", dig(sm, "spec", "endpoints", 0, "port"))
		require.Equal(t, "/metrics", dig(sm, "spec", "endpoints", 0, "path"))
		require.Equal(t, "prometheus", dig(sm, "metadata", "labels", "release"))

		hpa := one("HorizontalPodAutoscaler")
		require.Equal(t, deploy.name(), dig(hpa, "spec", "scaleTargetRef", "name"))
		require.Nil(t, dig(deploy, "spec", "replicas"), "the autoscaler owns the replica count")
		require.Equal(t, "http://otel-collector.observability:4317", cfg["OTEL_EXPORTER_OTLP_ENDPOINT"])
	} else {
		require.NotContains(t, cfg, "NEXUS_METRICS_ADDR", "metrics are off unless enabled")
		require.Equal(t, []string{"http"}, ports)
		require.Empty(t, objs["ServiceMonitor"])
		require.Empty(t, objs["HorizontalPodAutoscaler"])
		require.EqualValues(t, 2, dig(deploy, "spec", "replicas"))
	}

	if vs.file == "ingress-values.yaml" {
		ing := one("Ingress")
		require.Equal(t, "pos.example.com", dig(ing, "spec", "rules", 0, "host"))
		require.Equal(t, svc.name(), dig(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"))
		require.Equal(t, "http", dig(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "name"), "the Ingress never routes the metrics port")
		require.Equal(t, "pos-example-com-tls", dig(ing, "spec", "tls", 0, "secretName"))
	} else {
		require.Empty(t, objs["Ingress"])
	}
}

// TestChartRefuses checks that the chart refuses, naming the value, a
// release without its required secrets, a secret put in the ConfigMap and
// a listen address set by hand.
func TestChartRefuses(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no secrets", nil, "secret.values.NEXUS_DATABASE_URL is required"},
		{"no JWT secret", []string{"--set-string", "secret.values.NEXUS_DATABASE_URL=postgres://db/nexus"}, "secret.values.NEXUS_JWT_SECRET is required"},
		{"a secret in the ConfigMap", append(secretArgs(t), "--set-string", "config.NEXUS_JWT_SECRET=x"), "config.NEXUS_JWT_SECRET: a secret goes under secret.values"},
		{"a listen address", append(secretArgs(t), "--set-string", "config.NEXUS_HTTP_ADDR=:9000"), "config.NEXUS_HTTP_ADDR: the chart sets it"},
		{"an unknown secret", append(secretArgs(t), "--set-string", "secret.values.NEXUS_LOG_LEVEL=debug"), "secret.values.NEXUS_LOG_LEVEL: not a secret the chart knows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(tl.helm, append([]string{"template", "shop", tl.chart(), "--kube-version", tl.kubeVersion}, tc.args...)...)
			require.Error(t, err, out)
			require.Contains(t, out, tc.want)
		})
	}
}

// TestChartConfigIsDocumented checks that every variable the chart's
// values set is one the README's Configuration table documents.
func TestChartConfigIsDocumented(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(root, "deploy", "helm", "nexus", "values.yaml"))
	require.NoError(t, err)
	var values struct {
		Config map[string]any `yaml:"config"`
		Secret struct {
			Values map[string]any `yaml:"values"`
		} `yaml:"secret"`
	}
	require.NoError(t, yaml.Unmarshal(data, &values))
	var names []string
	for k := range values.Config {
		names = append(names, k)
	}
	for k := range values.Secret.Values {
		names = append(names, k)
	}
	slices.Sort(names)
	require.Contains(t, names, "NEXUS_DATABASE_URL")
	for _, n := range names {
		require.True(t, bytes.Contains(readme, []byte("`"+n+"`")), "%s is in the README's tables", n)
	}
}

// writeSchemas writes, for each (apiVersion, kind), the JSON schema
// kubeconform reads (<kind>-<group>-<version>.json, its default naming)
// from the Kubernetes OpenAPI document: the kind's definition with every
// definition it reaches, objects closed to unknown fields (kubeconform's
// strict schemas), and the int-or-string and quantity types as JSON
// accepts them.
func writeSchemas(t *testing.T, openapi, dir string, kinds [][2]string) {
	t.Helper()
	data, err := os.ReadFile(openapi)
	require.NoError(t, err)
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	byGVK := map[[2]string]string{}
	for name, def := range doc.Definitions {
		gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
		for _, g := range gvks {
			m := g.(map[string]any)
			apiVersion := m["version"].(string)
			if group := m["group"].(string); group != "" {
				apiVersion = group + "/" + apiVersion
			}
			byGVK[[2]string{apiVersion, m["kind"].(string)}] = name
		}
	}
	for _, k := range kinds {
		if k[1] == "ServiceMonitor" {
			continue
		}
		name, ok := byGVK[k]
		require.True(t, ok, "the Kubernetes OpenAPI document has no %s %s", k[0], k[1])
		defs := map[string]any{}
		var reach func(name string)
		reach = func(name string) {
			if _, seen := defs[name]; seen {
				return
			}
			def, ok := doc.Definitions[name]
			require.True(t, ok, "definition %s", name)
			defs[name] = nil
			defs[name] = schemaOf(name, def, reach)
		}
		reach(name)
		root := map[string]any{"$ref": "#/definitions/" + name, "definitions": defs}
		out, err := json.Marshal(root)
		require.NoError(t, err)
		group, version, found := strings.Cut(k[0], "/")
		file := strings.ToLower(k[1]) + "-" + strings.ToLower(strings.Split(group, ".")[0])
		if found {
			file += "-" + version
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, file+".json"), out, 0o644))
	}
}

// schemaOf is a definition as strict JSON schema, calling reach for each
// definition it refers to.
func schemaOf(name string, def map[string]any, reach func(string)) any {
	switch name {
	case "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	case "io.k8s.apimachinery.pkg.api.resource.Quantity":
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				if k == "$ref" {
					ref := e.(string)
					reach(strings.TrimPrefix(ref, "#/definitions/"))
				}
				if k == "properties" {
					props := map[string]any{}
					for p, s := range e.(map[string]any) {
						props[p] = walk(s)
					}
					out[k] = props
					continue
				}
				out[k] = walk(e)
			}
			if _, ok := x["properties"]; ok {
				if _, set := x["additionalProperties"]; !set {
					out["additionalProperties"] = false
				}
			}
			if x["format"] == "int-or-string" {
				return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	return walk(def)
}
