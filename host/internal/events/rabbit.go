package events

// The RabbitMQ bus: its state, start and stop. The other rabbit_*.go files
// hold one concern each: the connection (rabbit_conn.go), the topology
// (rabbit_topology.go), the message format (rabbit_message.go), consuming
// (rabbit_consume.go), retries and dead letters (rabbit_retry.go), the
// outbox relay (rabbit_relay.go) and the admin API (rabbit_admin.go).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ExchangeName is the topic exchange events are published to (after
// Config.Prefix).
const ExchangeName = "nexus.events"

// RabbitMQ timings.
const (
	dialTimeout    = 5 * time.Second
	heartbeat      = 10 * time.Second
	confirmTimeout = 30 * time.Second
	// maxRelayInFlight bounds the relay batches of a host awaiting their
	// confirms at once; each holds its claiming transaction open.
	maxRelayInFlight = 3
)

// errNacked is returned when the broker refuses a publication.
var errNacked = errors.New("RabbitMQ did not confirm the publication")

// rabbitBus is the RabbitMQ transport.
type rabbitBus struct {
	s        *Service
	exchange string

	healthV atomic.Pointer[Health]
	acks    *ackBarrier
	// adminMu serializes dead-letter browsing within this host.
	adminMu sync.Mutex

	mu         sync.Mutex
	soft, hard context.Context
	sess       *session
	inflight   map[string]*atomic.Int64
	workers    sync.WaitGroup
	supervised chan struct{}
	// relaySlots holds a token for every relay batch awaiting its
	// confirms.
	relaySlots chan struct{}
}

func newRabbitBus(s *Service) *rabbitBus {
	b := &rabbitBus{
		s:          s,
		exchange:   s.cfg.Prefix + ExchangeName,
		inflight:   map[string]*atomic.Int64{},
		supervised: make(chan struct{}),
		relaySlots: make(chan struct{}, maxRelayInFlight),
	}
	b.acks = newAckBarrier(s)
	b.setHealth(false, "not started")
	return b
}

func (b *rabbitBus) kind() string { return BusRabbitMQ }

func (b *rabbitBus) health() Health { return *b.healthV.Load() }

func (b *rabbitBus) setHealth(ok bool, reason string) {
	b.healthV.Store(&Health{Bus: BusRabbitMQ, OK: ok, Reason: reason})
}

func (b *rabbitBus) start(soft, hard context.Context) {
	b.mu.Lock()
	b.soft, b.hard = soft, hard
	b.mu.Unlock()
	b.setHealth(false, "connecting to RabbitMQ")
	go b.supervise()
	go b.acks.run(hard)
}

func (b *rabbitBus) subscribe(_ context.Context, sub *subscription) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	x := b.sess
	if x == nil {
		return nil // declared when the session is (re)established
	}
	err := b.declare(x, sub)
	if err == nil {
		err = b.consume(x, sub)
	}
	if err != nil {
		// A failed declaration closes its channel; the next session
		// declares everything again.
		x.fail(err)
		b.s.log.Warn("declaring a subscription failed; reconnecting", "subscription", sub.name, "error", err)
	}
	return nil
}

// wake is a no-op: the broker pushes deliveries.
func (b *rabbitBus) wake([]string) {}

func (b *rabbitBus) stop(ctx context.Context) error {
	var err error
	select {
	case <-b.supervised:
	case <-ctx.Done():
		err = fmt.Errorf("stop RabbitMQ bus: %w", ctx.Err())
	}
	b.mu.Lock()
	x := b.sess
	b.sess = nil
	b.mu.Unlock()
	if x != nil {
		for name, ch := range x.consumers {
			_ = ch.Cancel(x.tags[name], false)
		}
	}
	done := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("stop RabbitMQ consumers: %w", ctx.Err())
	}
	// Acknowledge what the finished handlers committed before closing.
	if ferr := b.acks.flush(ctx); ferr != nil && err == nil {
		err = fmt.Errorf("stop RabbitMQ consumers: %w", ferr)
	}
	if x != nil {
		for _, w := range x.windows {
			w.drain()
		}
	}
	// Let the relay batches awaiting confirms commit; taking every slot
	// also keeps the relay from starting another.
	for range maxRelayInFlight {
		select {
		case b.relaySlots <- struct{}{}:
		case <-ctx.Done():
		}
	}
	if x != nil {
		x.close()
	}
	b.setHealth(false, "stopped")
	return err
}
