package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// requestIDPattern accepts incoming request ids that are safe to log and echo.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// requestID honours a well-formed incoming X-Request-ID, or generates one,
// and puts it, a logger tagged with it and the request's origin for the
// audit log in the request context.
func requestID(log hclog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !requestIDPattern.MatchString(id) {
				id = uuid.NewString()
			}
			w.Header().Set("X-Request-ID", id)
			ctx := httpx.WithRequestID(r.Context(), id)
			ctx = httpx.WithLogger(ctx, log.With("request_id", id))
			ctx = audit.WithOrigin(ctx, audit.OriginOf(r, id))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// tagLogger tags the request's logger with fields (its trace and span).
func tagLogger(ctx context.Context, fields ...any) context.Context {
	return httpx.WithLogger(ctx, httpx.Logger(ctx).With(fields...))
}

// accessLog logs one line per request, with the status and size of its
// response (its httpx.Response).
func accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, w, r := httpx.Observe(w, r)
		start := time.Now()
		next.ServeHTTP(w, r)
		httpx.Logger(r.Context()).Info("request",
			"method", r.Method, "path", r.URL.Path, "status", res.Status(), "bytes", res.Bytes(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "remote", r.RemoteAddr)
	})
}

// recoverer turns a panic into a 500 envelope and logs the stack; the host
// keeps serving.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			httpx.Logger(r.Context()).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			httpx.WriteError(w, r, httpx.Internal(fmt.Errorf("panic: %v", p)))
		}()
		next.ServeHTTP(w, r)
	})
}

// bodyLimit refuses bodies over limit bytes with a 413: at once when the
// Content-Length says so, otherwise when a reader reaches the limit.
func bodyLimit(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				httpx.WriteError(w, r, httpx.BodyTooLarge(limit))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}
