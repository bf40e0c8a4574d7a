package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Classes are the limits per route class. A zero Limit leaves its class
// unlimited.
type Classes struct {
	// Anonymous limits requests without a principal, per client IP.
	Anonymous Limit
	// Authenticated limits reads (GET, HEAD, OPTIONS) per user and company.
	Authenticated Limit
	// Write limits other methods per user and company, in a bucket of their
	// own.
	Write Limit
	// APIKey limits every request of one API key, reads and writes
	// together, instead of Authenticated and Write.
	APIKey Limit
}

// DefaultClasses are the limits used when the environment sets none:
// anonymous 60/min (burst 30) per IP; authenticated reads 600/min (burst
// 100) and writes 240/min (burst 60) per user and company; 1200/min (burst
// 200) per API key (a POS terminal or sync agent sends more than a person).
func DefaultClasses() Classes {
	return Classes{
		Anonymous:     Limit{Rate: 60, Period: time.Minute, Burst: 30},
		Authenticated: Limit{Rate: 600, Period: time.Minute, Burst: 100},
		Write:         Limit{Rate: 240, Period: time.Minute, Burst: 60},
		APIKey:        Limit{Rate: 1200, Period: time.Minute, Burst: 200},
	}
}

// ParseLimit parses "<rate>/<period>[:<burst>]", such as "60/1m:30",
// "10/s" or "1000/1h"; the period is a Go duration whose leading 1 may be
// left out, and the burst defaults to the rate. "off" is the zero Limit
// (unlimited).
func ParseLimit(s string) (Limit, error) {
	if s == "off" {
		return Limit{}, nil
	}
	rate, rest, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, errors.New(`want "<rate>/<period>[:<burst>]" such as "60/1m:30", or "off"`)
	}
	period, burst, hasBurst := strings.Cut(rest, ":")
	var l Limit
	var err error
	if l.Rate, err = strconv.Atoi(rate); err != nil {
		return Limit{}, fmt.Errorf("rate %q is not a whole number", rate)
	}
	if period != "" && (period[0] < '0' || period[0] > '9') {
		period = "1" + period
	}
	if l.Period, err = time.ParseDuration(period); err != nil {
		return Limit{}, fmt.Errorf("period %q is not a duration such as 1m", period)
	}
	l.Burst = l.Rate
	if hasBurst {
		if l.Burst, err = strconv.Atoi(burst); err != nil || l.Burst < 1 {
			return Limit{}, fmt.Errorf("burst %q is not a positive whole number", burst)
		}
	}
	if err := l.Validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// Caller is the authenticated identity a classifier limits by.
type Caller struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
	// KeyID is set when the caller is an API key.
	KeyID uuid.UUID
}

// Classify returns the default classifier: requests for which caller
// reports an API key count per key, other identities per user and company
// (reads and writes in separate buckets), the others per client IP. clientIP defaults to
// ClientIP. Place the middleware after authentication on authenticated
// routes, so the caller is known, and before it on anonymous ones.
func Classify(c Classes, caller func(context.Context) (Caller, bool), clientIP func(*http.Request) string) Classifier {
	if clientIP == nil {
		clientIP = ClientIP
	}
	return func(r *http.Request) (string, Limit, bool) {
		id, ok := caller(r.Context())
		if !ok {
			return "anon:" + clientIP(r), c.Anonymous, c.Anonymous.Rate > 0
		}
		if id.KeyID != uuid.Nil {
			return apiKeyBucket + id.KeyID.String(), c.APIKey, c.APIKey.Rate > 0
		}
		prefix := "user:" + id.UserID.String() + ":" + id.CompanyID.String()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return prefix + ":read", c.Authenticated, c.Authenticated.Rate > 0
		default:
			return prefix + ":write", c.Write, c.Write.Rate > 0
		}
	}
}

// apiKeyBucket prefixes the buckets Classify gives API keys.
const apiKeyBucket = "key:"

// SplitAPIKeys returns a Limiter that sends the buckets Classify gives
// API keys to keys and every other bucket to l, so that a caller may
// count the refusals of machine clients apart from people's.
func SplitAPIKeys(l, keys Limiter) Limiter { return apiKeySplit{l, keys} }

// apiKeySplit is SplitAPIKeys's Limiter.
type apiKeySplit struct{ others, keys Limiter }

// Allow implements Limiter.
func (s apiKeySplit) Allow(ctx context.Context, key string, l Limit) (Decision, error) {
	if strings.HasPrefix(key, apiKeyBucket) {
		return s.keys.Allow(ctx, key, l)
	}
	return s.others.Allow(ctx, key, l)
}
