package fiscal

import (
	"context"
	"sync"
)

// gate bounds the issuances one process runs at once, so that they never
// exhaust the database pool.
//
// An issuance holds one connection for its whole length (the series'
// advisory lock lives on it), and its issuer may need a second one for a
// moment (a credential, a document). Issuances of one series wait for each
// other in process (a mutex per series) without a connection; at most half
// the pool's connections are held by issuances, so the other half always
// serves the moments they need: no issuance waits for a connection that
// only another waiting issuance could free.
type gate struct {
	slots chan struct{}

	mu     sync.Mutex
	series map[string]*seriesMutex
}

type seriesMutex struct {
	ch   chan struct{}
	refs int
}

func newGate(maxConns int32) *gate {
	return &gate{slots: make(chan struct{}, max(1, int(maxConns)/2)), series: map[string]*seriesMutex{}}
}

// enter waits for the series key (none when key is empty) and a slot; the
// returned func leaves both.
func (g *gate) enter(ctx context.Context, key string) (func(), error) {
	var sm *seriesMutex
	if key != "" {
		g.mu.Lock()
		sm = g.series[key]
		if sm == nil {
			sm = &seriesMutex{ch: make(chan struct{}, 1)}
			g.series[key] = sm
		}
		sm.refs++
		g.mu.Unlock()
		select {
		case sm.ch <- struct{}{}:
		case <-ctx.Done():
			g.release(key, sm, false)
			return nil, ctx.Err()
		}
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		if sm != nil {
			g.release(key, sm, true)
		}
		return nil, ctx.Err()
	}
	return func() {
		<-g.slots
		if sm != nil {
			g.release(key, sm, true)
		}
	}, nil
}

// release drops a reference to key's mutex, unlocking it when held.
func (g *gate) release(key string, sm *seriesMutex, held bool) {
	if held {
		<-sm.ch
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if sm.refs--; sm.refs == 0 {
		delete(g.series, key)
	}
}
