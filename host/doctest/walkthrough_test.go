package doctest

import (
	"context"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nexuspos/nexus/host/hosttest"
)

//go:embed preamble.bash
var preamble string

// readmes are run in this order, as one walkthrough sharing its variables.
var readmes = []string{"README.md", "plugins/cpg/README.md", "plugins/services/README.md"}

// TestWalkthrough runs every ```sh example of the READMEs, in order, with
// bash against a fresh host started as `make run` starts it (the demo
// company and its platform admin, the hello, cpg and services verticals), and fails
// naming the README line whose command answered an unexpected status.
func TestWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README walkthrough needs %s on PATH (make test installs jq): %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []Block
	for _, name := range readmes {
		text, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		bs, err := Blocks(name, string(text))
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) == 0 {
			t.Fatalf("%s has no ```sh block", name)
		}
		blocks = append(blocks, bs...)
	}
	dir := hosttest.PluginDir(t, map[string]string{
		"hello":    hosttest.Build(t, "github.com/nexuspos/nexus/examples/hello"),
		"cpg":      hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
		"services": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/services/cmd/nexus-vertical-services"),
	})
	// As `make run` starts it: a development host with the demo company,
	// which creates and prints the demo's platform admin.
	// Its metrics listener stands for the README's localhost:9464.
	metricsAddr := freeAddr(t)
	h := hosttest.Start(t, dir, "NEXUS_ENV=dev", "NEXUS_DEMO=1",
		"NEXUS_BOOTSTRAP_ADMIN_EMAIL=", "NEXUS_BOOTSTRAP_ADMIN_PASSWORD=", "NEXUS_METRICS_ADDR="+metricsAddr)
	addr := strings.TrimPrefix(h.URL, "http://")
	script, err := Build(preamble, blocks, func(line string) string {
		return strings.ReplaceAll(strings.ReplaceAll(line, "localhost:8080", addr), "localhost:9464", metricsAddr)
	})
	if err != nil {
		t.Fatal(err)
	}
	walkDir := t.TempDir()
	path := filepath.Join(walkDir, "walkthrough.sh")
	if err := os.WriteFile(path, []byte(script.Text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "WALK_DIR="+walkDir)
	// A command that outlives the deadline is ended with its whole group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	failure, _ := os.ReadFile(filepath.Join(walkDir, "failure"))
	if runErr == nil && len(failure) == 0 {
		return
	}
	transcript, _ := os.ReadFile(filepath.Join(walkDir, "transcript"))
	t.Logf("walkthrough transcript (file:line: method url → status, body):\n%s", transcript)
	t.Logf("walkthrough errors:\n%s", script.mapLines(stderr.String()))
	if len(failure) == 0 {
		failure = []byte(fmt.Sprintf("bash: %v", runErr))
	}
	t.Fatalf("README walkthrough failed:\n%s", failure)
}

// lineRE finds bash's "walkthrough.sh: line N:" in its error messages.
var lineRE = regexp.MustCompile(`\S*walkthrough\.sh: line ([0-9]+)`)

// mapLines names README lines instead of the script's in bash's messages.
func (s Script) mapLines(out string) string {
	return lineRE.ReplaceAllStringFunc(out, func(m string) string {
		n, _ := strconv.Atoi(lineRE.FindStringSubmatch(m)[1])
		if where, ok := s.Where[n]; ok {
			return where
		}
		return m
	})
}

// freeAddr returns a loopback address with a port free at the time.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
