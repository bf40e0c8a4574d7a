package sdk

import (
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache is the vertical's cache for the caller's company: keys can never
// reach another company's or another vertical's entries. Invalidations wait
// for the call's unit of work to commit, so readers never cache what a
// rolled-back request wrote. When the cache backend is down, reads miss and
// writes are skipped: a cache is never the reason a request fails.
type Cache struct{ c *Context }

// Cache returns the cache of this call.
func (c *Context) Cache() *Cache { return &Cache{c: c} }

// cacheEntry is a cache entry as the host's cache callbacks exchange it.
type cacheEntry struct {
	key   string
	value []byte
	found bool
	ttl   time.Duration
	tags  []string
	// stamp is what a read answered; a write with it is skipped when the
	// key or a tag was invalidated since.
	stamp string
}

// loads collapses concurrent loads of one key within this plugin process.
var loads singleflight.Group

// Get returns the value stored under key.
func (k *Cache) Get(key string) ([]byte, bool, error) {
	e, err := k.c.host.cacheGet(k.c.ctx, key, nil)
	if err != nil {
		return nil, false, err
	}
	return e.value, e.found, nil
}

// Set stores value under key for ttl, labelled with tags for InvalidateTags.
func (k *Cache) Set(key string, value []byte, ttl time.Duration, tags ...string) error {
	return k.c.host.cacheSet(k.c.ctx, cacheEntry{key: key, value: value, ttl: ttl, tags: tags})
}

// GetOrLoad returns the value under key or, on a miss, calls load once (even
// for concurrent callers in this plugin) and stores its result — unless the
// key or one of its tags was invalidated while loading.
func (k *Cache) GetOrLoad(key string, ttl time.Duration, tags []string, load func() ([]byte, error)) ([]byte, error) {
	e, err := k.c.host.cacheGet(k.c.ctx, key, tags)
	if err != nil {
		return nil, err
	}
	if e.found {
		return e.value, nil
	}
	v, err, _ := loads.Do(k.c.principal.CompanyID+"\x00"+key, func() (any, error) {
		val, err := load()
		if err != nil {
			return nil, err
		}
		return val, k.c.host.cacheSet(k.c.ctx, cacheEntry{key: key, value: val, ttl: ttl, tags: tags, stamp: e.stamp})
	})
	if err != nil {
		return nil, err
	}
	return v.([]byte), nil
}

// Invalidate drops keys once the call's unit of work commits.
func (k *Cache) Invalidate(keys ...string) error {
	if k.c.effects != nil {
		k.c.effects.invalidate(keys, nil)
		return nil
	}
	return k.c.host.cacheInvalidate(k.c.ctx, keys, nil)
}

// InvalidateTags drops every entry labelled with one of tags once the call's
// unit of work commits.
func (k *Cache) InvalidateTags(tags ...string) error {
	if k.c.effects != nil {
		k.c.effects.invalidate(nil, tags)
		return nil
	}
	return k.c.host.cacheInvalidate(k.c.ctx, nil, tags)
}

// Locks are distributed locks for the caller's company, shared by every
// host replica. They make work run once; they never replace database
// constraints for correctness (stock, balances): use conditional updates.
type Locks struct{ c *Context }

// Locks returns the locks of this call.
func (c *Context) Locks() *Locks { return &Locks{c: c} }

// Lock is a held lock.
type Lock struct {
	c     *Context
	name  string
	token string
}

// Acquire takes the lock name for ttl, waiting up to wait for its holder to
// release it. A lock still held after wait is a 409 lock_not_acquired; an
// unreachable lock service is a 503 — locks fail closed.
func (l *Locks) Acquire(name string, ttl, wait time.Duration) (*Lock, error) {
	token, err := l.c.host.lock(l.c.ctx, name, ttl, wait)
	if err != nil {
		return nil, err
	}
	return &Lock{c: l.c, name: name, token: token}, nil
}

// Release releases the lock if this holder still owns it.
func (l *Lock) Release() error {
	return l.c.host.unlock(l.c.ctx, l.name, l.token)
}

// Extend keeps the lock for ttl from now if this holder still owns it.
func (l *Lock) Extend(ttl time.Duration) error {
	return l.c.host.extendLock(l.c.ctx, l.name, l.token, ttl)
}
