package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/singleflight"
)

// Cache reads and writes the entries of one Scope. Implementations are safe
// for concurrent use. Read paths never fail because the backend is down:
// Get misses, Set and SetFresh do nothing, GetOrLoad loads. Errors are
// returned only for invalid arguments (ErrInvalid) and loader failures.
type Cache interface {
	// Get returns the value stored under key, if any.
	Get(ctx context.Context, key string) ([]byte, bool, error)
	// Set stores val under key for ttl, as a member of tags,
	// unconditionally. Prefer GetOrLoad, which never caches a value that
	// was invalidated while it loaded.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration, tags ...string) error
	// Delete removes keys. A failure to reach the backend is logged and
	// retried later, not returned.
	Delete(ctx context.Context, keys ...string) error
	// InvalidateTags removes every entry stored with any of tags. A failure
	// to reach the backend is logged and retried later, not returned.
	InvalidateTags(ctx context.Context, tags ...string) error
	// GetOrLoad returns the value under key or, on a miss, calls load once
	// per key across concurrent callers of this process, stores the result
	// for ttl with tags unless key or one of tags was invalidated while it
	// loaded, and returns it. Load errors are returned wrapped and not
	// cached.
	GetOrLoad(ctx context.Context, key string, ttl time.Duration, tags []string, load Loader) ([]byte, error)
	// Lookup is the first half of GetOrLoad for callers that load
	// elsewhere (a plugin across gRPC): it returns the value under key, if
	// any, and a Stamp of the current invalidation state of key and tags.
	Lookup(ctx context.Context, key string, tags ...string) ([]byte, bool, Stamp, error)
	// SetFresh is the second half: it stores val like Set, but only if key
	// and tags have not been invalidated since Lookup returned stamp. Pass
	// the same tags, in the same order, as to Lookup.
	SetFresh(ctx context.Context, key string, val []byte, ttl time.Duration, stamp Stamp, tags ...string) error
}

// Loader produces a value on a cache miss.
type Loader func(ctx context.Context) ([]byte, error)

// Stamp is the opaque invalidation state captured by Lookup.
type Stamp string

// noStamp is returned by a Lookup that could not read the epochs; SetFresh
// never stores under it.
const noStamp Stamp = "\x00"

// Backend hands out scoped caches. *Redis and *Memory implement it; host
// wiring holds the Backend and gives code only the Cache of its scope.
type Backend interface {
	// For returns the cache of scope, or ErrInvalid.
	For(scope Scope) (Cache, error)
}

// store is what a backend implements; names are full keys.
type store interface {
	get(ctx context.Context, entry string) ([]byte, bool, error)
	// lookup returns the entry and the current tokens of epochs ("" when
	// absent).
	lookup(ctx context.Context, entry string, epochs []string) ([]byte, bool, []string, error)
	set(ctx context.Context, w write) error
	// del deletes entries and gives each matching key epoch a new token.
	// company is the scope's, for an invalidation the store must keep
	// until it can apply it.
	del(ctx context.Context, company uuid.UUID, entries, epochs []string) error
	// invalidate deletes the members of sets, then the sets, and gives each
	// matching tag epoch a new token.
	invalidate(ctx context.Context, company uuid.UUID, sets, epochs []string) error
}

// write is one store.set: when expect is not nil, val is stored only if
// the tokens of epochs still equal expect.
type write struct {
	entry  string
	val    []byte
	ttl    time.Duration
	sets   []string
	epochs []string
	expect []string
}

// core is the part of a backend shared by its scopes.
type core struct {
	st      store
	log     hclog.Logger
	flights singleflight.Group
	// warned is set once an outage's first deferred invalidation was
	// logged at warn level; the backend clears it when the outage ends.
	warned atomic.Bool
}

// For implements Backend.
func (c *core) For(s Scope) (Cache, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &scoped{
		core:     c,
		scope:    s,
		entry:    s.Namespace("c"),
		keyEpoch: s.Namespace("ck"),
		tagSet:   s.Namespace("ct"),
		tagEpoch: s.Namespace("cv"),
	}, nil
}

