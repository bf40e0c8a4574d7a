package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	seeding "github.com/nexuspos/nexus/host/internal/seed"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// probePackage is the test vertical that plays the faulty releases.
const probePackage = "github.com/nexuspos/nexus/internal/testverticals/probe/cmd/nexus-vertical-probe"

// The service commands of the deploy test: a host started from
// current/bin in the background with its pid in host.pid, and stopped
// with SIGTERM, returning once it has exited (or is a zombie nobody
// reaps). They run in the deploy root, as `systemctl start nexus` would
// run the unit's ExecStart there.
const (
	testStartCmd = `NEXUS_PLUGIN_DIR="$PWD/current/bin/plugins" ./current/bin/nexus serve >>host.log 2>&1 & echo $! >host.pid`
	testStopCmd  = `[ -f host.pid ] || exit 0; pid=$(cat host.pid); kill "$pid" 2>/dev/null || true
while [ -d /proc/$pid ] && [ "$(cut -d' ' -f3 /proc/$pid/stat)" != Z ]; do sleep 0.1; done; rm -f host.pid`
)

// buildProbe builds the probe vertical as the faulty release upgrade.
func buildProbe(t *testing.T, upgrade string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "nexus-vertical-probe")
	b, err := exec.Command("go", "build", "-o", out,
		"-ldflags", "-X github.com/nexuspos/nexus/internal/testverticals/probe.upgrade="+upgrade, probePackage).CombinedOutput()
	if err != nil {
		t.Errorf("go build %s: %v\n%s", upgrade, err, b)
		return ""
	}
	return out
}

// deploySite is a deploy root, a source tree and the environment an
// operator runs `nexus deploy` with.
type deploySite struct {
	t         *testing.T
	root, src string
	url       string
	env       []string
}

// newDeploySite returns a deploy root and an empty source tree on branch
// main for a platform on the database of url, smoke-tested as smokeEmail
// (a seeded user). The host it runs is stopped when the test ends.
func newDeploySite(t *testing.T, url, smokeEmail string) *deploySite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	s := &deploySite{t: t, root: t.TempDir(), src: t.TempDir(), url: "http://" + addr}
	s.env = []string{
		"NEXUS_DATABASE_URL=" + url, "NEXUS_HTTP_ADDR=" + addr, "NEXUS_ENV=test",
		"NEXUS_JWT_SECRET=hosttest-secret-that-is-at-least-32-bytes", "NEXUS_SECRETS_KEY=hosttest:" + hosttest.SecretsKey,
		"NEXUS_RATE_LIMIT_LOGIN_EMAIL=1000/1m",
		"NEXUS_DEPLOY_SOURCE=" + s.src, "NEXUS_DEPLOY_ROOT=" + s.root, "NEXUS_DEPLOY_URL=" + s.url,
		"NEXUS_DEPLOY_TEST_CMD=test -s RELEASE", "NEXUS_DEPLOY_START_CMD=" + testStartCmd, "NEXUS_DEPLOY_STOP_CMD=" + testStopCmd,
		"NEXUS_DEPLOY_SMOKE_EMAIL=" + smokeEmail, "NEXUS_DEPLOY_SMOKE_PASSWORD=" + seeding.Password,
		"NEXUS_DEPLOY_READY_TIMEOUT=60s",
	}
	t.Cleanup(func() {
		stop := exec.Command("sh", "-c", testStopCmd)
		stop.Dir = s.root
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stop the host: %v: %s", err, out)
		}
		if log, _ := os.ReadFile(filepath.Join(s.root, "host.log")); t.Failed() {
			t.Logf("host log:\n%s", log)
		}
	})
	s.git("init", "-q", "-b", "main")
	s.git("config", "user.email", "deploy@test.local")
	s.git("config", "user.name", "deploy test")
	require.NoError(t, os.WriteFile(filepath.Join(s.src, ".gitignore"), []byte("bin/\n"), 0o644))
	return s
}

// git runs git in the source tree.
func (s *deploySite) git(args ...string) {
	s.t.Helper()
	out, err := exec.Command("git", append([]string{"-C", s.src}, args...)...).CombinedOutput()
	require.NoError(s.t, err, "git %v: %s", args, out)
}

// commit commits a release of the source tree whose build writes the
// given host and plugin binaries (vertical name → binary), as `make
// build` would.
func (s *deploySite) commit(name, host string, plugins map[string]string) []string {
	s.t.Helper()
	require.NoError(s.t, os.WriteFile(filepath.Join(s.src, "RELEASE"), []byte(name+"\n"), 0o644))
	s.git("add", "-A")
	s.git("commit", "-qm", name)
	build := "mkdir -p bin/plugins && rm -f bin/plugins/* && cp \"$TEST_HOST\" bin/nexus"
	env := []string{"TEST_HOST=" + host}
	for v, bin := range plugins {
		build += fmt.Sprintf(" && cp \"$TEST_PLUGIN_%s\" bin/plugins/nexus-vertical-%s", v, v)
		env = append(env, fmt.Sprintf("TEST_PLUGIN_%s=%s", v, bin))
	}
	return append(env, "NEXUS_DEPLOY_BUILD_CMD="+build)
}

