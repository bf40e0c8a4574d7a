package deploy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAppliedSince(t *testing.T) {
	t.Parallel()
	before := applied{"host": {1, 2, 3}, "cpg": {1, 2}}
	after := applied{"host": {1, 2, 3, 4}, "cpg": {1, 2}, "probe": {1, 2}}
	require.Equal(t, map[string]int{"host": 1, "probe": 2}, after.since(before))
	require.Empty(t, before.since(before))
}

func TestPointAndCurrent(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	got, err := current(root)
	require.NoError(t, err)
	require.Empty(t, got, "no release before the first deploy")
	for _, name := range []string{"r1", "r2"} {
		release := filepath.Join(root, ReleasesDir, name)
		require.NoError(t, point(root, release))
		got, err = current(root)
		require.NoError(t, err)
		require.Equal(t, release, got)
		target, err := os.Readlink(filepath.Join(root, CurrentLink))
		require.NoError(t, err)
		require.Equal(t, filepath.Join(ReleasesDir, name), target, "the link is relative: the root may move")
	}
	require.NoError(t, point(root, ""))
	got, err = current(root)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestNewReleaseCopiesTheBuild(t *testing.T) {
	t.Parallel()
	src, root := t.TempDir(), t.TempDir()
	_, err := newRelease(root, src, "abc", time.Now())
	require.ErrorContains(t, err, "the build wrote no bin/nexus")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "bin", "plugins"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "bin", "nexus"), []byte("host"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "bin", "plugins", "nexus-vertical-x"), []byte("x"), 0o750))
	dir, err := newRelease(root, src, "abc", time.Date(2026, 12, 5, 16, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, filepath.Join(root, ReleasesDir, "20261205T160000Z-abc"), dir)
	info, err := os.Stat(filepath.Join(dir, "bin", "plugins", "nexus-vertical-x"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o750), info.Mode().Perm(), "executables keep their mode")
	data, err := os.ReadFile(filepath.Join(dir, "bin", "nexus"))
	require.NoError(t, err)
	require.Equal(t, "host", string(data))
}

func TestCheckTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	gitRun := func(args ...string) {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	gitRun("init", "-q", "-b", "main")
	gitRun("config", "user.email", "t@test.local")
	gitRun("config", "user.name", "t")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("a"), 0o644))
	gitRun("add", "a")
	gitRun("commit", "-qm", "a")

	commit, err := checkTree(ctx, dir, "main")
	require.NoError(t, err)
	require.Len(t, commit, 12)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "b"), []byte("b"), 0o644))
	_, err = checkTree(ctx, dir, "main")
	require.ErrorContains(t, err, "uncommitted changes", "an untracked file")
	require.NoError(t, os.Remove(filepath.Join(dir, "b")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a"), []byte("changed"), 0o644))
	_, err = checkTree(ctx, dir, "main")
	require.ErrorContains(t, err, "uncommitted changes", "a modified file")
	gitRun("checkout", "-q", "a")

	_, err = checkTree(ctx, dir, "release")
	require.ErrorContains(t, err, "is on branch main; deploys come from release")
	gitRun("checkout", "-q", "--detach")
	_, err = checkTree(ctx, dir, "main")
	require.ErrorContains(t, err, "detached HEAD")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	err := Config{}.validate()
	for _, want := range []string{"source", "branch", "build command", "root", "start command", "stop command", "url",
		"smoke email", "smoke password", "backup directory", "database url", "ready timeout"} {
		require.ErrorContains(t, err, want)
	}
}

func TestRefusedVerticals(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"status":"not_ready","checks":{"database":"ok","vertical:b":"refused: invalid manifest","vertical:a":"refused: sha256"}}`: "the host refused vertical(s) a, b",
		`{"status":"not_ready","checks":{"database":"ok","vertical:a":"starting: "}}`:                                               "",
		`{"status":"not_ready","checks":{"database":"unreachable: timeout"}}`:                                                       "",
		`not json`: "",
	} {
		require.Equal(t, want, refusedVerticals([]byte(body)), body)
	}
}

func TestWaitReady(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ready.Load() {
			fmt.Fprint(w, `{"status":"degraded","checks":{"database":"ok","vertical:a":"degraded: revenue event a.x: no source"}}`)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"status":"not_ready","checks":{"database":"ok","vertical:a":"starting: "}}`)
	}))
	defer srv.Close()
	_, err := waitReady(context.Background(), srv.URL, 600*time.Millisecond)
	require.ErrorContains(t, err, "not ready within 600ms")
	require.ErrorContains(t, err, `vertical:a":"starting`, "the error carries the last answer")
	ready.Store(true)
	degraded, err := waitReady(context.Background(), srv.URL, time.Second)
	require.NoError(t, err, "degraded is a 200: the host serves")
	require.Equal(t, []string{"vertical a: revenue event a.x: no source"}, degraded)
}

func TestDegradedChecks(t *testing.T) {
	t.Parallel()
	for body, want := range map[string][]string{
		`{"status":"ready","checks":{"database":"ok"}}`: nil,
		`{"status":"degraded","checks":{"database":"ok","degraded":"redis: connection refused","vertical:b":"degraded: universal source b_x: its query fails","vertical:a":"degraded: ui: no pages"}}`: {
			"shared service: redis: connection refused", "vertical a: ui: no pages", "vertical b: universal source b_x: its query fails"},
		`not json`: nil,
	} {
		require.Equal(t, want, degradedChecks([]byte(body)), body)
	}
}

// TestSmokeRoutesServingVerticals: a degraded vertical serves its routes,
// so its route is smoke-tested like a running one's; a vertical in any
// other state fails the smoke requests, naming its state and reason.
func TestSmokeRoutesServingVerticals(t *testing.T) {
	t.Parallel()
	var states atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/verticals":
			fmt.Fprint(w, states.Load())
		case "/api/v1/openapi.json":
			fmt.Fprint(w, `{"paths":{
				"/api/v1/verticals/a/items":{"get":{"x-nexus-min-role":"viewer"}},
				"/api/v1/verticals/b/items":{"get":{"x-nexus-min-role":"viewer"}}}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := Config{URL: srv.URL, SmokeEmail: "smoke@test.local"}

	states.Store(`{"data":[{"name":"a","state":"running"},{"name":"b","state":"degraded","reason":"revenue event b.x: no source"}]}`)
	routes, err := smokeRoutes(context.Background(), c, "token")
	require.NoError(t, err)
	require.Equal(t, []smokeRoute{{path: "/api/v1/verticals/a/items"}, {path: "/api/v1/verticals/b/items"}}, routes)

	for _, state := range []string{"starting", "restarting", "failed", "refused", "stopped"} {
		states.Store(`{"data":[{"name":"a","state":"running"},{"name":"b","state":"` + state + `","reason":"why"}]}`)
		_, err := smokeRoutes(context.Background(), c, "token")
		require.EqualError(t, err, "vertical b is "+state+": why")
	}
}
