package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// caller reads the principal the way the host wires Classify.
func caller(ctx context.Context) (ratelimit.Caller, bool) {
	p, ok := auth.FromContext(ctx)
	return ratelimit.Caller{UserID: p.UserID, CompanyID: p.CompanyID}, ok
}

var ok200 = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusOK)
})

// broken is a Limiter that always fails.
type broken struct{}

func (broken) Allow(context.Context, string, ratelimit.Limit) (ratelimit.Decision, error) {
	return ratelimit.Decision{}, errors.New("backend down")
}

// counted is a Limiter counting the calls that reach inner.
type counted struct {
	inner ratelimit.Limiter
	calls atomic.Int64
}

func (c *counted) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	c.calls.Add(1)
	return c.inner.Allow(ctx, key, l)
}

type envelope struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	limit := ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 2}
	fixed := func(ok bool) ratelimit.Classifier {
		return func(*http.Request) (string, ratelimit.Limit, bool) { return "k", limit, ok }
	}
	t.Run("allowed then denied", func(t *testing.T) {
		t.Parallel()
		h := ratelimit.Middleware(ratelimit.NewMemory(), fixed(true))(ok200)
		for i, want := range []string{"1", "0"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			require.Equal(t, http.StatusOK, rec.Code, "request %d", i+1)
			require.Equal(t, "2", rec.Header().Get("RateLimit-Limit"))
			require.Equal(t, want, rec.Header().Get("RateLimit-Remaining"))
			require.NotEmpty(t, rec.Header().Get("RateLimit-Reset"))
			require.Empty(t, rec.Header().Get("Retry-After"))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, http.StatusTooManyRequests, rec.Code)
		require.Equal(t, "60", rec.Header().Get("Retry-After"))
		require.Equal(t, "0", rec.Header().Get("RateLimit-Remaining"))
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		var env envelope
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env))
		require.Equal(t, "rate_limited", env.Error.Code)
		require.Equal(t, float64(60), env.Error.Details["retry_after_seconds"])
	})
	t.Run("exempt", func(t *testing.T) {
		t.Parallel()
		h := ratelimit.Middleware(ratelimit.NewMemory(), fixed(false))(ok200)
		for range 5 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			require.Equal(t, http.StatusOK, rec.Code)
			require.Empty(t, rec.Header().Get("RateLimit-Limit"))
		}
	})
	t.Run("limiter failure lets requests through", func(t *testing.T) {
		t.Parallel()
		h := ratelimit.Middleware(broken{}, fixed(true))(ok200)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, rec.Header().Get("RateLimit-Limit"))
	})
}

