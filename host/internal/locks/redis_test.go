package locks_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/locks"
)

// Environment of the helper process started by TestContentionAcrossProcesses.
const (
	helperEnv      = "NEXUS_LOCKS_HELPER_SCOPE"
	helperWorkers  = 4
	helperSections = 25
)

// sectionScript enters the critical section: it counts holders and
// records an overlap when there is more than one, then registers the
// process that ran it. KEYS: holders, overlaps, runs; ARGV: pid.
const enterScript = `
if redis.call('INCR', KEYS[1]) ~= 1 then redis.call('INCR', KEYS[2]) end
redis.call('RPUSH', KEYS[3], ARGV[1])
return 0
`

// section is a critical section whose overlaps are visible across
// processes: it keeps a holder count in Redis for a while.
func section(t testing.TB, scope cache.Scope) func(context.Context) error {
	rc := redistest.Client(t)
	base := "test:locks:" + scope.Vertical + ":"
	pid := strconv.Itoa(os.Getpid())
	return func(ctx context.Context) error {
		if err := rc.Eval(ctx, enterScript, []string{base + "holders", base + "overlaps", base + "runs"}, pid).Err(); err != nil {
			return fmt.Errorf("enter: %w", err)
		}
		time.Sleep(500 * time.Microsecond)
		return rc.Decr(ctx, base+"holders").Err()
	}
}

// TestLockHelperProcess is the second host process of
// TestContentionAcrossProcesses; it does nothing unless started by it.
func TestLockHelperProcess(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		return
	}
	scope := parseScope(t, spec)
	lk, err := locks.NewRedis(redistest.Client(t), nil).For(scope)
	require.NoError(t, err)
	barrier(context.Background(), t, scope)
	critical(context.Background(), t, lk, helperWorkers, helperSections, section(t, scope))
}

func parseScope(t *testing.T, spec string) cache.Scope {
	t.Helper()
	var vertical, company string
	_, err := fmt.Sscanf(spec, "%s %s", &vertical, &company)
	require.NoError(t, err)
	id, err := uuid.Parse(company)
	require.NoError(t, err)
	return cache.Scope{Vertical: vertical, CompanyID: id}
}

func TestContentionAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rc := redistest.Client(t)
	scope, lk := newLocker(t, locks.NewRedis(rc, nil))
	base := "test:locks:" + scope.Vertical + ":"
	redistest.CleanupKeys(t, rc, base+"*")

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+scope.Vertical+" "+scope.CompanyID.String())
	type result struct {
		out []byte
		err error
	}
	child := make(chan result, 1)
	go func() {
		out, err := cmd.CombinedOutput()
		child <- result{out, err}
	}()

	barrier(ctx, t, scope)
	critical(ctx, t, lk, helperWorkers, helperSections, section(t, scope))
	r := <-child
	require.NoError(t, r.err, "helper process:\n%s", r.out)
	require.Contains(t, string(r.out), "--- PASS: TestLockHelperProcess")

	overlaps, err := rc.Get(ctx, base+"overlaps").Int()
	if err != nil {
		require.ErrorIs(t, err, redis.Nil)
	}
	require.Zero(t, overlaps, "no two holders at once")
	runs, err := rc.LRange(ctx, base+"runs", 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, runs, 2*helperWorkers*helperSections)
	pids := map[string]int{}
	for _, p := range runs {
		pids[p]++
	}
	require.Len(t, pids, 2, "both processes ran sections")
	require.Equal(t, helperWorkers*helperSections, pids[strconv.Itoa(os.Getpid())])
}

// barrier waits until both processes of TestContentionAcrossProcesses are
// ready, so their sections contend.
func barrier(ctx context.Context, t testing.TB, scope cache.Scope) {
	t.Helper()
	rc := redistest.Client(t)
	key := "test:locks:" + scope.Vertical + ":ready"
	require.NoError(t, rc.Incr(ctx, key).Err())
	require.Eventually(t, func() bool {
		n, err := rc.Get(ctx, key).Int()
		return err == nil && n >= 2
	}, 30*time.Second, time.Millisecond, "the other process never got ready")
}

