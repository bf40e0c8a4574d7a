package events

import (
	"context"
	"fmt"
	"sync"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Deliveries commit with synchronous_commit off, so a batch never waits for
// its own WAL flush. That is safe because nothing acknowledges a delivery
// before its commit is durable:
//
//   - in-process, the acknowledgement (deleting the event_deliveries row)
//     is part of the same transaction: a commit lost in a crash takes the
//     acknowledgement with it and the event is delivered again;
//   - with RabbitMQ, acknowledgements wait in an ackBarrier until a
//     synchronously committed transaction, whose commit record follows
//     theirs in the WAL, has been flushed.

// ackRef is one delivery whose acknowledgement is due once durable.
type ackRef struct {
	w   *ackWindow
	tag uint64
}

// ackBarrier holds broker acknowledgements until the WAL holding their
// transactions' commits is flushed. One flush covers every commit made
// before it, so acknowledgements gathered while a flush runs share the
// next one.
type ackBarrier struct {
	s *Service

	mu      sync.Mutex
	pending []ackRef
	wake    chan struct{}
}

func newAckBarrier(s *Service) *ackBarrier {
	return &ackBarrier{s: s, wake: make(chan struct{}, 1)}
}

// add queues acks for the next flush.
func (a *ackBarrier) add(acks ...ackRef) {
	a.mu.Lock()
	a.pending = append(a.pending, acks...)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// run flushes and acknowledges until ctx ends; acknowledgements still
// pending then are dropped (their deliveries are requeued when the session
// closes and deduplicated when they come back).
func (a *ackBarrier) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		}
		if err := a.flush(ctx); err != nil && ctx.Err() == nil {
			a.s.log.Warn("cannot confirm that handled events are durable; their acknowledgements wait", "error", err)
			if !sleep(ctx, minBackoff) {
				return
			}
			a.add()
		}
	}
}

// flush makes every commit so far durable and then acknowledges what was
// queued before it started, one multiple ack per channel where it can. On
// error the acks stay queued.
func (a *ackBarrier) flush(ctx context.Context) error {
	a.mu.Lock()
	acks := a.pending
	a.pending = nil
	a.mu.Unlock()
	if len(acks) == 0 {
		return nil
	}
	if _, err := a.s.pool.Exec(ctx, walBarrierSQL); err != nil {
		a.mu.Lock()
		a.pending = append(acks, a.pending...)
		a.mu.Unlock()
		return fmt.Errorf("flush the WAL: %w", err)
	}
	byWindow := map[*ackWindow][]uint64{}
	for _, r := range acks {
		byWindow[r.w] = append(byWindow[r.w], r.tag)
	}
	for w, tags := range byWindow {
		if err := w.due(tags...); err != nil {
			a.s.log.Debug("ack failed; the events will be redelivered and skipped", "error", err)
		}
	}
	return nil
}

// Delivery states in an ackWindow.
const (
	inProgress   = iota // delivered, not settled
	ackDue              // processed and durable: acknowledge
	settledAlone        // acknowledged or rejected on its own
)

// ackWindow tracks one consumer channel's unsettled deliveries in delivery
// (tag) order, so that acknowledgements that fall due together leave as
// one multiple ack: "everything up to tag T". T is always a delivery still
// unacknowledged, and everything before it is settled or due.
type ackWindow struct {
	ch *amqp.Channel

	mu    sync.Mutex
	tags  []uint64
	state map[uint64]int8
}

func newAckWindow(ch *amqp.Channel) *ackWindow {
	return &ackWindow{ch: ch, state: map[uint64]int8{}}
}

// delivered records a new delivery; tags arrive in increasing order.
func (w *ackWindow) delivered(tag uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tags = append(w.tags, tag)
	w.state[tag] = inProgress
}

// settled records a delivery acknowledged or rejected on its own (after
// the frame was sent).
func (w *ackWindow) settled(tag uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.state[tag]; ok {
		w.state[tag] = settledAlone
	}
	w.advanceLocked()
}

// due marks deliveries as ready to acknowledge and sends one multiple ack
// for the longest settled prefix of the window.
func (w *ackWindow) due(tags ...uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range tags {
		if _, ok := w.state[t]; ok {
			w.state[t] = ackDue
		}
	}
	return w.advanceLocked()
}

// advanceLocked drops the settled prefix of the window and acknowledges
// the last due delivery in it, with multiple set.
func (w *ackWindow) advanceLocked() error {
	var last uint64
	n := 0
	for _, t := range w.tags {
		st := w.state[t]
		if st == inProgress {
			break
		}
		if st == ackDue {
			last = t
		}
		delete(w.state, t)
		n++
	}
	w.tags = w.tags[n:]
	if last == 0 {
		return nil
	}
	return w.ch.Ack(last, true)
}

// drain acknowledges, one by one, due deliveries still held behind an
// unsettled one (at shutdown, when that one will never settle).
func (w *ackWindow) drain() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, t := range w.tags {
		if w.state[t] == ackDue {
			_ = w.ch.Ack(t, false)
			w.state[t] = settledAlone
		}
	}
}
