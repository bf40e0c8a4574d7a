package cache

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// MaxPendingInvalidations bounds the invalidations a Redis backend queues
// while Redis is unreachable; beyond it the oldest are dropped (and logged),
// and their entries stay stale for at most their TTL.
const MaxPendingInvalidations = 10_000

// Health is what the Redis backends consult before each command and tell
// about each failure; *Monitor implements it.
type Health interface {
	Healthy() (ok bool, reason string)
	Observe(err error)
}

// Redis is the Backend shared by every host replica. While Health reports
// Redis down, or while this process still owes it invalidations, reads
// miss and writes are skipped; failed invalidations are queued and replayed
// by the first call that finds Redis back.
type Redis struct {
	core

	client redis.UniversalClient
	health Health

	replaying sync.Mutex // held by the one goroutine replaying the queue
	owed      atomic.Bool
	wasDown   atomic.Bool // Health reported Redis down since the last ready
	mu        sync.Mutex
	pending   []*pendingOp
	dropped   int // invalidations dropped from a full queue this outage

	// journal, when set, keeps unacknowledged invalidations in PostgreSQL
	// instead of the in-process queue (UseJournal).
	journal *journal
}

// pendingOp is an invalidation waiting for Redis.
type pendingOp struct {
	script  *redis.Script
	keys    []string
	company uuid.UUID
}

// NewRedis returns a backend storing entries through client and consulting
// health (nil means always healthy, for tests and tools).
func NewRedis(client redis.UniversalClient, health Health, log hclog.Logger) *Redis {
	if health == nil {
		health = alwaysHealthy{}
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	r := &Redis{client: client, health: health}
	r.core.st = r
	r.core.log = log
	return r
}

// UseJournal makes r keep the invalidations Redis has not acknowledged in
// PostgreSQL (table cache_invalidations) rather than in process, where a
// restart would lose them. It marks r as owing invalidations, so the rows
// that another process left are applied before r serves a read; RunJournal
// must run meanwhile. Call it before r is used.
func (r *Redis) UseJournal(pool *pgxpool.Pool) {
	r.journal = &journal{pool: pool}
	r.owed.Store(true)
}

// RunJournal deletes the journal rows Redis applied and, when rows older
// than journalOrphanAge wait (a replica stopped or lost Redis), makes r
// drain the journal before its next read, until ctx ends.
func (r *Redis) RunJournal(ctx context.Context) {
	if r.journal == nil {
		return
	}
	done := time.NewTicker(journalDoneEvery)
	defer done.Stop()
	orphans := time.NewTicker(journalOrphanEvery)
	defer orphans.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done.C:
			if err := r.journal.flushDone(ctx); err != nil {
				r.log.Debug("deleting applied cache invalidations failed; retrying", "error", err)
			}
		case <-orphans.C:
			if found, err := r.journal.orphans(ctx); err == nil && found {
				r.owed.Store(true)
			}
		}
	}
}

// Pending returns how many invalidations wait for Redis in process, for
// tests and metrics.
func (r *Redis) Pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

func (r *Redis) get(ctx context.Context, entry string) ([]byte, bool, error) {
	if err := r.ready(ctx); err != nil {
		return nil, false, err
	}
	v, err := r.client.Get(ctx, entry).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		r.health.Observe(err)
		return nil, false, fmt.Errorf("redis get: %w", err)
	}
	return v, true, nil
}

func (r *Redis) lookup(ctx context.Context, entry string, epochs []string) ([]byte, bool, []string, error) {
	if err := r.ready(ctx); err != nil {
		return nil, false, nil, err
	}
	pipe := r.client.Pipeline()
	get := pipe.Get(ctx, entry)
	mget := pipe.MGet(ctx, epochs...)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		r.health.Observe(err)
		return nil, false, nil, fmt.Errorf("redis lookup: %w", err)
	}
	if err := mget.Err(); err != nil {
		return nil, false, nil, fmt.Errorf("redis lookup epochs: %w", err)
	}
	seen := make([]string, len(epochs))
	for i, v := range mget.Val() {
		if s, ok := v.(string); ok {
			seen[i] = s
		}
	}
	v, err := get.Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, seen, nil
	case err != nil:
		return nil, false, nil, fmt.Errorf("redis lookup: %w", err)
	}
	return v, true, seen, nil
}

func (r *Redis) set(ctx context.Context, w write) error {
	if err := r.ready(ctx); err != nil {
		return err
	}
	keys := make([]string, 0, 1+len(w.epochs)+len(w.sets))
	args := make([]any, 0, 3+len(w.expect))
	keys = append(keys, w.entry)
	args = append(args, w.val, w.ttl.Milliseconds(), len(w.expect))
	if w.expect != nil {
		keys = append(keys, w.epochs...)
		for _, e := range w.expect {
			args = append(args, e)
		}
	}
	keys = append(keys, w.sets...)
	if err := r.run(ctx, setScript, keys, args...); err != nil {
		return fmt.Errorf("redis set: %w", err)
	}
	return nil
}

func (r *Redis) del(ctx context.Context, company uuid.UUID, entries, epochs []string) error {
	return r.invalidateWith(ctx, &pendingOp{script: deleteScript, keys: append(append([]string(nil), entries...), epochs...), company: company})
}

func (r *Redis) invalidate(ctx context.Context, company uuid.UUID, sets, epochs []string) error {
	return r.invalidateWith(ctx, &pendingOp{script: invalidateScript, keys: append(append([]string(nil), sets...), epochs...), company: company})
}