func TestClassify(t *testing.T) {
	t.Parallel()
	classes := ratelimit.Classes{
		Anonymous:     ratelimit.Limit{Rate: 1, Period: time.Second},
		Authenticated: ratelimit.Limit{Rate: 2, Period: time.Second},
		Write:         ratelimit.Limit{Rate: 3, Period: time.Second},
	}
	user, company := uuid.New(), uuid.New()
	p := auth.Principal{UserID: user, CompanyID: company, Role: auth.RoleCashier}
	tests := []struct {
		name      string
		method    string
		principal bool
		classes   ratelimit.Classes
		key       string
		rate      int
		ok        bool
	}{
		{"anonymous per ip", http.MethodPost, false, classes, "anon:203.0.113.9", 1, true},
		{"authenticated read", http.MethodGet, true, classes, "user:" + user.String() + ":" + company.String() + ":read", 2, true},
		{"authenticated head", http.MethodHead, true, classes, "user:" + user.String() + ":" + company.String() + ":read", 2, true},
		{"authenticated write", http.MethodPatch, true, classes, "user:" + user.String() + ":" + company.String() + ":write", 3, true},
		{"anonymous class off", http.MethodGet, false, ratelimit.Classes{}, "anon:203.0.113.9", 0, false},
		{"write class off", http.MethodDelete, true, ratelimit.Classes{Authenticated: classes.Authenticated}, "user:" + user.String() + ":" + company.String() + ":write", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, "/api/v1/x", nil)
			r.RemoteAddr = "203.0.113.9:5555"
			if tc.principal {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			key, l, ok := ratelimit.Classify(tc.classes, caller, nil)(r)
			require.Equal(t, tc.key, key)
			require.Equal(t, tc.rate, l.Rate)
			require.Equal(t, tc.ok, ok)
		})
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	key, _, _ := ratelimit.Classify(classes, caller, func(*http.Request) string { return "198.51.100.1" })(r)
	require.Equal(t, "anon:198.51.100.1", key, "a custom client IP function")
}

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ratelimit.Limit
		err  bool
	}{
		{"60/1m:30", ratelimit.Limit{Rate: 60, Period: time.Minute, Burst: 30}, false},
		{"10/s", ratelimit.Limit{Rate: 10, Period: time.Second, Burst: 10}, false},
		{"1000/1h", ratelimit.Limit{Rate: 1000, Period: time.Hour, Burst: 1000}, false},
		{"5/500ms:1", ratelimit.Limit{Rate: 5, Period: 500 * time.Millisecond, Burst: 1}, false},
		{"off", ratelimit.Limit{}, false},
		{"", ratelimit.Limit{}, true},
		{"60", ratelimit.Limit{}, true},
		{"x/1m", ratelimit.Limit{}, true},
		{"0/1m", ratelimit.Limit{}, true},
		{"-1/1m", ratelimit.Limit{}, true},
		{"60/forever", ratelimit.Limit{}, true},
		{"60/-1m", ratelimit.Limit{}, true},
		{"60/1m:0", ratelimit.Limit{}, true},
		{"60/1m:x", ratelimit.Limit{}, true},
	}
	for _, tc := range tests {
		got, err := ratelimit.ParseLimit(tc.in)
		if tc.err {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

// TestMiddlewareDuringRedisOutage stops a throwaway Redis under a running
// API: requests keep being answered (200 or 429, never 500) from the
// per-process limits, and the shared limits come back with Redis. No
// request stalls on the outage: only the request that finds Redis down
// waits on it, every later one is limited per process without calling
// Redis at all.
func TestMiddlewareDuringRedisOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.StartServer(t)
	client, err := cache.NewClient(srv.URL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
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

	classes := ratelimit.Classes{Anonymous: ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 3}}
	shared := &counted{inner: ratelimit.NewRedis(client, "")}
	limiter := ratelimit.NewFallback(shared, mon, ratelimit.NewMemory(), nil)
	api := httptest.NewServer(ratelimit.Middleware(limiter, ratelimit.Classify(classes, caller, nil))(ok200))
	t.Cleanup(api.Close)
	// statuses sends n requests and returns their statuses and how many
	// of them called Redis.
	statuses := func(n int) (string, int) {
		t.Helper()
		var got []string
		reached := 0
		for range n {
			before := shared.calls.Load()
			res, err := api.Client().Get(api.URL)
			require.NoError(t, err)
			_ = res.Body.Close()
			if shared.calls.Load() > before {
				reached++
			}
			got = append(got, fmt.Sprint(res.StatusCode))
		}
		return strings.Join(got, " "), reached
	}

	got, reached := statuses(5)
	require.Equal(t, "200 200 200 429 429", got, "shared limit")
	require.Equal(t, 5, reached, "while Redis is up every request is limited by it")
	srv.Stop(t)
	got, reached = statuses(5)
	require.Equal(t, "200 200 200 429 429", got, "per-process limit during the outage, never a 500")
	require.LessOrEqual(t, reached, 1, "no request stalls: only the request that finds Redis down calls it")
	healthy(false)
	got, reached = statuses(2)
	require.Equal(t, "429 429", got, "still the per-process limit")
	require.Zero(t, reached, "a known outage is not waited on")
	srv.Start(t)
	healthy(true)
	got, reached = statuses(4)
	require.Equal(t, "200 200 200 429", got, "shared limit again (the restarted redis lost its state)")
	require.Equal(t, 4, reached)
	keys, err := client.Keys(ctx, ratelimit.DefaultRedisPrefix+"*").Result()
	require.NoError(t, err)
	require.Equal(t, []string{ratelimit.DefaultRedisPrefix + "anon:127.0.0.1"}, keys)
}
