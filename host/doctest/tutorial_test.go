package doctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nexuspos/nexus/host/hosttest"
)

// tutorial is the walk from `nexus new vertical` to a deployed plugin.
const tutorial = "docs/writing-a-vertical.md"

// TestTutorial follows docs/writing-a-vertical.md as a reader would, under
// a fresh vertical name: its ```sh blocks up to the first API call write,
// test and build the vertical in this checkout (removed afterwards); every
// ```go block must be what the scaffold wrote; then a host started as
// `make run` starts it, with the built plugin, answers the API calls of
// the remaining blocks with the statuses they expect. It logs how long the
// path took, from `nexus new vertical` to the first request answered.
func TestTutorial(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "make"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tutorial needs %s on PATH (make test installs jq): %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(root, tutorial))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := Blocks(tutorial, string(text))
	if err != nil {
		t.Fatal(err)
	}
	var build, api []Block
	for _, b := range blocks {
		calls := strings.Contains(strings.Join(b.Lines, "\n"), "curl ")
		switch {
		case calls:
			api = append(api, b)
		case len(api) > 0:
			t.Fatalf("%s:%d: a block without API calls follows the API calls; the test runs the build steps first", b.File, b.Line)
		default:
			build = append(build, b)
		}
	}
	if len(build) == 0 || len(api) == 0 {
		t.Fatalf("%s: want build steps, then API calls", tutorial)
	}

	name := fmt.Sprintf("shelves%d", time.Now().UnixNano()%1_000_000)
	// The scaffold may add the vertical to the checkout's go.work: put it
	// back as it was.
	work, workErr := os.ReadFile(filepath.Join(root, "go.work"))
	t.Cleanup(func() {
		_ = os.RemoveAll(filepath.Join(root, "plugins", name))
		_ = os.Remove(filepath.Join(root, "bin", "plugins", "nexus-vertical-"+name))
		if workErr == nil {
			_ = os.WriteFile(filepath.Join(root, "go.work"), work, 0o644)
		}
	})
	rename := func(line string) string { return strings.ReplaceAll(line, "shelves", name) }

	start := time.Now()
	runBlocks(t, root, build, rename, 10*time.Minute)
	built := time.Since(start)

	checkGoBlocks(t, string(text), filepath.Join(root, "plugins", name), rename)

	dir := hosttest.PluginDir(t, map[string]string{name: filepath.Join(root, "bin", "plugins", "nexus-vertical-"+name)})
	h := hosttest.Start(t, dir, "NEXUS_ENV=dev", "NEXUS_DEMO=1",
		"NEXUS_BOOTSTRAP_ADMIN_EMAIL=", "NEXUS_BOOTSTRAP_ADMIN_PASSWORD=")
	addr := strings.TrimPrefix(h.URL, "http://")
	runBlocks(t, root, api, func(line string) string {
		return strings.ReplaceAll(rename(line), "localhost:8080", addr)
	}, 2*time.Minute)
	t.Logf("tutorial: nexus new vertical → first requests through the host: %s (write, test and build: %s)",
		time.Since(start).Round(time.Second), built.Round(time.Second))
}

// runBlocks runs blocks as one bash script in dir, each curl checked for
// the status it expects, and fails naming the line of the first command
// that failed.
func runBlocks(t *testing.T, dir string, blocks []Block, rewrite func(string) string, limit time.Duration) {
	t.Helper()
	script, err := Build(preamble, blocks, rewrite)
	if err != nil {
		t.Fatal(err)
	}
	walkDir := t.TempDir()
	path := filepath.Join(walkDir, "tutorial.sh")
	if err := os.WriteFile(path, []byte(script.Text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WALK_DIR="+walkDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	failure, _ := os.ReadFile(filepath.Join(walkDir, "failure"))
	if runErr == nil && len(failure) == 0 {
		return
	}
	transcript, _ := os.ReadFile(filepath.Join(walkDir, "transcript"))
	t.Logf("transcript:\n%s\noutput:\n%s", transcript, script.mapLines(out.String()))
	if len(failure) == 0 {
		failure = []byte(fmt.Sprintf("bash: %v", runErr))
	}
	t.Fatalf("%s failed:\n%s", tutorial, failure)
}

// checkGoBlocks requires every ```go block of text to appear, line for
// line, in the Go files the scaffold wrote to dir (compiled and tested by
// the tutorial's own steps).
func checkGoBlocks(t *testing.T, text, dir string, rewrite func(string) string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	var block []string
	in, n, start := false, 0, 0
	for i, line := range strings.Split(text, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, block, start = true, nil, i+1
		case in && strings.TrimSpace(line) == "```":
			in, n = false, n+1
			if want := strings.Join(block, "\n"); !strings.Contains(src.String(), want) {
				t.Errorf("%s:%d: this ```go block is not what `nexus new vertical` writes:\n%s", tutorial, start, want)
			}
		case in:
			block = append(block, rewrite(line))
		}
	}
	if n == 0 {
		t.Errorf("%s has no ```go block", tutorial)
	}
}
