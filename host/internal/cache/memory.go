package cache

import (
	"bytes"
	"context"
	"github.com/google/uuid"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultMaxEntries bounds a Memory cache built by NewMemory.
const DefaultMaxEntries = 100_000

// epochTTL is how long an invalidation token outlives its invalidation. It
// must exceed any load: a loader that started before an invalidation must
// still see the new token when it tries to store.
const epochTTL = 24 * time.Hour

// memorySweepEvery is how often Memory drops expired state.
const memorySweepEvery = time.Minute

// Memory is the in-process Backend for a single host replica: the same
// scopes, TTLs, tags and invalidation rules as Redis, without sharing.
// When it holds maxEntries entries, storing one more drops a sampled
// expired entry or, failing that, an arbitrary one.
type Memory struct {
	core

	now        func() time.Time
	maxEntries int

	mu        sync.Mutex
	entries   map[string]memEntry
	sets      map[string]memSet
	epochs    map[string]memEpoch
	seq       uint64
	lastSweep time.Time
}

type memEntry struct {
	val     []byte
	expires time.Time
}

type memSet struct {
	members map[string]struct{}
	expires time.Time
}

type memEpoch struct {
	token   string
	expires time.Time
}

// NewMemory returns an empty in-memory backend holding at most maxEntries
// entries (DefaultMaxEntries when maxEntries <= 0), logging to log.
func NewMemory(maxEntries int, log hclog.Logger) *Memory {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	m := &Memory{
		now:        time.Now,
		maxEntries: maxEntries,
		entries:    make(map[string]memEntry),
		sets:       make(map[string]memSet),
		epochs:     make(map[string]memEpoch),
		lastSweep:  time.Now(),
	}
	m.core.st = m
	m.core.log = log
	return m
}

// Len returns how many live entries m holds, for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	n := 0
	for _, e := range m.entries {
		if now.Before(e.expires) {
			n++
		}
	}
	return n
}

func (m *Memory) get(_ context.Context, entry string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.liveEntry(entry, m.now())
	return v, ok, nil
}

func (m *Memory) lookup(_ context.Context, entry string, epochs []string) ([]byte, bool, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	v, ok := m.liveEntry(entry, now)
	seen := make([]string, len(epochs))
	for i, e := range epochs {
		seen[i] = m.token(e, now)
	}
	return v, ok, seen, nil
}

func (m *Memory) set(_ context.Context, w write) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if w.expect != nil {
		for i, e := range w.epochs {
			if m.token(e, now) != w.expect[i] {
				return nil
			}
		}
	}
	m.sweep(now)
	if _, ok := m.entries[w.entry]; !ok && len(m.entries) >= m.maxEntries {
		m.evict(now)
	}
	expires := now.Add(w.ttl)
	m.entries[w.entry] = memEntry{val: bytes.Clone(w.val), expires: expires}
	for _, s := range w.sets {
		set, ok := m.sets[s]
		if !ok || !now.Before(set.expires) {
			set = memSet{members: make(map[string]struct{})}
		}
		set.members[w.entry] = struct{}{}
		if expires.After(set.expires) {
			set.expires = expires
		}
		m.sets[s] = set
	}
	return nil
}

func (m *Memory) del(_ context.Context, _ uuid.UUID, entries, epochs []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for _, e := range entries {
		delete(m.entries, e)
	}
	m.renew(epochs, now)
	return nil
}

func (m *Memory) invalidate(_ context.Context, _ uuid.UUID, sets, epochs []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.renew(epochs, now)
	for _, s := range sets {
		for e := range m.sets[s].members {
			delete(m.entries, e)
		}
		delete(m.sets, s)
	}
	return nil
}

// liveEntry returns a copy of entry's value unless it is absent or expired.
func (m *Memory) liveEntry(entry string, now time.Time) ([]byte, bool) {
	e, ok := m.entries[entry]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(m.entries, entry)
		return nil, false
	}
	return bytes.Clone(e.val), true
}

func (m *Memory) token(epoch string, now time.Time) string {
	e, ok := m.epochs[epoch]
	if !ok || !now.Before(e.expires) {
		return ""
	}
	return e.token
}

// renew gives each epoch a token never used before.
func (m *Memory) renew(epochs []string, now time.Time) {
	for _, e := range epochs {
		m.seq++
		m.epochs[e] = memEpoch{token: strconv.FormatUint(m.seq, 10), expires: now.Add(epochTTL)}
	}
}

// evict makes room for one entry: it samples a few entries (map order is
// random), drops the expired ones among them and, if none was, the first.
func (m *Memory) evict(now time.Time) {
	const sample = 8
	var first string
	n, dropped := 0, false
	for k, e := range m.entries {
		if n == 0 {
			first = k
		}
		if !now.Before(e.expires) {
			delete(m.entries, k)
			dropped = true
		}
		if n++; n == sample {
			break
		}
	}
	if !dropped {
		delete(m.entries, first)
	}
}

// sweep drops expired entries, sets and epochs, at most once per
// memorySweepEvery.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < memorySweepEvery {
		return
	}
	m.lastSweep = now
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
	}
	for k, s := range m.sets {
		if !now.Before(s.expires) {
			delete(m.sets, k)
		}
	}
	for k, e := range m.epochs {
		if !now.Before(e.expires) {
			delete(m.epochs, k)
		}
	}
}
