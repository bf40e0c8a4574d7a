package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// sweepEvery is how often Memory drops keys whose state has fully decayed.
const sweepEvery = time.Minute

// Memory is an in-process Limiter using the generic cell rate algorithm
// (GCRA): each key stores only its theoretical arrival time. It is safe for
// concurrent use and suits a single host replica; several replicas need a
// shared backend behind the same interface.
type Memory struct {
	now func() time.Time

	mu        sync.Mutex
	tat       map[string]time.Time
	lastSweep time.Time
}

// NewMemory returns an empty in-memory limiter using the wall clock.
func NewMemory() *Memory {
	return NewMemoryClock(time.Now)
}

// NewMemoryClock returns an empty in-memory limiter reading time from now,
// so tests can move the clock.
func NewMemoryClock(now func() time.Time) *Memory {
	return &Memory{now: now, tat: make(map[string]time.Time), lastSweep: now()}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, l Limit) (Decision, error) {
	if err := l.Validate(); err != nil {
		return Decision{}, fmt.Errorf("allow %q: %w", key, err)
	}
	interval := l.interval()
	tolerance := interval * time.Duration(l.burst())

	m.mu.Lock()
	defer m.mu.Unlock()

	now := m.now()
	m.sweep(now)

	tat, ok := m.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	if wait := next.Sub(now) - tolerance; wait > 0 {
		return Decision{
			Allowed:    false,
			Limit:      l,
			Remaining:  0,
			RetryAfter: wait,
			ResetAfter: tat.Sub(now),
		}, nil
	}
	m.tat[key] = next
	return Decision{
		Allowed:    true,
		Limit:      l,
		Remaining:  int((tolerance - next.Sub(now)) / interval),
		ResetAfter: next.Sub(now),
	}, nil
}

// sweep drops keys whose theoretical arrival time has passed: they are
// indistinguishable from keys never seen. Runs at most once per sweepEvery.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	for k, tat := range m.tat {
		if !tat.After(now) {
			delete(m.tat, k)
		}
	}
}

// Len returns how many keys hold state, for tests and metrics.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tat)
}
