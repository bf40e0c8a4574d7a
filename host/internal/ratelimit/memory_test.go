package ratelimit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryBoundary(t *testing.T) {
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
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := newClock()
			m := NewMemoryClock(clock.Now)
			interval := tc.limit.Period / time.Duration(tc.limit.Rate)

			for i := range tc.burst {
				d, err := m.Allow(ctx, "k", tc.limit)
				require.NoError(t, err)
				require.True(t, d.Allowed, "request %d of the burst", i+1)
				require.Equal(t, tc.burst-i-1, d.Remaining)
				require.Zero(t, d.RetryAfter)
				require.Equal(t, interval*time.Duration(i+1), d.ResetAfter)
			}

			d, err := m.Allow(ctx, "k", tc.limit)
			require.NoError(t, err)
			require.False(t, d.Allowed, "request past the burst")
			require.Equal(t, 0, d.Remaining)
			require.Equal(t, interval, d.RetryAfter)

			clock.Advance(interval - time.Nanosecond)
			d, err = m.Allow(ctx, "k", tc.limit)
			require.NoError(t, err)
			require.False(t, d.Allowed, "one nanosecond before the emission interval")
			require.Equal(t, time.Nanosecond, d.RetryAfter)

			clock.Advance(time.Nanosecond)
			d, err = m.Allow(ctx, "k", tc.limit)
			require.NoError(t, err)
			require.True(t, d.Allowed, "exactly one emission interval later")
			require.Equal(t, 0, d.Remaining)

			d, err = m.Allow(ctx, "k", tc.limit)
			require.NoError(t, err)
			require.False(t, d.Allowed, "only one request per interval after the burst")

			clock.Advance(tc.limit.Period * time.Duration(tc.burst))
			d, err = m.Allow(ctx, "k", tc.limit)
			require.NoError(t, err)
			require.True(t, d.Allowed)
			require.Equal(t, tc.burst-1, d.Remaining, "idle time refills the whole burst, no more")
		})
	}
}

func TestMemoryKeysAreIndependent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryClock(newClock().Now)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 1}

	d, err := m.Allow(ctx, "a", l)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	d, err = m.Allow(ctx, "a", l)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	d, err = m.Allow(ctx, "b", l)
	require.NoError(t, err)
	require.True(t, d.Allowed)
}

func TestMemorySweepsStaleKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	m := NewMemoryClock(clock.Now)
	l := Limit{Rate: 10, Period: time.Second, Burst: 10}
	for i := range 100 {
		_, err := m.Allow(ctx, fmt.Sprintf("k%d", i), l)
		require.NoError(t, err)
	}
	require.Equal(t, 100, m.Len())

	clock.Advance(2 * sweepEvery)
	_, err := m.Allow(ctx, "fresh", l)
	require.NoError(t, err)
	require.Equal(t, 1, m.Len())
}

func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewMemoryClock(newClock().Now)
	l := Limit{Rate: 1, Period: time.Hour, Burst: 25}

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 100 {
		wg.Go(func() {
			d, err := m.Allow(ctx, "shared", l)
			require.NoError(t, err)
			if d.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, 25, allowed)
}

func TestInvalidLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit Limit
	}{
		{"zero", Limit{}},
		{"negative rate", Limit{Rate: -1, Period: time.Second}},
		{"zero period", Limit{Rate: 1}},
		{"rate beyond nanoseconds", Limit{Rate: 10, Period: time.Nanosecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMemory().Allow(context.Background(), "k", tc.limit)
			require.Error(t, err)
		})
	}
}

func TestWriteHeaders(t *testing.T) {
	t.Parallel()
	l := Limit{Rate: 5, Period: time.Minute, Burst: 10}
	tests := []struct {
		name string
		d    Decision
		want map[string]string
	}{
		{
			name: "allowed",
			d:    Decision{Allowed: true, Limit: l, Remaining: 7, ResetAfter: 36 * time.Second},
			want: map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "7", "RateLimit-Reset": "36", "Retry-After": ""},
		},
		{
			name: "denied rounds up",
			d:    Decision{Limit: l, RetryAfter: 1500 * time.Millisecond, ResetAfter: 120*time.Second + time.Millisecond},
			want: map[string]string{"RateLimit-Limit": "10", "RateLimit-Remaining": "0", "RateLimit-Reset": "121", "Retry-After": "2"},
		},
		{
			name: "denied retry is at least one second",
			d:    Decision{Limit: l, RetryAfter: time.Nanosecond},
			want: map[string]string{"RateLimit-Remaining": "0", "Retry-After": "1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			WriteHeaders(rec, tc.d)
			for k, v := range tc.want {
				require.Equal(t, v, rec.Header().Get(k), k)
			}
		})
	}
}
