package locks_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/locks"
)

type backendCase struct {
	name string
	new  func(t *testing.T) locks.Backend
}

func backends() []backendCase {
	return []backendCase{
		{"memory", func(*testing.T) locks.Backend { return locks.NewMemory() }},
		{"redis", func(t *testing.T) locks.Backend { return locks.NewRedis(redistest.Client(t), nil) }},
	}
}

// newLocker returns the locker of a scope no other test uses.
func newLocker(t *testing.T, b locks.Backend) (cache.Scope, locks.Locker) {
	t.Helper()
	s := cache.Scope{Vertical: "t" + strings.ToLower(rand.Text()), CompanyID: uuid.New()}
	redistest.CleanupKeys(t, redistest.Client(t), "nexus:l:"+s.Vertical+":*")
	l, err := b.For(s)
	require.NoError(t, err)
	return s, l
}

func TestAcquireRelease(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := bc.new(t)
			s, lk := newLocker(t, b)

			l, err := lk.Acquire(ctx, "refresh", time.Minute, 0)
			require.NoError(t, err)
			require.Equal(t, "refresh", l.Name())
			require.NotEmpty(t, l.Token())

			_, err = lk.Acquire(ctx, "refresh", time.Minute, 0)
			require.ErrorIs(t, err, locks.ErrNotAcquired, "held by another owner")
			other, err := lk.Acquire(ctx, "other-name", time.Minute, 0)
			require.NoError(t, err, "names are independent")
			require.NoError(t, other.Release(ctx))

			otherCompany, err := b.For(cache.Scope{Vertical: s.Vertical, CompanyID: uuid.New()})
			require.NoError(t, err)
			oc, err := otherCompany.Acquire(ctx, "refresh", time.Minute, 0)
			require.NoError(t, err, "scopes are independent")
			require.NoError(t, oc.Release(ctx))

			require.NoError(t, l.Release(ctx))
			require.NoError(t, l.Release(ctx), "releasing twice is a no-op")
			require.ErrorIs(t, l.Extend(ctx, time.Minute), locks.ErrNotHeld)

			l2, err := lk.Acquire(ctx, "refresh", time.Minute, 0)
			require.NoError(t, err, "free again after release")
			require.NotEqual(t, l.Token(), l2.Token())
			require.NoError(t, l2.Release(ctx))
		})
	}
}

func TestExpiryAndExtension(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, lk := newLocker(t, bc.new(t))

			// Expiry: a waiter gets the lock once the TTL runs out, and the
			// stale owner can neither release nor extend the new owner's lock.
			// start is taken before the stale lock so that the TTL can only
			// have started after it: however slowly the machine runs, the
			// waiter gets the lock no sooner than the TTL after start (a
			// lower bound the store guarantees, with a millisecond for its
			// clock's resolution).
			start := time.Now()
			stale, err := lk.Acquire(ctx, "job", 100*time.Millisecond, 0)
			require.NoError(t, err)
			next, err := lk.Acquire(ctx, "job", time.Minute, 2*time.Second)
			require.NoError(t, err)
			require.GreaterOrEqual(t, time.Since(start), 99*time.Millisecond, "acquired only after expiry")
			require.ErrorIs(t, stale.Extend(ctx, time.Minute), locks.ErrNotHeld)
			require.ErrorIs(t, stale.Release(ctx), locks.ErrNotHeld)
			_, err = lk.Acquire(ctx, "job", time.Minute, 0)
			require.ErrorIs(t, err, locks.ErrNotAcquired, "the stale release left the new owner's lock alone")
			require.NoError(t, next.Release(ctx))

			// Extension keeps a lock past its first TTL.
			held, err := lk.Acquire(ctx, "long", 300*time.Millisecond, 0)
			require.NoError(t, err)
			time.Sleep(50 * time.Millisecond)
			require.NoError(t, held.Extend(ctx, 5*time.Second))
			time.Sleep(400 * time.Millisecond)
			_, err = lk.Acquire(ctx, "long", time.Minute, 0)
			require.ErrorIs(t, err, locks.ErrNotAcquired, "extended past the original TTL")
			require.NoError(t, held.Extend(ctx, 50*time.Millisecond), "extension can also shorten")
			_, err = lk.Acquire(ctx, "long", time.Minute, time.Second)
			require.NoError(t, err)
		})
	}
}

