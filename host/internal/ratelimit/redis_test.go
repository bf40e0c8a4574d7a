package ratelimit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache/redistest"
)

// limiterCase builds one backend for the shared behavioural suite, reading
// time from now.
type limiterCase struct {
	name string
	new  func(t *testing.T, now func() time.Time) Limiter
}

func limiters() []limiterCase {
	return []limiterCase{
		{"memory", func(_ *testing.T, now func() time.Time) Limiter { return NewMemoryClock(now) }},
		{"redis", func(t *testing.T, now func() time.Time) Limiter {
			return NewRedisClock(redistest.Client(t), testPrefix(t), now)
		}},
	}
}

// testPrefix returns a Redis prefix no other test uses, cleaned up after.
func testPrefix(t *testing.T) string {
	p := redistest.Prefix()
	redistest.CleanupKeys(t, redistest.Client(t), p+"*")
	return p
}

// TestGCRABoundary is TestMemoryBoundary for every backend, in the whole
// microseconds Redis works in.
func TestGCRABoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit Limit
		burst int
	}{
		{"burst equals rate", Limit{Rate: 5, Period: time.Minute, Burst: 5}, 5},
		{"burst above rate", Limit{Rate: 2, Period: time.Second, Burst: 6}, 6},
		{"zero burst means one", Limit{Rate: 10, Period: time.Second}, 1},
	}
	for _, lc := range limiters() {
		for _, tc := range tests {
			t.Run(lc.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				clock := newClock()
				l := lc.new(t, clock.Now)
				interval := tc.limit.Period / time.Duration(tc.limit.Rate)

				for i := range tc.burst {
					d, err := l.Allow(ctx, "k", tc.limit)
					require.NoError(t, err)
					require.True(t, d.Allowed, "request %d of the burst", i+1)
					require.Equal(t, tc.burst-i-1, d.Remaining)
					require.Zero(t, d.RetryAfter)
					require.Equal(t, interval*time.Duration(i+1), d.ResetAfter)
				}

				d, err := l.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.False(t, d.Allowed, "request past the burst")
				require.Equal(t, 0, d.Remaining)
				require.Equal(t, interval, d.RetryAfter)
				require.Equal(t, interval*time.Duration(tc.burst), d.ResetAfter)

				clock.Advance(interval - time.Microsecond)
				d, err = l.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.False(t, d.Allowed, "one microsecond before the emission interval")
				require.Equal(t, time.Microsecond, d.RetryAfter)

				clock.Advance(time.Microsecond)
				d, err = l.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.True(t, d.Allowed, "exactly one emission interval later")
				require.Equal(t, 0, d.Remaining)

				d, err = l.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.False(t, d.Allowed, "only one request per interval after the burst")

				clock.Advance(tc.limit.Period * time.Duration(tc.burst))
				d, err = l.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.True(t, d.Allowed)
				require.Equal(t, tc.burst-1, d.Remaining, "idle time refills the whole burst, no more")

				d, err = l.Allow(ctx, "other", tc.limit)
				require.NoError(t, err)
				require.True(t, d.Allowed, "keys are independent")
			})
		}
	}
}

func TestRedisServerClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := NewRedis(redistest.Client(t), testPrefix(t))
	l := Limit{Rate: 10, Period: time.Second, Burst: 3}
	for i := range 3 {
		d, err := r.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.True(t, d.Allowed, "request %d", i+1)
	}
	d, err := r.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Positive(t, d.RetryAfter)
	require.LessOrEqual(t, d.RetryAfter, 100*time.Millisecond)
	time.Sleep(d.RetryAfter + 5*time.Millisecond)
	d, err = r.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.True(t, d.Allowed, "allowed again after RetryAfter")

	ttl, err := redistest.Client(t).PTTL(ctx, r.prefix+"k").Result()
	require.NoError(t, err)
	require.Positive(t, ttl, "state expires")
	require.LessOrEqual(t, ttl, 300*time.Millisecond, "once fully decayed")
}

func TestRedisSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prefix := testPrefix(t)
	replicas := []*Redis{NewRedis(redistest.Client(t), prefix), NewRedis(redistest.Client(t), prefix)}
	l := Limit{Rate: 1, Period: time.Hour, Burst: 10}
	allowed := 0
	for i := range 30 {
		d, err := replicas[i%2].Allow(ctx, "login:ip:203.0.113.7", l)
		require.NoError(t, err)
		if d.Allowed {
			allowed++
		}
	}
	require.Equal(t, 10, allowed, "replicas share one budget")
}

func TestRedisConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := NewRedis(redistest.Client(t), testPrefix(t))
	l := Limit{Rate: 1, Period: time.Hour, Burst: 25}
	var (
		wg      sync.WaitGroup
		allowed atomic.Int32
	)
	for range 100 {
		wg.Go(func() {
			d, err := r.Allow(ctx, "shared", l)
			if err != nil {
				t.Error(err)
				return
			}
			if d.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int32(25), allowed.Load())
}

func TestRedisInvalidLimit(t *testing.T) {
	t.Parallel()
	_, err := NewRedis(redistest.Client(t), testPrefix(t)).Allow(context.Background(), "k", Limit{Rate: 1})
	require.Error(t, err)
}

// fakeHealth is a Health the test switches by hand.
type fakeHealth struct {
	ok       atomic.Bool
	observed atomic.Int32
}

func (h *fakeHealth) Healthy() (bool, string) { return h.ok.Load(), "test" }
func (h *fakeHealth) Observe(error)           { h.observed.Add(1) }

// failing is a Limiter whose backend is down.
type failing struct{}

func (failing) Allow(context.Context, string, Limit) (Decision, error) {
	return Decision{}, errors.New("dial tcp: connection refused")
}

func TestFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rc := redistest.Client(t)
	prefix := testPrefix(t)
	h := &fakeHealth{}
	h.ok.Store(true)
	f := NewFallback(NewRedis(rc, prefix), h, NewMemory(), nil)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 2}

	d, err := f.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	n, err := rc.Exists(ctx, prefix+"k").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "healthy: counted in redis")

	h.ok.Store(false)
	for range 2 {
		d, err = f.Allow(ctx, "k", l)
		require.NoError(t, err)
		require.True(t, d.Allowed, "unhealthy: a fresh per-process bucket")
	}
	d, err = f.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, d.Allowed, "the per-process limit still applies")

	h.ok.Store(true)
	d, err = f.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.True(t, d.Allowed, "back on redis, which saw one request")
	d, err = f.Allow(ctx, "k", l)
	require.NoError(t, err)
	require.False(t, d.Allowed)

	broken := NewFallback(failing{}, h, NewMemory(), nil)
	d, err = broken.Allow(ctx, "k", l)
	require.NoError(t, err, "a primary failure is never the caller's error")
	require.True(t, d.Allowed)
	require.Equal(t, int32(1), h.observed.Load(), "and is reported to the monitor")

	_, err = broken.Allow(ctx, "k", Limit{})
	require.Error(t, err, "an invalid limit is still an error")
}
