package ratelimit

import (
	"math"
	"net"
	"net/http"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Classifier picks the bucket a request counts against: its key and limit.
// ok false exempts the request.
type Classifier func(r *http.Request) (key string, limit Limit, ok bool)

// Middleware limits requests by classify's key and limit. Allowed requests
// carry the RateLimit-* headers; denied ones get a 429 rate_limited error
// envelope with Retry-After. A limiter failure lets the request through,
// logged: rate limiting must not take the API down (use a Fallback limiter
// to keep limiting during a Redis outage).
func Middleware(l Limiter, classify Classifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key, limit, ok := classify(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			d, err := l.Allow(r.Context(), key, limit)
			if err != nil {
				httpx.Logger(r.Context()).Error("rate limiter failed; allowing request", "error", err)
				next.ServeHTTP(w, r)
				return
			}
			WriteHeaders(w, d)
			if !d.Allowed {
				retry := max(int(math.Ceil(d.RetryAfter.Seconds())), 1)
				httpx.WriteError(w, r, httpx.NewError(kind.RateLimited, "rate_limited", "too many requests; retry later").
					WithDetails(map[string]any{"retry_after_seconds": retry}))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientIP is the host part of r.RemoteAddr. Whether that address may come
// from a proxy header is the router's decision, made before this runs.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
