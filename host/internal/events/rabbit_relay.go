package events

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
)

// The outbox relay to RabbitMQ: claimed outbox rows are published with
// confirms and marked sent when every confirm has arrived.

// relay claims up to limit outbox rows (marking them sent in the claiming
// transaction), publishes them to the exchange and returns without waiting
// for the broker: a goroutine waits for every confirm and then commits the
// transaction, while the relay loops go on claiming the rows behind them.
// At most maxRelayInFlight batches wait at once; until its commit a
// batch's rows stay locked, so no relay publishes them twice, and any
// failure (a nack, a lost session, a crash) rolls the batch back, so its
// rows are relayed again.
func (b *rabbitBus) relay(ctx context.Context, limit int) (int, error) {
	x := b.current()
	if x == nil {
		return 0, errNotConnected
	}
	select {
	case b.relaySlots <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("relay to RabbitMQ: %w", ctx.Err())
	}
	// A batch handed to the broker may finish after ctx ends (Stop waits
	// for it); only the end of Stop's patience abandons it.
	bctx, cancel := context.WithTimeout(b.hard, confirmTimeout)
	rb, err := b.publishBatch(ctx, bctx, x, limit)
	if err != nil || rb == nil {
		cancel()
		<-b.relaySlots
		if err != nil {
			return 0, fmt.Errorf("relay to RabbitMQ: %w", err)
		}
		return 0, nil
	}
	go func() {
		defer func() { <-b.relaySlots }()
		defer cancel()
		if err := b.finishBatch(bctx, rb); err != nil && b.hard.Err() == nil {
			b.s.log.Warn("relay round failed; will retry", "error", fmt.Errorf("relay to RabbitMQ: %w", err))
		}
	}()
	return len(rb.ids), nil
}

// relayBatch is a batch of outbox rows handed to the broker, whose
// claiming transaction awaits the broker's confirms.
type relayBatch struct {
	tx       pgx.Tx
	ids      []uuid.UUID
	confirms []*amqp.DeferredConfirmation
}

// publishBatch claims up to limit rows in a new transaction (under ctx)
// and publishes them on x (under bctx). It returns nil when there was
// nothing to claim; on error the transaction is rolled back.
func (b *rabbitBus) publishBatch(ctx, bctx context.Context, x *session, limit int) (_ *relayBatch, err error) {
	tx, err := b.s.pool.BeginTx(ctx, asyncTxOptions)
	if err != nil {
		return nil, err
	}
	rb := &relayBatch{tx: tx}
	defer func() {
		if err != nil || rb == nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	rows, err := tx.Query(ctx, claimOutboxSQL, limit)
	if err != nil {
		return nil, err
	}
	var (
		seq     int64
		ev      Event
		payload []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&seq, pgUUID(&ev.CompanyID), pgUUID(&ev.ID), &ev.Topic, &ev.OccurredAt, &ev.RequestID, &ev.SchemaVersion, &payload, &ev.TraceParent}, func() error {
		// Publishing copies the body out before the next row is read.
		ev.Payload = payload
		dc, err := x.pub.PublishWithDeferredConfirmWithContext(bctx, b.exchange, ev.Topic, false, false, message(ev))
		if err != nil {
			return fmt.Errorf("publish %s: %w", ev.ID, err)
		}
		rb.ids, rb.confirms = append(rb.ids, ev.ID), append(rb.confirms, dc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rb.ids) == 0 {
		rb = nil
	}
	return rb, nil
}

// finishBatch waits for every confirm of rb, then commits its
// transaction, marking its rows sent; otherwise it rolls it back.
func (b *rabbitBus) finishBatch(ctx context.Context, rb *relayBatch) error {
	err := func() error {
		for i, dc := range rb.confirms {
			ok, err := dc.WaitContext(ctx)
			if err != nil {
				return fmt.Errorf("confirm of %s: %w", rb.ids[i], err)
			}
			if !ok {
				return fmt.Errorf("publish %s: %w", rb.ids[i], errNacked)
			}
		}
		if err := b.s.relayHook(); err != nil {
			return err
		}
		return rb.tx.Commit(ctx)
	}()
	if err != nil {
		_ = rb.tx.Rollback(context.WithoutCancel(ctx))
	}
	return err
}