// commands is a go-redis hook counting the commands sent other than the
// Monitor's PING, pipelined ones included.
type commands struct{ n atomic.Int64 }

func (*commands) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "ping" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *commands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestRedisFailsClosed stops a throwaway Redis under a held lock: acquiring
// fails with ErrUnavailable after one attempt instead of polling through
// its wait, and once the outage is known nothing is sent to Redis at all.
func TestRedisFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.StartServer(t)
	client, err := cache.NewClient(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	sent := &commands{}
	client.AddHook(sent)
	mon := cache.NewMonitor(client, 50*time.Millisecond, nil)
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { mon.Run(mctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	healthy := func(want bool) {
		t.Helper()
		require.Eventually(t, func() bool { ok, _ := mon.Healthy(); return ok == want }, 5*time.Second, 10*time.Millisecond)
	}
	healthy(true)
	lk, err := locks.NewRedis(client, mon).For(cache.Scope{Vertical: "host", CompanyID: uuid.Nil})
	require.NoError(t, err)

	held, err := lk.Acquire(ctx, "job", time.Minute, 0)
	require.NoError(t, err)

	srv.Stop(t)
	before := sent.n.Load()
	_, err = lk.Acquire(ctx, "job2", time.Minute, 5*time.Second)
	require.ErrorIs(t, err, locks.ErrUnavailable, "no lock is pretended while redis is down")
	require.LessOrEqual(t, sent.n.Load()-before, int64(1), "failing closed does not wait: one attempt, no polling through the wait")
	healthy(false)
	before = sent.n.Load()
	_, err = lk.Acquire(ctx, "job2", time.Minute, 5*time.Second)
	require.ErrorIs(t, err, locks.ErrUnavailable)
	require.ErrorContains(t, err, "redis")
	require.ErrorIs(t, held.Extend(ctx, time.Minute), locks.ErrUnavailable)
	require.ErrorIs(t, held.Release(ctx), locks.ErrUnavailable)
	require.Equal(t, before, sent.n.Load(), "a known outage fails at once: Redis is not asked")

	srv.Start(t)
	healthy(true)
	l, err := lk.Acquire(ctx, "job2", time.Minute, 0)
	require.NoError(t, err, "recovers by itself")
	require.NoError(t, l.Release(ctx))
}

func TestScriptsSurviveScriptFlush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.StartServer(t)
	client, err := cache.NewClient(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	lk, err := locks.NewRedis(client, nil).For(cache.Scope{Vertical: "host"})
	require.NoError(t, err)

	for range 2 {
		l, err := lk.Acquire(ctx, "x", time.Minute, 0)
		require.NoError(t, err)
		require.NoError(t, l.Extend(ctx, time.Minute))
		require.NoError(t, l.Release(ctx))
		require.NoError(t, client.ScriptFlush(ctx).Err(), "a cold script cache falls back to EVAL")
	}
	for range 2 {
		l, err := lk.Acquire(ctx, "x", time.Minute, 0)
		require.NoError(t, err)
		require.NoError(t, l.Extend(ctx, time.Minute))
		require.NoError(t, l.Release(ctx))
	}
	info, err := client.Info(ctx, "commandstats").Result()
	require.NoError(t, err)
	m := regexp.MustCompile(`cmdstat_evalsha:calls=(\d+),.*failed_calls=(\d+)`).FindStringSubmatch(info)
	require.NotNil(t, m, info)
	calls, _ := strconv.Atoi(m[1])
	failed, _ := strconv.Atoi(m[2])
	require.Equal(t, 8, calls, "every script call goes by SHA first")
	require.Equal(t, 6, failed, "NOSCRIPT right after each flush, then EVAL reloads")
	require.Equal(t, 2, calls-failed, "the last round ran by SHA only")
}
