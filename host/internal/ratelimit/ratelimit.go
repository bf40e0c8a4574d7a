// Package ratelimit owns request rate limiting: the Limit and Decision types,
// the small Limiter interface and its backends (Memory per process, Redis
// shared by replicas, Fallback between the two during a Redis outage), the
// helper that reports a decision in HTTP headers, and the HTTP middleware
// with its default per-IP / per-user classifier and the syntax of a limit
// (ParseLimit; package config reads the variables). Callers choose who is limited: it must not import other host
// packages except httpx, for the error envelope.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Limit allows Rate requests per Period on average, with up to Burst of them
// arriving at once. A Burst below 1 is treated as 1.
type Limit struct {
	Rate   int
	Period time.Duration
	Burst  int
}

// Validate reports whether l can be enforced.
func (l Limit) Validate() error {
	if l.Rate <= 0 {
		return fmt.Errorf("rate limit: rate must be positive, got %d", l.Rate)
	}
	if l.Period <= 0 {
		return fmt.Errorf("rate limit: period must be positive, got %s", l.Period)
	}
	if l.Period/time.Duration(l.Rate) <= 0 {
		return errors.New("rate limit: rate too high for its period")
	}
	return nil
}

// interval is the time between two requests at the sustained rate.
func (l Limit) interval() time.Duration {
	return l.Period / time.Duration(l.Rate)
}

func (l Limit) burst() int {
	return max(l.Burst, 1)
}

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the limit the decision was taken against.
	Limit Limit
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait before a request can be allowed; zero
	// when Allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key is back to its full burst.
	ResetAfter time.Duration
}

// Limiter decides whether one more request under key fits l. Keys are
// namespaced by the caller; one key must always be used with the same Limit.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}

// WriteHeaders reports d in the RateLimit-Limit, RateLimit-Remaining and
// RateLimit-Reset headers and, when the request was denied, in Retry-After.
// Times are whole seconds, rounded up.
func WriteHeaders(w http.ResponseWriter, d Decision) {
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(d.Limit.burst()))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(d.Remaining, 0)))
	h.Set("RateLimit-Reset", strconv.Itoa(seconds(d.ResetAfter, 0)))
	if !d.Allowed {
		h.Set("Retry-After", strconv.Itoa(seconds(d.RetryAfter, 1)))
	}
}

// seconds rounds d up to whole seconds, never below floor.
func seconds(d time.Duration, floor int) int {
	s := int(math.Ceil(d.Seconds()))
	return max(s, floor)
}