// deploy runs `nexus deploy` with the site's environment and extra
// variables, and returns its output and error.
func (s *deploySite) deploy(extra ...string) (string, error) {
	s.t.Helper()
	cmd := exec.Command(hosttest.Build(s.t, hosttest.HostPackage), "deploy")
	cmd.Env = append(append(os.Environ(), s.env...), extra...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	s.t.Logf("nexus deploy took %s", time.Since(start).Round(time.Millisecond))
	return string(out), err
}

// live returns the release directory whose host binary is serving, read
// from the running process.
func (s *deploySite) live() string {
	s.t.Helper()
	pid, err := os.ReadFile(filepath.Join(s.root, "host.pid"))
	require.NoError(s.t, err, "a host runs")
	exe, err := os.Readlink(filepath.Join("/proc", strings.TrimSpace(string(pid)), "exe"))
	require.NoError(s.t, err)
	res, err := http.Get(s.url + "/readyz")
	require.NoError(s.t, err)
	_ = res.Body.Close()
	require.Equal(s.t, http.StatusOK, res.StatusCode, "the live host is ready")
	return filepath.Base(filepath.Dir(filepath.Dir(exe)))
}

// current returns the release the current symlink names.
func (s *deploySite) current() string {
	s.t.Helper()
	target, err := os.Readlink(filepath.Join(s.root, "current"))
	require.NoError(s.t, err)
	return filepath.Base(target)
}

// dataSums are the checksums of the business data: every table of the
// cpg vertical, the companies and the users.
func dataSums(t *testing.T, url string) map[string]string {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	out := map[string]string{}
	for table, sum := range tableChecksums(t, pool) {
		if strings.HasPrefix(table, `"cpg".`) || table == `"public"."companies"` || table == `"public"."users"` {
			out[table] = sum
		}
	}
	return out
}

// TestDeploy drives `nexus deploy` as an operator would, against real
// processes: a host started and stopped by service commands from a
// release directory, on a database seeded by `nexus seed`. A dirty tree,
// another branch and failing critical tests are refused before anything
// changes; a first release and then a second go live; a release whose
// migration fails is rolled back by its down migrations, and one whose
// host never becomes ready by restoring the backup — both end with the
// previous release serving and the data unchanged. A release with a
// degraded vertical goes live with a warning. A stop command that fails
// — in a rollback, or the deploy's own — ends the deploy without starting
// another host: current and the serving host stay as they are.
func TestDeploy(t *testing.T) {
	t.Parallel()
	nexus := hosttest.Build(t, hosttest.HostPackage)
	cpg := hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg")
	probe := hosttest.Build(t, probePackage)
	// The faulty releases build while the database is seeded.
	var brokenMigration, badQuery string
	built := make(chan struct{})
	go func() {
		defer close(built)
		brokenMigration, badQuery = buildProbe(t, "broken-migration"), buildProbe(t, "bad-query")
	}()
	db := pgtest.NewDatabase(t)
	seedDir := hosttest.PluginDir(t, map[string]string{"cpg": cpg})
	out, err := nexusCmd(t, db, seedDir, "seed", "--companies", "1", "--transactions", "200")
	<-built
	require.NoError(t, err, out)
	require.NotEmpty(t, brokenMigration)
	require.NotEmpty(t, badQuery)
	owner := regexp.MustCompile(`owner (\S+@\S+)`).FindStringSubmatch(out)
	require.NotNil(t, owner, out)

	s := newDeploySite(t, db, owner[1])
	good := map[string]string{"cpg": cpg, "probe": probe}
	first := s.commit("first", nexus, good)

	// Refused before anything changes.
	require.NoError(t, os.WriteFile(filepath.Join(s.src, "stray.go"), []byte("package stray\n"), 0o644))
	out, err = s.deploy(first...)
	require.Error(t, err)
	require.Contains(t, out, "has uncommitted changes")
	require.NoError(t, os.Remove(filepath.Join(s.src, "stray.go")))
	s.git("checkout", "-q", "-b", "feature")
	out, err = s.deploy(first...)
	require.Error(t, err)
	require.Contains(t, out, "is on branch feature; deploys come from main")
	s.git("checkout", "-q", "main")
	out, err = s.deploy(append(first, "NEXUS_DEPLOY_TEST_CMD=exit 3")...)
	require.Error(t, err)
	require.Contains(t, out, "deploy refused, nothing changed: critical tests")
	_, err = os.Lstat(filepath.Join(s.root, "current"))
	require.ErrorIs(t, err, os.ErrNotExist, "no release went live")

	// A first release, then a second, go live.
	out, err = s.deploy(first...)
	require.NoError(t, err, out)
	require.Contains(t, out, "GET /api/v1/verticals/cpg/", "a route of the running vertical the smoke company enabled")
	rel1 := s.current()
	require.Equal(t, rel1, s.live())
	out, err = s.deploy(s.commit("second", nexus, good)...)
	require.NoError(t, err, out)
	rel2 := s.current()
	require.NotEqual(t, rel1, rel2)
	require.Equal(t, rel2, s.live())
	require.Contains(t, out, "deployed "+rel2+" (previous: ")
	before := dataSums(t, db)
	require.Contains(t, before, `"cpg"."sales"`)

	// A migration fails: nothing ran on the new schema, so the deploy's
	// migrations are reverted.
	out, err = s.deploy(s.commit("broken migration", nexus, map[string]string{"cpg": cpg, "probe": brokenMigration})...)
	require.Error(t, err, out)
	require.Contains(t, out, "FAILED at migrate")
	require.Contains(t, out, "reverted the migrations the deploy applied")
	require.Equal(t, rel2, s.current())
	require.Equal(t, rel2, s.live(), "the previous release serves")
	conn, err := pgx.Connect(context.Background(), db)
	require.NoError(t, err)
	var probeVersion, priority int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT max(version) FROM schema_migrations WHERE component = 'probe'`).Scan(&probeVersion))
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.columns WHERE table_schema = 'probe' AND column_name = 'priority'`).Scan(&priority))
	require.NoError(t, conn.Close(context.Background()))
	require.Equal(t, 2, probeVersion, "migration 0003 was reverted")
	require.Zero(t, priority, "its column is gone")
	require.Equal(t, before, dataSums(t, db), "the data is intact")

	// The new host never becomes ready: it ran, so the backup is restored.
	out, err = s.deploy(s.commit("bad query", nexus, map[string]string{"cpg": cpg, "probe": badQuery})...)
	require.Error(t, err, out)
	require.Contains(t, out, "FAILED at ready")
	require.Contains(t, out, "vertical:probe")
	require.Contains(t, out, "restored the backup")
	require.Equal(t, rel2, s.current())
	require.Equal(t, rel2, s.live(), "the previous release serves")
	require.Equal(t, before, dataSums(t, db), "the data is intact")
	aside := regexp.MustCompile(`kept as (\S+_failed_\d{8}T\d{6})`).FindStringSubmatch(out)
	require.NotNil(t, aside, out)
	admin, err := pgx.Connect(context.Background(), pgtest.ServerURL())
	require.NoError(t, err)
	defer func() { _ = admin.Close(context.Background()) }()
	_, err = admin.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{aside[1]}.Sanitize()+" WITH (FORCE)")
	require.NoError(t, err, "the database the failed release used was kept")

	// A vertical serving degraded (its revenue event names a source it
	// does not have) does not stop the release: it goes live, warning.
	degraded := map[string]string{"cpg": cpg, "probe": probe, "badsource": probe}
	out, err = s.deploy(s.commit("degraded", nexus, degraded)...)
	require.NoError(t, err, out)
	rel3 := s.current()
	require.NotEqual(t, rel2, rel3)
	require.Equal(t, rel3, s.live())
	require.Contains(t, out, "WARNING: "+rel3+" is live DEGRADED")
	require.Contains(t, out, "WARNING:   vertical badsource: revenue event badsource.note.closed: ")

	// The stop command fails in the rollback of a release whose smoke
	// request fails: the rollback stops there, the new host serving
	// alone and current naming it.
	stopOnce := `if [ -f stopped-once ]; then echo "stop: permission denied" >&2; exit 1; fi; touch stopped-once; ` + testStopCmd
	out, err = s.deploy(append(s.commit("stuck", nexus, degraded),
		"NEXUS_DEPLOY_STOP_CMD="+stopOnce, "NEXUS_DEPLOY_SMOKE_ROUTE=verticals/cpg/no-such-route")...)
	require.Error(t, err, out)
	require.Contains(t, out, "FAILED at smoke")
	require.Contains(t, out, "ROLLBACK STOPPED: could not stop the new host")
	require.NotContains(t, out, "deploy: starting the previous release")
	rel4 := s.current()
	require.NotEqual(t, rel3, rel4, "current still names the new release")
	require.Equal(t, rel4, s.live(), "the new host serves, the previous release was not started beside it")

	// The deploy's own stop fails: nothing changes, nothing is started.
	pid, err := os.ReadFile(filepath.Join(s.root, "host.pid"))
	require.NoError(t, err)
	out, err = s.deploy(append(s.commit("unstoppable", nexus, degraded), "NEXUS_DEPLOY_STOP_CMD=exit 1")...)
	require.Error(t, err, out)
	require.Contains(t, out, "failed at stop")
	require.Contains(t, out, "the previous release was not started again")
	require.Equal(t, rel4, s.current())
	require.Equal(t, rel4, s.live())
	again, err := os.ReadFile(filepath.Join(s.root, "host.pid"))
	require.NoError(t, err)
	require.Equal(t, string(pid), string(again), "the same host process serves")
}
