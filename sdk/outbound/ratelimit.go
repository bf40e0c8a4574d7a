package outbound

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date,
// into a wait from now.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}

// epochThreshold tells a reset given as a Unix time (GitHub's
// X-RateLimit-Reset) from one given in seconds from now (the IETF
// RateLimit-Reset).
const epochThreshold = 1_000_000_000

// pauseUntil returns when the service that gave res accepts calls again,
// if res says so: a 429 or 503 with Retry-After, or an exhausted quota
// (RateLimit-Remaining or X-RateLimit-Remaining 0) with its reset time.
func pauseUntil(res *http.Response, now time.Time) (time.Time, bool) {
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable {
		if d, ok := retryAfter(res.Header.Get("Retry-After"), now); ok {
			return now.Add(d), true
		}
	}
	for _, prefix := range []string{"RateLimit-", "X-RateLimit-"} {
		if strings.TrimSpace(res.Header.Get(prefix+"Remaining")) != "0" {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(res.Header.Get(prefix+"Reset")), 10, 64)
		if err != nil || n < 0 {
			continue
		}
		if n >= epochThreshold {
			return time.Unix(n, 0), true
		}
		return now.Add(time.Duration(n) * time.Second), true
	}
	return time.Time{}, false
}
