package cache_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

// monitored returns a client of url with hooks added, a running Monitor
// checking every 50 ms, and a Redis backend using both.
func monitored(t *testing.T, url string, hooks ...redis.Hook) (*cache.Monitor, *cache.Redis) {
	t.Helper()
	client, err := cache.NewClient(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	for _, h := range hooks {
		client.AddHook(h)
	}
	mon := cache.NewMonitor(client, 50*time.Millisecond, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { mon.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitHealthy(t, mon, true)
	return mon, cache.NewRedis(client, mon, nil)
}

func waitHealthy(t *testing.T, mon *cache.Monitor, want bool) {
	t.Helper()
	require.Eventually(t, func() bool { ok, _ := mon.Healthy(); return ok == want },
		5*time.Second, 10*time.Millisecond, "redis healthy should become %v", want)
}

// request is one read path: a product scan served through the cache.
func request(ctx context.Context, c cache.Cache, loads *atomic.Int32) ([]byte, error) {
	return c.GetOrLoad(ctx, "scan:1", time.Minute, []string{"product:1"}, func(context.Context) ([]byte, error) {
		loads.Add(1)
		return []byte("from the database"), nil
	})
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

func TestRedisOutageDegradesAndRecovers(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	sent := &commands{}
	mon, b := monitored(t, srv.URL, sent)
	ctx := context.Background()
	c, err := b.For(cache.Scope{Vertical: "cpg", CompanyID: uuid.New()})
	require.NoError(t, err)

	var loads atomic.Int32
	for range 3 {
		v, err := request(ctx, c, &loads)
		require.NoError(t, err)
		require.Equal(t, "from the database", string(v))
	}
	require.Equal(t, int32(1), loads.Load(), "served from redis")

	// No request stalls on the outage: only the request that finds Redis
	// down waits on it; every later one bypasses the cache without sending
	// Redis anything.
	srv.Stop(t)
	waited := 0
	for i := range 20 {
		before := sent.n.Load()
		v, err := request(ctx, c, &loads)
		require.NoError(t, err, "request %d during the outage", i)
		require.Equal(t, "from the database", string(v))
		if sent.n.Load() > before {
			waited++
		}
	}
	require.LessOrEqual(t, waited, 1, "requests that waited on the unreachable Redis")
	require.Equal(t, int32(21), loads.Load(), "the cache is bypassed, every request loads")
	ok, reason := mon.Healthy()
	require.False(t, ok)
	require.Contains(t, reason, "redis")
	_, hit, err := c.Get(ctx, "scan:1")
	require.NoError(t, err)
	require.False(t, hit)
	require.NoError(t, c.Set(ctx, "k", []byte("v"), time.Minute))
	require.NoError(t, c.InvalidateTags(ctx, "product:1"), "invalidation during an outage is not an error")
	require.Equal(t, 1, b.Pending())

	srv.Start(t)
	waitHealthy(t, mon, true)
	loads.Store(0)
	for range 3 {
		_, err := request(ctx, c, &loads)
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), loads.Load(), "cached again after recovery")
	require.Zero(t, b.Pending(), "queued invalidations replayed")
}

func TestRedisOutageReplaysInvalidations(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	proxy := redistest.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", srv.Port))
	mon, b := monitored(t, proxy.URL)
	ctx := context.Background()
	c, err := b.For(cache.Scope{Vertical: "cpg", CompanyID: uuid.New()})
	require.NoError(t, err)
	require.NoError(t, c.Set(ctx, "scan:1", []byte("old"), time.Minute, "product:1"))
	require.NoError(t, c.Set(ctx, "product:2", []byte("old"), time.Minute))
	require.NoError(t, c.Set(ctx, "kept", []byte("kept"), time.Minute))

	// The network fails; Redis keeps its data. Writes commit meanwhile.
	proxy.Stop()
	waitHealthy(t, mon, false)
	inv := cache.NewInvalidator(nil)
	require.True(t, inv.Collect(c, []string{"product:2"}, []string{"product:1"}))
	require.NoError(t, inv.Flush(ctx))
	require.Equal(t, 2, b.Pending())

	proxy.Start(t)
	waitHealthy(t, mon, true)
	for _, k := range []string{"scan:1", "product:2"} {
		_, ok, err := c.Get(ctx, k)
		require.NoError(t, err)
		require.False(t, ok, "%s was invalidated during the outage and must not come back", k)
	}
	v, ok, _ := c.Get(ctx, "kept")
	require.True(t, ok)
	require.Equal(t, "kept", string(v))
	require.Zero(t, b.Pending())
}

func TestRedisDownAtStart(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	client, err := cache.NewClient("redis://" + addr + "/0")
	require.NoError(t, err, "the client is built without connecting")
	t.Cleanup(func() { _ = client.Close() })
	mon := cache.NewMonitor(client, time.Second, nil)
	ok, reason := mon.Healthy()
	require.False(t, ok)
	require.Equal(t, "redis: not checked yet", reason)
	require.Error(t, mon.Check(context.Background()))
	ok, reason = mon.Healthy()
	require.False(t, ok)
	require.Contains(t, reason, "redis ping")

	c, err := cache.NewRedis(client, mon, nil).For(cache.Scope{Vertical: "host", CompanyID: uuid.Nil})
	require.NoError(t, err)
	var loads atomic.Int32
	v, err := request(context.Background(), c, &loads)
	require.NoError(t, err)
	require.Equal(t, "from the database", string(v))
}

func TestNewClient(t *testing.T) {
	t.Parallel()
	_, err := cache.NewClient("http://nope")
	require.Error(t, err)
	c, err := cache.NewClient("redis://127.0.0.1:6379/3?dial_timeout=3s")
	require.NoError(t, err)
	defer func() { _ = c.Close() }()
	require.Equal(t, 3, c.Options().DB)
	require.Equal(t, 3*time.Second, c.Options().DialTimeout, "the URL wins")
	require.Equal(t, 500*time.Millisecond, c.Options().ReadTimeout)
	require.Equal(t, 1, c.Options().MaxRetries)
}

func TestMonitorObserve(t *testing.T) {
	t.Parallel()
	mon, _ := monitored(t, redistest.URL())
	cases := []struct {
		name        string
		err         error
		unreachable bool
	}{
		{"nil", nil, false},
		{"miss", redis.Nil, false},
		{"wrapped miss", fmt.Errorf("get: %w", redis.Nil), false},
		{"cancelled", context.Canceled, false},
		{"caller deadline", context.DeadlineExceeded, false},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"eof", io.EOF, true},
		{"closed", redis.ErrClosed, true},
	}
	for _, tc := range cases {
		require.Equal(t, tc.unreachable, cache.Unreachable(tc.err), tc.name)
	}

	rc := redistest.Client(t)
	replyErr := rc.Do(context.Background(), "NOSUCHCOMMAND").Err()
	require.Error(t, replyErr)
	require.False(t, cache.Unreachable(replyErr), "a server reply means redis is up")

	mon.Observe(redis.Nil)
	ok, _ := mon.Healthy()
	require.True(t, ok)
	mon.Observe(io.EOF)
	ok, reason := mon.Healthy()
	require.False(t, ok, "a connection failure marks redis down at once")
	require.Equal(t, "redis: EOF", reason)
	waitHealthy(t, mon, true)
}

func TestRedisLog(t *testing.T) {
	t.Parallel()
	var buf strings.Builder
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Debug})
	cache.RedisLog{Logger: log}.Printf(context.Background(), "redis: dial %s: %v", "127.0.0.1:1", "refused")
	require.Contains(t, buf.String(), "[DEBUG] redis: dial 127.0.0.1:1: refused")
}

// down is a Health reporting an outage.
type down struct{}

func (down) Healthy() (bool, string) { return false, "redis: test outage" }
func (down) Observe(error)           {}

func TestPendingInvalidationsAreBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := cache.NewRedis(redistest.Client(t), down{}, nil)
	c, err := b.For(cache.Scope{Vertical: "cpg", CompanyID: uuid.New()})
	require.NoError(t, err)
	for i := range cache.MaxPendingInvalidations + 10 {
		require.NoError(t, c.Delete(ctx, fmt.Sprint("k", i)))
	}
	require.Equal(t, cache.MaxPendingInvalidations, b.Pending())
}
