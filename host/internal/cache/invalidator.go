package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
)

// FlushTimeout bounds the flush that AfterCommit runs.
const FlushTimeout = 5 * time.Second

// Invalidator collects the invalidations of one unit of work and applies
// them only after it commits, so no reader can re-cache data that is about
// to change, and a rolled-back unit invalidates nothing. It is safe for
// concurrent use. Caches passed to it must be comparable (every Cache this
// package returns is).
//
// Wiring: one Invalidator per unit; hand code the caches returned by Wrap;
// register unit.AfterCommit(inv.AfterCommit(ctx)); on rollback the hook never
// runs and the collected invalidations are dropped with the Invalidator.
type Invalidator struct {
	log hclog.Logger

	mu     sync.Mutex
	groups []*invalidation
	done   bool
}

// invalidation is what one unit owes one Cache.
type invalidation struct {
	c          Cache
	keys, tags []string
	keySet     map[string]struct{}
	tagSet     map[string]struct{}
	// journal is the id of its journal row, written in the unit (Journal);
	// uuid.Nil when it has none.
	journal uuid.UUID
}

// NewInvalidator returns an empty Invalidator logging to log.
func NewInvalidator(log hclog.Logger) *Invalidator {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Invalidator{log: log}
}

// Collect records keys to delete from c and tags of c to invalidate at
// Flush. It reports false, recording nothing, once the Invalidator has been
// flushed or discarded.
func (i *Invalidator) Collect(c Cache, keys, tags []string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.done {
		return false
	}
	g := i.group(c)
	if g == nil || g.journal != uuid.Nil {
		g = &invalidation{c: c, keySet: make(map[string]struct{}), tagSet: make(map[string]struct{})}
		i.groups = append(i.groups, g)
	}
	for _, k := range keys {
		if _, ok := g.keySet[k]; !ok {
			g.keySet[k] = struct{}{}
			g.keys = append(g.keys, k)
		}
	}
	for _, t := range tags {
		if _, ok := g.tagSet[t]; !ok {
			g.tagSet[t] = struct{}{}
			g.tags = append(g.tags, t)
		}
	}
	return true
}

// Journal queues in b, a batch the caller sends in the unit's transaction
// before it commits, the journal rows of the invalidations collected so far
// whose backend keeps a journal (Redis.UseJournal): they commit with the
// change, so Redis being down, or the host stopping, between the commit and
// Flush cannot lose them. It reports whether it queued anything.
// Invalidations collected afterwards are journaled only if Redis refuses
// them at Flush.
func (i *Invalidator) Journal(b *pgx.Batch) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	queued := false
	for _, g := range i.groups {
		sc, r := journaling(g.c)
		if r == nil || g.journal != uuid.Nil {
			continue
		}
		g.journal = uuid.New()
		r.journal.queue(b, g.journal, sc.scope.CompanyID, sc.deleteNames(g.keys), sc.invalidateNames(g.tags))
		queued = true
	}
	return queued
}

// journaling returns c's scope and Redis backend when that backend keeps a
// journal and the scope belongs to a company (journal rows are tenant
// data); nils otherwise.
func journaling(c Cache) (*scoped, *Redis) {
	sc, ok := c.(*scoped)
	if !ok || sc.scope.CompanyID == uuid.Nil {
		return nil, nil
	}
	r, ok := sc.st.(*Redis)
	if !ok || r.journal == nil {
		return nil, nil
	}
	return sc, r
}

// Flush applies the collected invalidations, once; later calls do nothing.
// Backend outages are handled by the caches (journaled or queued, logged
// once per outage); what Flush returns is any other failure, already
// logged.
func (i *Invalidator) Flush(ctx context.Context) error {
	i.mu.Lock()
	groups := i.groups
	i.groups, i.done = nil, true
	i.mu.Unlock()

	var errs []error
	for _, g := range groups {
		if g.journal != uuid.Nil {
			sc, r := journaling(g.c)
			if err := r.applyJournaled(ctx, g.journal, sc.deleteNames(g.keys), sc.invalidateNames(g.tags)); err != nil {
				sc.deferred("flush", len(g.keys)+len(g.tags), err)
			}
			continue
		}
		if len(g.keys) > 0 {
			if err := g.c.Delete(ctx, g.keys...); err != nil {
				errs = append(errs, err)
			}
		}
		if len(g.tags) > 0 {
			if err := g.c.InvalidateTags(ctx, g.tags...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		i.log.Error("cache invalidation after commit failed", "error", err)
		return fmt.Errorf("flush cache invalidations: %w", err)
	}
	return nil
}

// Discard drops the collected invalidations (the unit rolled back).
func (i *Invalidator) Discard() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.groups, i.done = nil, true
}

// AfterCommit returns a hook for dal.Unit.AfterCommit that flushes under
// ctx's values but not its cancellation (the request may be over), bounded
// by FlushTimeout.
func (i *Invalidator) AfterCommit(ctx context.Context) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FlushTimeout)
		defer cancel()
		_ = i.Flush(ctx)
	}
}