func TestWaitIsBounded(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, lk := newLocker(t, bc.new(t))
			held, err := lk.Acquire(ctx, "busy", time.Minute, 0)
			require.NoError(t, err)
			defer func() { require.NoError(t, held.Release(ctx)) }()

			// The waiter's context outlives its wait by far: ErrNotAcquired
			// (not a context error) shows the wait itself ended the attempt,
			// and the lower bound that it waited as long as asked.
			wctx, wcancel := context.WithTimeout(ctx, time.Minute)
			defer wcancel()
			start := time.Now()
			_, err = lk.Acquire(wctx, "busy", time.Minute, 150*time.Millisecond)
			require.ErrorIs(t, err, locks.ErrNotAcquired, "the wait ends the attempt, not the context")
			require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "waited as long as asked")
			require.NoError(t, wctx.Err())

			// A context ending long before a one-minute wait ends it: the
			// context's error, not ErrNotAcquired, and the holder keeps the
			// lock.
			cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			_, err = lk.Acquire(cctx, "busy", time.Minute, time.Minute)
			require.ErrorIs(t, err, context.DeadlineExceeded, "the context bounds the wait")
			require.NotErrorIs(t, err, locks.ErrNotAcquired)
			require.NoError(t, held.Extend(ctx, time.Minute), "the holder still holds the lock")
		})
	}
}

func TestResume(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, lk := newLocker(t, bc.new(t))
			l, err := lk.Acquire(ctx, "r", time.Minute, 0)
			require.NoError(t, err)

			wrong, err := lk.Resume("r", "not-the-token")
			require.NoError(t, err)
			require.ErrorIs(t, wrong.Extend(ctx, time.Minute), locks.ErrNotHeld)
			require.ErrorIs(t, wrong.Release(ctx), locks.ErrNotHeld)

			again, err := lk.Resume("r", l.Token())
			require.NoError(t, err)
			require.NoError(t, again.Extend(ctx, time.Minute))
			require.NoError(t, again.Release(ctx))
			require.ErrorIs(t, l.Release(ctx), locks.ErrNotHeld, "released through the resumed handle")
		})
	}
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			b := bc.new(t)
			_, lk := newLocker(t, b)
			cases := []struct {
				name      string
				lock      string
				ttl, wait time.Duration
			}{
				{"empty name", "", time.Second, 0},
				{"long name", strings.Repeat("n", locks.MaxNameBytes+1), time.Second, 0},
				{"bad utf-8", "\xff", time.Second, 0},
				{"zero ttl", "n", 0, 0},
				{"ttl over max", "n", locks.MaxTTL + time.Second, 0},
				{"negative wait", "n", time.Second, -time.Second},
				{"wait over max", "n", time.Second, locks.MaxWait + time.Second},
			}
			for _, tc := range cases {
				_, err := lk.Acquire(ctx, tc.lock, tc.ttl, tc.wait)
				require.ErrorIs(t, err, locks.ErrInvalid, tc.name)
			}
			_, err := lk.Resume("n", "")
			require.ErrorIs(t, err, locks.ErrInvalid)
			l, err := lk.Acquire(ctx, "n", time.Second, 0)
			require.NoError(t, err)
			require.ErrorIs(t, l.Extend(ctx, 0), locks.ErrInvalid)
			require.NoError(t, l.Release(ctx))
			_, err = b.For(cache.Scope{Vertical: "Bad:Vertical"})
			require.ErrorIs(t, err, locks.ErrInvalid)
		})
	}
}

// critical runs inside, iterations times from each of workers goroutines,
// under the lock "shared".
func critical(ctx context.Context, t *testing.T, lk locks.Locker, workers, iterations int, inside func(context.Context) error) {
	t.Helper()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range iterations {
				l, err := lk.Acquire(ctx, "shared", 5*time.Second, 30*time.Second)
				if !assertNoError(t, err) {
					return
				}
				assertNoError(t, inside(ctx))
				assertNoError(t, l.Release(ctx))
			}
		})
	}
	wg.Wait()
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}

func TestContentionAcrossGoroutines(t *testing.T) {
	t.Parallel()
	for _, bc := range backends() {
		t.Run(bc.name, func(t *testing.T) {
			t.Parallel()
			_, lk := newLocker(t, bc.new(t))
			var (
				holders, overlaps atomic.Int32
				// counter is read and written separately: without mutual
				// exclusion increments are lost.
				counter atomic.Int32
			)
			critical(context.Background(), t, lk, 8, 25, func(context.Context) error {
				if holders.Add(1) != 1 {
					overlaps.Add(1)
				}
				c := counter.Load()
				time.Sleep(100 * time.Microsecond)
				counter.Store(c + 1)
				holders.Add(-1)
				return nil
			})
			require.Zero(t, overlaps.Load())
			require.Equal(t, int32(200), counter.Load())
		})
	}
}
