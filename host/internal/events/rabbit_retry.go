package events

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Retries on RabbitMQ: a failed delivery is published with confirm to the
// next delay queue, or parked in the dead-letter queue after the last
// attempt, before the original is acknowledged.

// settleFailure publishes a failed delivery to the next delay queue (or
// the dead-letter queue after the last attempt) with confirm, then acks
// it, so the consumer never waits out a retry; if even that fails, it
// requeues the delivery.
func (b *rabbitBus) settleFailure(sub *subscription, w *ackWindow, d amqp.Delivery, ev Event, attempt int, cause error) {
	ctx := b.hard
	log := b.s.log
	q := b.queue(sub.name)
	log.Warn("event handler failed", "subscription", sub.name, "message_id", d.MessageId, "topic", ev.Topic,
		"request_id", ev.RequestID, "attempt", attempt, "max_attempts", b.s.cfg.maxAttempts(), "error", cause)
	if ctx.Err() != nil {
		return // shutting down: requeued when the session closes
	}
	defer w.settled(d.DeliveryTag)
	msg := republish(d)
	var target string
	if attempt <= len(b.s.cfg.RetryDelays) {
		target = delayQueue(q, b.s.cfg.RetryDelays[attempt-1])
		msg.Headers[hdrAttempt] = int32(attempt + 1)
	} else {
		target = deadLetterQueue(q)
		msg.Headers[hdrAttempt] = int32(attempt)
		msg.Headers[hdrError] = errorText(cause)
		msg.Headers[hdrParkedAt] = time.Now().UTC().Format(time.RFC3339Nano)
		msg.Headers[hdrSubscription] = sub.name
	}
	if err := b.publish(ctx, "", target, msg); err != nil {
		log.Warn("scheduling a retry failed; requeued", "subscription", sub.name, "message_id", d.MessageId, "error", err)
		_ = d.Nack(false, true)
		return
	}
	if target == deadLetterQueue(q) {
		log.Error("event parked in the dead-letter queue", "subscription", sub.name, "message_id", d.MessageId,
			"topic", ev.Topic, "attempts", attempt, "queue", target)
	}
	if err := d.Ack(false); err != nil {
		log.Debug("ack after retry failed; the event will come twice and be deduplicated", "message_id", d.MessageId, "error", err)
	}
}

// publish publishes msg on the session's confirm channel and waits for the
// broker's confirm.
func (b *rabbitBus) publish(ctx context.Context, exchange, key string, msg amqp.Publishing) error {
	x := b.current()
	if x == nil {
		return errNotConnected
	}
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	dc, err := x.pub.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, msg)
	if err != nil {
		return fmt.Errorf("publish to %s: %w", key, err)
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("confirm of %s: %w", key, err)
	}
	if !ok {
		return fmt.Errorf("publish to %s: %w", key, errNacked)
	}
	return nil
}
