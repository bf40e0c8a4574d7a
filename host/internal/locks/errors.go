package locks

import "errors"

var (
	// ErrUnavailable means the lock service cannot be reached; no lock was
	// taken, released or extended. Callers must not proceed as if they held
	// the lock.
	ErrUnavailable = errors.New("lock service unavailable")
	// ErrNotAcquired means another owner held the lock for the whole wait.
	ErrNotAcquired = errors.New("lock held by another owner")
	// ErrNotHeld means the lock expired or was taken over before Release or
	// Extend.
	ErrNotHeld = errors.New("lock no longer held")
	// ErrInvalid marks a call the caller got wrong (empty name, bad TTL or
	// wait, bad scope).
	ErrInvalid = errors.New("invalid lock request")
)
