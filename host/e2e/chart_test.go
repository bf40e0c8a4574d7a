package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestChartPod runs the Helm chart's pods as a kubelet would, without a
// cluster: helm renders the chart (deploy/helm/nexus, default values, metrics
// on) for a fresh database; the migration Job's containers run in order with
// the environment the ConfigMap and the Secret give them, each exiting 0, and
// leave no migration of the host or of any plugin pending;
// then the Deployment's container starts with that environment, answers its
// start-up and liveness probe path and, once its plugins run, its readiness
// path on the port the chart names, serves metrics on the metrics port, and
// on SIGTERM drains and exits 0. The image's binaries are the host and the
// plugins it bakes in (NEXUS_PLUGIN_DIR, as the Dockerfile sets it).
func TestChartPod(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	helm := filepath.Join(root, ".tools", "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Fatalf("helm is not installed: run make chart-tools (%v)", err)
	}
	docs, err := filepath.Glob(filepath.Join(root, ".tools", "kubernetes-api-v*.json"))
	require.NoError(t, err)
	require.Len(t, docs, 1, "the Kubernetes OpenAPI document: run make chart-tools")
	kubeVersion := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(docs[0]), "kubernetes-api-"), ".json")

	nexus := hosttest.Build(t, hosttest.HostPackage)
	plugins := hosttest.PluginDir(t, map[string]string{
		"hello":    hello(t),
		"cpg":      hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
		"services": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/services/cmd/nexus-vertical-services"),
	})
	httpPort, metricsPort := freePort(t), freePort(t)
	key := make([]byte, 64)
	_, err = rand.Read(key)
	require.NoError(t, err)
	jwtSecret := "secret.values.NEXUS_JWT_SECRET=" + hex.EncodeToString(key[:32])
	out, err := exec.Command(helm, "template", "shop", filepath.Join(root, "deploy", "helm", "nexus"),
		"--kube-version", kubeVersion,
		"--set", "service.port="+strconv.Itoa(httpPort),
		"--set", "metrics.enabled=true",
		"--set", "metrics.port="+strconv.Itoa(metricsPort),
		"--set-string", "secret.values.NEXUS_DATABASE_URL="+pgtest.NewDatabase(t),
		"--set-string", jwtSecret,
		"--set-string", "secret.values.NEXUS_SECRETS_KEY=k1:"+base64.StdEncoding.EncodeToString(key[32:]),
	).CombinedOutput()
	require.NoError(t, err, "helm template: %s", out)
	objs := map[string]map[string]any{}
	dec := yaml.NewDecoder(strings.NewReader(string(out)))
	for {
		var o map[string]any
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if o != nil {
			objs[o["kind"].(string)] = o
		}
	}

	// The pod's environment: the image's, then envFrom's ConfigMap and Secret.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "NEXUS_PLUGIN_DIR=" + plugins}
	for _, kind := range []string{"ConfigMap", "Secret"} {
		field := map[string]string{"ConfigMap": "data", "Secret": "stringData"}[kind]
		for k, v := range objs[kind][field].(map[string]any) {
			env = append(env, k+"="+v.(string))
		}
	}
	run := func(args []any) *exec.Cmd {
		var s []string
		for _, a := range args {
			s = append(s, a.(string))
		}
		cmd := exec.Command(nexus, s...)
		cmd.Env = env
		return cmd
	}

	job := objs["Job"]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	steps := append(job["initContainers"].([]any), job["containers"].([]any)...)
	require.Equal(t, []any{"migrate", "--all", "up"}, steps[0].(map[string]any)["args"], "the host's migrations, then every plugin's")
	var jobOut []byte
	for _, c := range steps {
		c := c.(map[string]any)
		jobOut, err = run(c["args"].([]any)).CombinedOutput()
		require.NoError(t, err, "the Job's container %s: %s", c["name"], jobOut)
	}
	for _, comp := range []string{"host", "cpg", "services"} {
		require.Contains(t, string(jobOut), "\n"+comp+" ", "the Job migrated every plugin of the image")
	}
	require.Regexp(t, `\nhello +- +\(no migrations\)`, string(jobOut), "a plugin without migrations has nothing to do")
	require.NotContains(t, string(jobOut), "pending")

	pod := objs["Deployment"]["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	c := pod["containers"].([]any)[0].(map[string]any)
	ports := map[string]int{}
	for _, p := range c["ports"].([]any) {
		p := p.(map[string]any)
		ports[p["name"].(string)] = p["containerPort"].(int)
	}
	probe := func(name string) string {
		get := c[name].(map[string]any)["httpGet"].(map[string]any)
		return fmt.Sprintf("http://127.0.0.1:%d%s", ports[get["port"].(string)], get["path"])
	}
	host := run(c["args"].([]any))
	log := &strings.Builder{}
	host.Stdout, host.Stderr = log, log
	require.NoError(t, host.Start())
	done := make(chan error, 1)
	go func() { done <- host.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = host.Process.Kill()
			<-done
		}
		for _, pid := range hosttest.PluginPIDs(plugins) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("host log:\n%s", log.String())
		}
	})
	status := func(url string) int {
		res, err := http.Get(url)
		if err != nil {
			return 0
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	hosttest.Eventually(t, 60*time.Second, "the start-up probe passes", func() bool { return status(probe("startupProbe")) == http.StatusOK })
	require.Equal(t, http.StatusOK, status(probe("livenessProbe")))
	hosttest.Eventually(t, 60*time.Second, "the readiness probe passes (every plugin runs)", func() bool { return status(probe("readinessProbe")) == http.StatusOK })
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", ports["metrics"]))
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Contains(t, string(body), `nexus_plugin_state{state="running",vertical="cpg"} 1`)

	require.NoError(t, host.Process.Signal(syscall.SIGTERM))
	stopped = true
	select {
	case err := <-done:
		require.NoError(t, err, "the host exits 0 after draining")
	case <-time.After(2 * time.Minute):
		_ = host.Process.Kill()
		t.Fatal("the host did not exit after SIGTERM")
	}
}

// freePort is a TCP port free on this machine now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
