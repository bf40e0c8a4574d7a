package cache

import "errors"

// ErrInvalid marks a call the caller got wrong (empty or oversized key, bad
// TTL, too many tags, bad scope); callers at the edge map it to a 4xx.
var ErrInvalid = errors.New("invalid cache request")

// errUnavailable is what a backend returns while Redis is known to be down
// or this process still owes it invalidations; the scoped cache turns it
// into a miss or a no-op without logging every call.
var errUnavailable = errors.New("cache: redis unavailable")
