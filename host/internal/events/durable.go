package events

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
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

// ackBarrier holds broker acknowledgements until the WAL holding their
// transactions' commits is flushed. One flush covers every commit made
// before it, so acknowledgements gathered while a flush runs share the
// next one.
type ackBarrier struct {
	s *Service

	mu      sync.Mutex
	pending []func()
	wake    chan struct{}
}

func newAckBarrier(s *Service) *ackBarrier {
	return &ackBarrier{s: s, wake: make(chan struct{}, 1)}
}

// add queues acks to run after the next flush.
func (a *ackBarrier) add(acks ...func()) {
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

// flush makes every commit so far durable and then runs the acks queued
// before it started. On error the acks stay queued.
func (a *ackBarrier) flush(ctx context.Context) error {
	a.mu.Lock()
	acks := a.pending
	a.pending = nil
	a.mu.Unlock()
	if len(acks) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, a.s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, walBarrierSQL)
		return err
	})
	if err != nil {
		a.mu.Lock()
		a.pending = append(acks, a.pending...)
		a.mu.Unlock()
		return fmt.Errorf("flush the WAL: %w", err)
	}
	for _, ack := range acks {
		ack()
	}
	return nil
}
