package sdktest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// addInvalidation records keys and tags to drop from the cache when the
// call commits.
func (cl *call) addInvalidation(inv *nexusv1.CacheInvalidateRequest) {
	if len(inv.GetKeys())+len(inv.GetTags()) == 0 {
		return
	}
	if cl.invalidate == nil {
		cl.invalidate = &nexusv1.CacheInvalidateRequest{}
	}
	cl.invalidate.Keys = append(cl.invalidate.Keys, inv.GetKeys()...)
	cl.invalidate.Tags = append(cl.invalidate.Tags, inv.GetTags()...)
}

// memoryCache is the harness's cache: per company, in memory, with the
// host cache's semantics (TTLs, tags, conditional sets after a miss).
type memoryCache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
	// generation counts invalidations; a miss's stamp is the generation it
	// saw, and a set with an older stamp is skipped.
	generation int
}

type cacheEntry struct {
	value   []byte
	tags    []string
	expires time.Time
}

func cacheKey(company, key string) string { return company + "\x00" + key }

func (c *memoryCache) get(company string, in *nexusv1.CacheGetRequest) *nexusv1.CacheGetResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[cacheKey(company, in.GetKey())]
	if ok && (e.expires.IsZero() || time.Now().Before(e.expires)) {
		return &nexusv1.CacheGetResponse{Found: true, Value: e.value}
	}
	return &nexusv1.CacheGetResponse{Stamp: strconv.Itoa(c.generation)}
}

func (c *memoryCache) set(company string, in *nexusv1.CacheSetRequest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if in.GetStamp() != "" && in.GetStamp() != strconv.Itoa(c.generation) {
		return
	}
	e := cacheEntry{value: in.GetValue(), tags: in.GetTags()}
	if in.GetTtlMs() > 0 {
		e.expires = time.Now().Add(time.Duration(in.GetTtlMs()) * time.Millisecond)
	}
	c.entries[cacheKey(company, in.GetKey())] = e
}

func (c *memoryCache) invalidate(company string, inv *nexusv1.CacheInvalidateRequest) {
	if inv == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for _, k := range inv.GetKeys() {
		delete(c.entries, cacheKey(company, k))
	}
	for k, e := range c.entries {
		tagged := slices.ContainsFunc(e.tags, func(tag string) bool { return slices.Contains(inv.GetTags(), tag) })
		if tagged && strings.HasPrefix(k, cacheKey(company, "")) {
			delete(c.entries, k)
		}
	}
}

// memoryLocks are the harness's locks: per company, in memory, with the
// host's answers (409 lock_not_acquired, lock_not_held).
type memoryLocks struct {
	mu   sync.Mutex
	held map[string]heldLock
}

type heldLock struct {
	token   string
	expires time.Time
}

// lockPoll is how often a waiting Acquire retries.
const lockPoll = 5 * time.Millisecond

func (l *memoryLocks) acquire(ctx context.Context, company string, in *nexusv1.LockRequest) (string, error) {
	if in.GetName() == "" || in.GetTtlMs() <= 0 {
		return "", rpcError(kind.Invalid, "invalid_lock_request", "sdktest: a lock needs a name and a positive ttl")
	}
	key := cacheKey(company, in.GetName())
	deadline := time.Now().Add(time.Duration(in.GetWaitMs()) * time.Millisecond)
	for {
		l.mu.Lock()
		if cur, ok := l.held[key]; !ok || time.Now().After(cur.expires) {
			token := uuid.NewString()
			l.held[key] = heldLock{token: token, expires: time.Now().Add(time.Duration(in.GetTtlMs()) * time.Millisecond)}
			l.mu.Unlock()
			return token, nil
		}
		l.mu.Unlock()
		if !time.Now().Before(deadline) {
			return "", rpcError(kind.Conflict, "lock_not_acquired", "sdktest: lock "+in.GetName()+" is held")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

// holding checks that token holds the lock name of company; the caller
// holds l.mu.
func (l *memoryLocks) holding(key, name, token string) error {
	if cur, ok := l.held[key]; !ok || cur.token != token || time.Now().After(cur.expires) {
		return rpcError(kind.Conflict, "lock_not_held", "sdktest: lock "+name+" is not held by this holder")
	}
	return nil
}

func (l *memoryLocks) release(company, name, token string) error {
	key := cacheKey(company, name)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.holding(key, name, token); err != nil {
		return err
	}
	delete(l.held, key)
	return nil
}

func (l *memoryLocks) extend(company, name, token string, ttl time.Duration) error {
	key := cacheKey(company, name)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.holding(key, name, token); err != nil {
		return err
	}
	l.held[key] = heldLock{token: token, expires: time.Now().Add(ttl)}
	return nil
}
