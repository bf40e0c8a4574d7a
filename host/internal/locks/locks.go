package locks

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nexuspos/nexus/host/internal/cache"
)

// Limits on lock requests.
const (
	// MaxNameBytes bounds a lock name.
	MaxNameBytes = 256
	// MaxTTL bounds one acquisition or extension.
	MaxTTL = 24 * time.Hour
	// MaxWait bounds how long Acquire waits.
	MaxWait = 10 * time.Minute
)

// Retry backoff while waiting: doubling from minBackoff to maxBackoff, each
// sleep jittered to between half and all of the current step.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = 200 * time.Millisecond
)

// Locker takes the locks of one scope. Implementations are safe for
// concurrent use.
type Locker interface {
	// Acquire takes the lock called name for ttl, retrying with jittered
	// backoff for up to wait (zero: one attempt) or until ctx is done. It
	// returns ErrNotAcquired when the wait runs out, ErrUnavailable when the
	// backend cannot be reached, and ctx's error when ctx ends first.
	Acquire(ctx context.Context, name string, ttl, wait time.Duration) (*Lock, error)
	// Resume returns a handle on a lock acquired earlier (possibly by
	// another process) from its name and token, without any I/O; Release
	// and Extend on it fail with ErrNotHeld unless the token still owns the
	// lock.
	Resume(name, token string) (*Lock, error)
}

// Backend hands out scoped lockers. *Redis and *Memory implement it.
type Backend interface {
	// For returns the locker of scope, or ErrInvalid.
	For(scope cache.Scope) (Locker, error)
}

// store is what a backend implements; keys are full names.
type store interface {
	acquire(ctx context.Context, key, token string, ttl time.Duration) (bool, error)
	release(ctx context.Context, key, token string) (bool, error)
	extend(ctx context.Context, key, token string, ttl time.Duration) (bool, error)
}

// core is the part of a backend shared by its scopes.
type core struct{ st store }

// For implements Backend.
func (c *core) For(s cache.Scope) (Locker, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return &scoped{st: c.st, prefix: s.Namespace("l")}, nil
}

type scoped struct {
	st     store
	prefix string
}

func (s *scoped) Acquire(ctx context.Context, name string, ttl, wait time.Duration) (*Lock, error) {
	if err := validName(name); err != nil {
		return nil, fmt.Errorf("acquire lock: %w", err)
	}
	if err := validTTL(ttl); err != nil {
		return nil, fmt.Errorf("acquire lock %q: %w", name, err)
	}
	if wait < 0 || wait > MaxWait {
		return nil, fmt.Errorf("acquire lock %q: %w: wait %s must be between 0 and %s", name, ErrInvalid, wait, MaxWait)
	}
	l := &Lock{st: s.st, name: name, key: s.prefix + name, token: rand.Text()}
	deadline := time.Now().Add(wait)
	step := minBackoff
	for {
		ok, err := s.st.acquire(ctx, l.key, l.token, ttl)
		if err != nil {
			return nil, fmt.Errorf("acquire lock %q: %w", name, err)
		}
		if ok {
			return l, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("acquire lock %q: %w", name, ErrNotAcquired)
		}
		sleep := min(step/2+mrand.N(step/2+1), left)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("acquire lock %q: %w", name, ctx.Err())
		case <-t.C:
		}
		step = min(step*2, maxBackoff)
	}
}

func (s *scoped) Resume(name, token string) (*Lock, error) {
	if err := validName(name); err != nil {
		return nil, fmt.Errorf("resume lock: %w", err)
	}
	if token == "" {
		return nil, fmt.Errorf("resume lock %q: %w: empty token", name, ErrInvalid)
	}
	return &Lock{st: s.st, name: name, key: s.prefix + name, token: token}, nil
}

// Lock is one acquisition of a named lock. Its methods are safe for
// concurrent use.
type Lock struct {
	st    store
	name  string
	key   string
	token string

	mu       sync.Mutex
	released bool
}

// Name returns the lock's name within its scope.
func (l *Lock) Name() string { return l.name }

// Token returns the random token identifying this owner; with the name it
// is all Resume needs.
func (l *Lock) Token() string { return l.token }

// Release gives the lock up if this owner still holds it. Releasing twice
// is a no-op; a lock that expired or was taken over meanwhile gives
// ErrNotHeld (the work it protected may have overlapped another owner's).
func (l *Lock) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	ok, err := l.st.release(ctx, l.key, l.token)
	if err != nil {
		return fmt.Errorf("release lock %q: %w", l.name, err)
	}
	l.released = true
	if !ok {
		return fmt.Errorf("release lock %q: %w", l.name, ErrNotHeld)
	}
	return nil
}

// Extend sets the lock to expire ttl from now if this owner still holds
// it, and returns ErrNotHeld otherwise: the holder must then stop the work
// the lock protects.
func (l *Lock) Extend(ctx context.Context, ttl time.Duration) error {
	if err := validTTL(ttl); err != nil {
		return fmt.Errorf("extend lock %q: %w", l.name, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return fmt.Errorf("extend lock %q: %w", l.name, ErrNotHeld)
	}
	ok, err := l.st.extend(ctx, l.key, l.token, ttl)
	if err != nil {
		return fmt.Errorf("extend lock %q: %w", l.name, err)
	}
	if !ok {
		return fmt.Errorf("extend lock %q: %w", l.name, ErrNotHeld)
	}
	return nil
}

func validName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty lock name", ErrInvalid)
	case len(name) > MaxNameBytes:
		return fmt.Errorf("%w: lock name longer than %d bytes", ErrInvalid, MaxNameBytes)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: lock name is not valid UTF-8", ErrInvalid)
	}
	return nil
}

func validTTL(ttl time.Duration) error {
	if ttl < time.Millisecond || ttl > MaxTTL {
		return fmt.Errorf("%w: ttl %s must be between 1ms and %s", ErrInvalid, ttl, MaxTTL)
	}
	return nil
}

// unavailable wraps a backend failure as ErrUnavailable, keeping the
// caller's own cancellation recognisable.
func unavailable(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