// scoped is the Cache of one Scope; every name it builds starts with one of
// the scope's prefixes.
type scoped struct {
	*core
	scope                             Scope
	entry, keyEpoch, tagSet, tagEpoch string
}

func (c *scoped) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := validKey("key", key); err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	v, ok := c.get(ctx, key)
	return v, ok, nil
}

func (c *scoped) Set(ctx context.Context, key string, val []byte, ttl time.Duration, tags ...string) error {
	if err := validEntry(key, val, ttl, tags); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	w := write{entry: c.entry + key, val: val, ttl: ttl, sets: prefixed(c.tagSet, tags)}
	if err := c.st.set(ctx, w); err != nil {
		c.degraded("set", key, err)
	}
	return nil
}

func (c *scoped) Delete(ctx context.Context, keys ...string) error {
	if err := validKeys("key", keys); err != nil {
		return fmt.Errorf("cache delete: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	if err := c.st.del(ctx, c.scope.CompanyID, prefixed(c.entry, keys), prefixed(c.keyEpoch, keys)); err != nil {
		c.invalidationFailed("delete", len(keys), err)
	}
	return nil
}

func (c *scoped) InvalidateTags(ctx context.Context, tags ...string) error {
	if err := validKeys("tag", tags); err != nil {
		return fmt.Errorf("cache invalidate: %w", err)
	}
	if len(tags) == 0 {
		return nil
	}
	if err := c.st.invalidate(ctx, c.scope.CompanyID, prefixed(c.tagSet, tags), prefixed(c.tagEpoch, tags)); err != nil {
		c.invalidationFailed("invalidate tags", len(tags), err)
	}
	return nil
}

func (c *scoped) Lookup(ctx context.Context, key string, tags ...string) ([]byte, bool, Stamp, error) {
	if err := validKey("key", key); err != nil {
		return nil, false, noStamp, fmt.Errorf("cache lookup: %w", err)
	}
	if err := validTags(tags); err != nil {
		return nil, false, noStamp, fmt.Errorf("cache lookup: %w", err)
	}
	v, ok, stamp := c.lookup(ctx, key, tags)
	return v, ok, stamp, nil
}

func (c *scoped) SetFresh(ctx context.Context, key string, val []byte, ttl time.Duration, stamp Stamp, tags ...string) error {
	if err := validEntry(key, val, ttl, tags); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	c.setFresh(ctx, key, val, ttl, stamp, tags)
	return nil
}

func (c *scoped) GetOrLoad(ctx context.Context, key string, ttl time.Duration, tags []string, load Loader) ([]byte, error) {
	if err := validEntry(key, nil, ttl, tags); err != nil {
		return nil, fmt.Errorf("cache load: %w", err)
	}
	if load == nil {
		return nil, fmt.Errorf("cache load: %w: nil loader", ErrInvalid)
	}
	if v, ok := c.get(ctx, key); ok {
		return v, nil
	}
	// A follower whose leader was cancelled retries under its own context,
	// a bounded number of times.
	for attempt := 0; ; attempt++ {
		ch := c.flights.DoChan(c.entry+key, func() (any, error) {
			return c.loadOnce(ctx, key, ttl, tags, load)
		})
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cache load %q: %w", key, ctx.Err())
		case r := <-ch:
			if r.Err != nil {
				if r.Shared && attempt < 2 && ctx.Err() == nil && isContextErr(r.Err) {
					continue
				}
				return nil, r.Err
			}
			v := r.Val.([]byte)
			if r.Shared {
				v = bytes.Clone(v)
			}
			return v, nil
		}
	}
}

