package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
)

// The RabbitMQ bus's side of the admin API: queue figures from passive
// declarations, and parked messages read from the dead-letter queue
// without consuming it.

// maxBrowse bounds how many parked messages the admin API reads from a
// dead-letter queue.
const maxBrowse = 10000

func (b *rabbitBus) stats(ctx context.Context, sub *subscription) (Stats, error) {
	x := b.current()
	if x == nil {
		return Stats{}, errBusUnavailable(errNotConnected)
	}
	ch, err := x.subConn.Channel()
	if err != nil {
		return Stats{}, errBusUnavailable(err)
	}
	defer func() { _ = ch.Close() }()
	q := b.queue(sub.name)
	count := func(name string) (amqp.Queue, error) {
		if err := ctx.Err(); err != nil {
			return amqp.Queue{}, err
		}
		qi, err := ch.QueueDeclarePassive(name, true, false, false, false, nil)
		if err != nil {
			return amqp.Queue{}, fmt.Errorf("inspect queue %s: %w", name, err)
		}
		return qi, nil
	}
	st := Stats{Queue: q}
	main, err := count(q)
	if err != nil {
		return Stats{}, err
	}
	st.Depth, st.Consumers = int64(main.Messages), main.Consumers
	for _, d := range b.s.cfg.RetryDelays {
		qi, err := count(delayQueue(q, d))
		if err != nil {
			return Stats{}, err
		}
		st.Retrying += int64(qi.Messages)
	}
	dlq, err := count(deadLetterQueue(q))
	if err != nil {
		return Stats{}, err
	}
	st.DeadLetters = int64(dlq.Messages)
	b.mu.Lock()
	if c, ok := b.inflight[sub.name]; ok {
		st.InFlight = c.Load()
	}
	b.mu.Unlock()
	return st, nil
}

// browse reads sub's dead-letter queue on a channel of its own, without
// acknowledging, and calls fn for each message until fn returns false;
// closing the channel then puts every message back where it was. fn may
// settle the message it stops at.
func (b *rabbitBus) browse(ctx context.Context, sub *subscription, fn func(ch *amqp.Channel, d amqp.Delivery) (bool, error)) error {
	b.adminMu.Lock()
	defer b.adminMu.Unlock()
	x := b.current()
	if x == nil {
		return errBusUnavailable(errNotConnected)
	}
	ch, err := x.subConn.Channel()
	if err != nil {
		return errBusUnavailable(err)
	}
	defer func() { _ = ch.Close() }()
	dlq := deadLetterQueue(b.queue(sub.name))
	for range maxBrowse {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, ok, err := ch.Get(dlq, false)
		if err != nil {
			return fmt.Errorf("read %s: %w", dlq, err)
		}
		if !ok {
			return nil
		}
		more, err := fn(ch, d)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// deadLetter describes a parked message.
func (b *rabbitBus) deadLetter(d amqp.Delivery, sub *subscription) DeadLetter {
	ev, _, _ := b.decode(d, b.queue(sub.name))
	dl := DeadLetter{
		ID:            ev.ID,
		Subscription:  sub.name,
		CompanyID:     ev.CompanyID,
		Topic:         ev.Topic,
		OccurredAt:    ev.OccurredAt,
		RequestID:     ev.RequestID,
		SchemaVersion: ev.SchemaVersion,
		Payload:       ev.Payload,
		LastError:     headerString(d.Headers, hdrError),
	}
	if dl.ID == uuid.Nil {
		dl.ID, _ = uuid.Parse(d.MessageId)
	}
	if !json.Valid(dl.Payload) {
		dl.Payload = nil
	}
	dl.Attempts, _ = headerInt(d.Headers[hdrAttempt])
	if t, err := time.Parse(time.RFC3339Nano, headerString(d.Headers, hdrParkedAt)); err == nil {
		dl.ParkedAt = t
	}
	return dl
}

func (b *rabbitBus) deadLetters(ctx context.Context, sub *subscription, after deadLetterKey, limit int) ([]DeadLetter, error) {
	var all []DeadLetter
	err := b.browse(ctx, sub, func(_ *amqp.Channel, d amqp.Delivery) (bool, error) {
		if dl := b.deadLetter(d, sub); after.before(dl) {
			all = append(all, dl)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %s: %w", sub.name, err)
	}
	slices.SortFunc(all, compareDeadLetters)
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// settle finds parked message id of sub and, when replay is set,
// publishes it back to the subscription's queue as a first attempt; then
// it acknowledges (removes) it. It returns the message's company (uuid.Nil
// when its company_id header is unreadable).
func (b *rabbitBus) settle(ctx context.Context, sub *subscription, id uuid.UUID, replay bool) (uuid.UUID, error) {
	found := false
	var company uuid.UUID
	err := b.browse(ctx, sub, func(_ *amqp.Channel, d amqp.Delivery) (bool, error) {
		if d.MessageId != id.String() {
			return true, nil
		}
		found = true
		company, _ = uuid.Parse(headerString(d.Headers, hdrCompanyID))
		if replay {
			msg := republish(d)
			for _, h := range []string{hdrError, hdrParkedAt, hdrSubscription} {
				delete(msg.Headers, h)
			}
			msg.Headers[hdrAttempt] = int32(1)
			if err := b.publish(ctx, "", b.queue(sub.name), msg); err != nil {
				return false, errBusUnavailable(err)
			}
		}
		if err := d.Ack(false); err != nil {
			return false, errBusUnavailable(err)
		}
		return false, nil
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("settle %s of %s: %w", id, sub.name, err)
	}
	if !found {
		return uuid.Nil, errDeadLetterNotFound(sub.name, id.String())
	}
	return company, nil
}

func (b *rabbitBus) replay(ctx context.Context, sub *subscription, id uuid.UUID) (uuid.UUID, error) {
	return b.settle(ctx, sub, id, true)
}

func (b *rabbitBus) discard(ctx context.Context, sub *subscription, id uuid.UUID) error {
	_, err := b.settle(ctx, sub, id, false)
	return err
}
