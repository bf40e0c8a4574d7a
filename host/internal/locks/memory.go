package locks

import (
	"context"
	"sync"
	"time"
)

// Memory is the in-process Backend for a single host replica: the same
// semantics as Redis, shared only by the callers of this process.
type Memory struct {
	core

	now   func() time.Time
	mu    sync.Mutex
	locks map[string]memLock
}

type memLock struct {
	token   string
	expires time.Time
}

// NewMemory returns an empty in-memory backend.
func NewMemory() *Memory {
	m := &Memory{now: time.Now, locks: make(map[string]memLock)}
	m.core.st = m
	return m
}

func (m *Memory) acquire(_ context.Context, key, token string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if l, ok := m.locks[key]; ok && now.Before(l.expires) {
		return false, nil
	}
	m.locks[key] = memLock{token: token, expires: now.Add(ttl)}
	m.sweep(now)
	return true, nil
}

func (m *Memory) release(_ context.Context, key, token string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.held(key, token) {
		return false, nil
	}
	delete(m.locks, key)
	return true, nil
}

func (m *Memory) extend(_ context.Context, key, token string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.held(key, token) {
		return false, nil
	}
	m.locks[key] = memLock{token: token, expires: m.now().Add(ttl)}
	return true, nil
}

func (m *Memory) held(key, token string) bool {
	l, ok := m.locks[key]
	return ok && l.token == token && m.now().Before(l.expires)
}

// sweep drops expired locks once the map has grown, so it stays bounded by
// the locks actually held.
func (m *Memory) sweep(now time.Time) {
	if len(m.locks) < 1024 {
		return
	}
	for k, l := range m.locks {
		if !now.Before(l.expires) {
			delete(m.locks, k)
		}
	}
}
