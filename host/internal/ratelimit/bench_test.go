package ratelimit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// alwaysUp is the Health of a benchmark with Redis up.
type alwaysUp struct{}

func (alwaysUp) Healthy() (bool, string) { return true, "" }
func (alwaysUp) Observe(error)           {}

// BenchmarkLimiter measures one Allow per backend; the Redis figures
// include the round trip to the local server, measured alone as
// redis-ping. Keys rotate over 1000 clients so the limit is never reached.
func BenchmarkLimiter(b *testing.B) {
	b.Run("redis-ping", func(b *testing.B) {
		rc := redistest.Client(b)
		ctx := context.Background()
		for b.Loop() {
			if err := rc.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	l := ratelimit.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "anon:10.0.0." + strconv.Itoa(i)
	}
	for _, bc := range limiterBackends(b) {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			i := 0
			for b.Loop() {
				i++
				if _, err := bc.l.Allow(ctx, keys[i%len(keys)], l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMiddleware measures a whole request through the middleware and
// the default classifier to an empty handler, against the bare handler.
func BenchmarkMiddleware(b *testing.B) {
	classes := ratelimit.Classes{Anonymous: ratelimit.Limit{Rate: 1_000_000, Period: time.Second, Burst: 1_000_000}}
	cases := []struct {
		name string
		h    http.Handler
	}{{"baseline", ok200}}
	for _, bc := range limiterBackends(b) {
		cases = append(cases, struct {
			name string
			h    http.Handler
		}{bc.name, ratelimit.Middleware(bc.l, ratelimit.Classify(classes, caller, nil))(ok200)})
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/products", nil)
			for b.Loop() {
				rec := httptest.NewRecorder()
				tc.h.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

type namedLimiter struct {
	name string
	l    ratelimit.Limiter
}

func limiterBackends(b *testing.B) []namedLimiter {
	prefix := redistest.Prefix()
	rc := redistest.Client(b)
	redistest.CleanupKeys(b, rc, prefix+"*")
	redis := ratelimit.NewRedis(rc, prefix)
	return []namedLimiter{
		{"memory", ratelimit.NewMemory()},
		{"redis", redis},
		{"fallback-redis", ratelimit.NewFallback(redis, alwaysUp{}, ratelimit.NewMemory(), nil)},
	}
}