// invalidateWith runs an invalidation script now, or keeps it (enqueue)
// when Redis cannot be reached; the returned error then says it was
// deferred.
func (r *Redis) invalidateWith(ctx context.Context, op *pendingOp) error {
	if err := r.ready(ctx); err != nil {
		r.enqueue(ctx, op)
		return err
	}
	if err := r.runInvalidation(ctx, op); err != nil {
		if Unreachable(err) || isContextErr(err) {
			r.enqueue(ctx, op)
		}
		return fmt.Errorf("redis invalidate: %w", err)
	}
	return nil
}

// applyJournaled applies an invalidation whose journal row id was written
// with the change, and records the row for deletion; when Redis cannot
// take it the row stays, and r owes it until a drain applies it.
func (r *Redis) applyJournaled(ctx context.Context, id uuid.UUID, del, inv []string) error {
	err := r.ready(ctx)
	for _, op := range []*pendingOp{{script: deleteScript, keys: del}, {script: invalidateScript, keys: inv}} {
		if err != nil || len(op.keys) == 0 {
			continue
		}
		err = r.runInvalidation(ctx, op)
	}
	if err != nil {
		r.owed.Store(true)
		return err
	}
	r.journal.applied(id)
	return nil
}

func (r *Redis) runInvalidation(ctx context.Context, op *pendingOp) error {
	return r.run(ctx, op.script, op.keys, rand.Text(), strconv.FormatInt(epochTTL.Milliseconds(), 10))
}

func (r *Redis) run(ctx context.Context, s *redis.Script, keys []string, args ...any) error {
	err := s.Run(ctx, r.client, keys, args...).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		r.health.Observe(err)
		return err
	}
	return nil
}

// ready returns errUnavailable while Redis is down or still owed
// invalidations that cannot be replayed now.
func (r *Redis) ready(ctx context.Context) error {
	if ok, _ := r.health.Healthy(); !ok {
		r.wasDown.Store(true)
		return errUnavailable
	}
	if r.wasDown.Swap(false) && r.journal != nil {
		// Other replicas may have journaled invalidations during the
		// outage: apply them before reading.
		r.owed.Store(true)
	}
	if r.owed.Load() && !r.replay(ctx) {
		return errUnavailable
	}
	return nil
}

// enqueue keeps op for later: in the journal when r has one (falling back
// to the in-process queue if PostgreSQL refuses it too), in process
// otherwise.
func (r *Redis) enqueue(ctx context.Context, op *pendingOp) {
	if r.journal != nil {
		var del, inv []string
		if op.script == deleteScript {
			del = op.keys
		} else {
			inv = op.keys
		}
		err := r.journal.insert(context.WithoutCancel(ctx), op.company, del, inv)
		if err == nil {
			r.owed.Store(true)
			return
		}
		r.log.Debug("could not journal a cache invalidation; keeping it in process", "error", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) >= MaxPendingInvalidations {
		if r.dropped == 0 {
			r.log.Error("cache invalidation queue full; dropping the oldest, their entries stay stale until their TTL",
				"limit", MaxPendingInvalidations)
		}
		r.dropped++
		r.pending = r.pending[1:]
	}
	r.pending = append(r.pending, op)
	r.owed.Store(true)
}

// replayTimeout bounds one replay of the queue; it runs detached from the
// caller's cancellation so a cancelled request cannot drop invalidations.
const replayTimeout = 5 * time.Second

// replay runs the queued invalidations in order and reports whether the
// queue is now empty. Only one goroutine replays; others see false and
// bypass the cache meanwhile.
func (r *Redis) replay(ctx context.Context) bool {
	if !r.replaying.TryLock() {
		return false
	}
	defer r.replaying.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replayTimeout)
	defer cancel()
	for {
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.mu.Unlock()
			if !r.drainJournal(ctx) {
				return false
			}
			r.mu.Lock()
			if len(r.pending) > 0 {
				r.mu.Unlock()
				continue
			}
			r.owed.Store(false)
			dropped := r.dropped
			r.dropped = 0
			r.mu.Unlock()
			r.warned.Store(false)
			r.log.Info("cache invalidations replayed; cache in use again", "dropped", dropped)
			return true
		}
		op := r.pending[0]
		r.mu.Unlock()

		err := r.runInvalidation(ctx, op)
		if err != nil && (Unreachable(err) || isContextErr(err)) {
			return false
		}
		if err != nil {
			r.log.Error("dropping cache invalidation that redis refused", "error", err)
		}
		r.mu.Lock()
		if len(r.pending) > 0 && r.pending[0] == op {
			r.pending = r.pending[1:]
		}
		r.mu.Unlock()
	}
}

// drainJournal applies every journaled invalidation and reports whether the
// journal is empty now.
func (r *Redis) drainJournal(ctx context.Context) bool {
	if r.journal == nil {
		return true
	}
	for {
		n, err := r.journal.claim(ctx, journalClaimBatch, func(del, inv []string) error {
			for _, op := range []*pendingOp{{script: deleteScript, keys: del}, {script: invalidateScript, keys: inv}} {
				if len(op.keys) == 0 {
					continue
				}
				err := r.runInvalidation(ctx, op)
				if err != nil && (Unreachable(err) || isContextErr(err)) {
					return err
				}
				if err != nil {
					r.log.Error("dropping journaled cache invalidation that redis refused", "error", err)
				}
			}
			return nil
		})
		if err != nil {
			r.log.Debug("draining the cache invalidation journal failed; cache bypassed meanwhile", "error", err)
			return false
		}
		if n < journalClaimBatch {
			return true
		}
	}
}

// alwaysHealthy is the Health of a backend built without a Monitor.
type alwaysHealthy struct{}

func (alwaysHealthy) Healthy() (bool, string) { return true, "" }
func (alwaysHealthy) Observe(error)           {}