// Wrap returns c as seen from inside the unit: Delete and InvalidateTags
// are collected instead of applied, and until the unit ends the keys and
// tags it has invalidated bypass the shared cache (Get misses, Set is a
// no-op, GetOrLoad loads without storing), so values read inside the
// uncommitted unit are never cached. A plain Get of an entry under an
// invalidated tag cannot know the tag and may return the committed value;
// use GetOrLoad with tags. After Flush or Discard the wrapper is c.
func (i *Invalidator) Wrap(c Cache) Cache {
	return &unitCache{inv: i, c: c}
}

// group returns the latest group of c (groups journaled before a later
// Collect are kept apart).
func (i *Invalidator) group(c Cache) *invalidation {
	for j := len(i.groups) - 1; j >= 0; j-- {
		if i.groups[j].c == c {
			return i.groups[j]
		}
	}
	return nil
}

// touched reports whether key or any of tags of c awaits invalidation.
func (i *Invalidator) touched(c Cache, key string, tags []string) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, g := range i.groups {
		if g.c != c {
			continue
		}
		if _, ok := g.keySet[key]; ok {
			return true
		}
		for _, t := range tags {
			if _, ok := g.tagSet[t]; ok {
				return true
			}
		}
	}
	return false
}

// unitCache is the Cache returned by Wrap.
type unitCache struct {
	inv *Invalidator
	c   Cache
}

func (u *unitCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := validKey("key", key); err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	if u.inv.touched(u.c, key, nil) {
		return nil, false, nil
	}
	return u.c.Get(ctx, key)
}

func (u *unitCache) Set(ctx context.Context, key string, val []byte, ttl time.Duration, tags ...string) error {
	if err := validEntry(key, val, ttl, tags); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	if u.inv.touched(u.c, key, tags) {
		return nil
	}
	return u.c.Set(ctx, key, val, ttl, tags...)
}

func (u *unitCache) Delete(ctx context.Context, keys ...string) error {
	if err := validKeys("key", keys); err != nil {
		return fmt.Errorf("cache delete: %w", err)
	}
	if u.inv.Collect(u.c, keys, nil) {
		return nil
	}
	return u.c.Delete(ctx, keys...)
}

func (u *unitCache) InvalidateTags(ctx context.Context, tags ...string) error {
	if err := validKeys("tag", tags); err != nil {
		return fmt.Errorf("cache invalidate: %w", err)
	}
	if u.inv.Collect(u.c, nil, tags) {
		return nil
	}
	return u.c.InvalidateTags(ctx, tags...)
}

func (u *unitCache) GetOrLoad(ctx context.Context, key string, ttl time.Duration, tags []string, load Loader) ([]byte, error) {
	if err := validEntry(key, nil, ttl, tags); err != nil {
		return nil, fmt.Errorf("cache load: %w", err)
	}
	if load == nil {
		return nil, fmt.Errorf("cache load: %w: nil loader", ErrInvalid)
	}
	if !u.inv.touched(u.c, key, tags) {
		return u.c.GetOrLoad(ctx, key, ttl, tags, load)
	}
	v, err := load(ctx)
	if err != nil {
		return nil, fmt.Errorf("cache load %q: %w", key, err)
	}
	return v, nil
}

func (u *unitCache) Lookup(ctx context.Context, key string, tags ...string) ([]byte, bool, Stamp, error) {
	if err := validKey("key", key); err != nil {
		return nil, false, noStamp, fmt.Errorf("cache lookup: %w", err)
	}
	if err := validTags(tags); err != nil {
		return nil, false, noStamp, fmt.Errorf("cache lookup: %w", err)
	}
	if u.inv.touched(u.c, key, tags) {
		return nil, false, noStamp, nil
	}
	return u.c.Lookup(ctx, key, tags...)
}

func (u *unitCache) SetFresh(ctx context.Context, key string, val []byte, ttl time.Duration, stamp Stamp, tags ...string) error {
	if err := validEntry(key, val, ttl, tags); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	if u.inv.touched(u.c, key, tags) {
		return nil
	}
	return u.c.SetFresh(ctx, key, val, ttl, stamp, tags...)
}