// loadOnce runs inside the single flight of key. A panicking loader is
// turned into an error: singleflight would otherwise re-panic on a
// goroutine nobody can recover.
func (c *scoped) loadOnce(ctx context.Context, key string, ttl time.Duration, tags []string, load Loader) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("cache loader panicked", "scope", c.scope.String(), "key", key, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			v, err = nil, fmt.Errorf("cache load %q: loader panicked: %v", key, p)
		}
	}()
	cached, ok, stamp := c.lookup(ctx, key, tags)
	if ok {
		return cached, nil
	}
	val, err := load(ctx)
	if err != nil {
		return nil, fmt.Errorf("cache load %q: %w", key, err)
	}
	if val == nil {
		val = []byte{}
	}
	if len(val) <= MaxValueBytes {
		c.setFresh(ctx, key, val, ttl, stamp, tags)
	}
	return val, nil
}

func (c *scoped) get(ctx context.Context, key string) ([]byte, bool) {
	v, ok, err := c.st.get(ctx, c.entry+key)
	if err != nil {
		c.degraded("get", key, err)
		return nil, false
	}
	return v, ok
}

func (c *scoped) lookup(ctx context.Context, key string, tags []string) ([]byte, bool, Stamp) {
	epochs := c.epochs(key, tags)
	v, ok, seen, err := c.st.lookup(ctx, c.entry+key, epochs)
	if err != nil {
		c.degraded("lookup", key, err)
		return nil, false, noStamp
	}
	return v, ok, Stamp(strings.Join(seen, "\n"))
}

func (c *scoped) setFresh(ctx context.Context, key string, val []byte, ttl time.Duration, stamp Stamp, tags []string) {
	if stamp == noStamp {
		return
	}
	epochs := c.epochs(key, tags)
	expect := strings.Split(string(stamp), "\n")
	if len(expect) != len(epochs) {
		return
	}
	w := write{entry: c.entry + key, val: val, ttl: ttl, sets: prefixed(c.tagSet, tags), epochs: epochs, expect: expect}
	if err := c.st.set(ctx, w); err != nil {
		c.degraded("set", key, err)
	}
}

// epochs names the key's epoch followed by each tag's.
func (c *scoped) epochs(key string, tags []string) []string {
	e := make([]string, 0, 1+len(tags))
	e = append(e, c.keyEpoch+key)
	for _, t := range tags {
		e = append(e, c.tagEpoch+t)
	}
	return e
}

// degraded logs a failed read or write that the caller does not see. A
// known outage is logged at debug level only: the Monitor reported it once.
func (c *scoped) degraded(op, key string, err error) {
	if errors.Is(err, errUnavailable) {
		c.log.Debug("cache bypassed", "op", op, "scope", c.scope.String(), "key", key)
		return
	}
	c.log.Warn("cache bypassed after error", "op", op, "scope", c.scope.String(), "key", key, "error", err)
}

// invalidationFailed logs an invalidation the backend could not apply:
// queued for replay when Redis was unreachable, otherwise lost, leaving
// entries stale for at most their TTL.
func (c *scoped) invalidationFailed(op string, n int, err error) {
	if errors.Is(err, errUnavailable) || Unreachable(err) || isContextErr(err) {
		c.deferred(op, n, err)
		return
	}
	c.log.Error("cache invalidation failed; entries stay stale until their TTL", "op", op, "scope", c.scope.String(), "names", n, "error", err)
}

// deferred logs an invalidation kept for later: at warn level once per
// outage, at debug level after that.
func (c *scoped) deferred(op string, n int, err error) {
	level := hclog.Debug
	if c.warned.CompareAndSwap(false, true) {
		level = hclog.Warn
	}
	c.log.Log(level, "cache invalidation deferred until redis is back; further ones this outage are logged at debug level",
		"op", op, "scope", c.scope.String(), "names", n, "error", err)
}

// deleteNames are the names deleteScript takes to delete keys.
func (c *scoped) deleteNames(keys []string) []string {
	return append(prefixed(c.entry, keys), prefixed(c.keyEpoch, keys)...)
}

// invalidateNames are the names invalidateScript takes to invalidate tags.
func (c *scoped) invalidateNames(tags []string) []string {
	return append(prefixed(c.tagSet, tags), prefixed(c.tagEpoch, tags)...)
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
