package events

// The RabbitMQ topology: the names of a subscription's queues, declaring
// them, and deleting them.

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// DeleteTopology deletes from the broker at amqpURL what buses with prefix
// (Config.Prefix) declared: the queues of the subscriptions named by their
// full names — main, delay (one per retry delay) and dead-letter queue,
// parked messages included — and the exchange. It is for tearing down a
// platform that shared a broker, such as a test's.
func DeleteTopology(ctx context.Context, amqpURL, prefix string, retryDelays []time.Duration, fullNames ...string) error {
	conn, err := amqp.DialConfig(amqpURL, amqp.Config{Dial: amqp.DefaultDial(dialTimeout)})
	if err != nil {
		return fmt.Errorf("delete topology: RabbitMQ: %w", err)
	}
	defer func() { _ = conn.Close() }()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("delete topology: %w", err)
	}
	for _, name := range fullNames {
		q := queueName(prefix, name)
		for _, n := range append(delayQueues(q, retryDelays), q, deadLetterQueue(q)) {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("delete topology: %w", err)
			}
			if _, err := ch.QueueDelete(n, false, false, false); err != nil {
				return fmt.Errorf("delete queue %s: %w", n, err)
			}
		}
	}
	if err := ch.ExchangeDelete(prefix+ExchangeName, false, false); err != nil {
		return fmt.Errorf("delete exchange %s: %w", prefix+ExchangeName, err)
	}
	return nil
}

// delayQueues are the delay queues of queue q, one per retry delay.
func delayQueues(q string, retryDelays []time.Duration) []string {
	out := make([]string, len(retryDelays))
	for i, d := range retryDelays {
		out[i] = delayQueue(q, d)
	}
	return out
}

// Queue names of a subscription.
func (b *rabbitBus) queue(sub string) string { return queueName(b.s.cfg.Prefix, sub) }

// queueName is the queue of subscription sub (its full name) on a bus with
// prefix.
func queueName(prefix, sub string) string { return prefix + "sub." + sub }

func delayQueue(q string, d time.Duration) string { return q + ".retry." + d.String() }

func deadLetterQueue(q string) string { return q + ".dlq" }

// declare declares sub's queue and binding, its delay queues and its
// dead-letter queue, and unbinds a pattern the subscription no longer has.
func (b *rabbitBus) declare(x *session, sub *subscription) error {
	def := sub.get()
	q := b.queue(sub.name)
	if _, err := x.topo.QueueDeclare(q, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare queue %s: %w", q, err)
	}
	if err := x.topo.QueueBind(q, def.Pattern, b.exchange, false, nil); err != nil {
		return fmt.Errorf("bind queue %s to %s: %w", q, def.Pattern, err)
	}
	if old := sub.takeOldPattern(); old != "" {
		if err := x.topo.QueueUnbind(q, old, b.exchange, nil); err != nil {
			return fmt.Errorf("unbind queue %s from %s: %w", q, old, err)
		}
	}
	for _, d := range b.s.cfg.RetryDelays {
		dq := delayQueue(q, d)
		args := amqp.Table{
			"x-message-ttl":             d.Milliseconds(),
			"x-dead-letter-exchange":    "",
			"x-dead-letter-routing-key": q,
		}
		if _, err := x.topo.QueueDeclare(dq, true, false, false, false, args); err != nil {
			return fmt.Errorf("declare delay queue %s: %w", dq, err)
		}
	}
	dlq := deadLetterQueue(q)
	if _, err := x.topo.QueueDeclare(dlq, true, false, false, false, amqp.Table{"x-message-ttl": b.s.cfg.DeadLetterTTL.Milliseconds()}); err != nil {
		return fmt.Errorf("declare dead-letter queue %s: %w", dlq, err)
	}
	return nil
}
