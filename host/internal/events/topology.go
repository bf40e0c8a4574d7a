package events

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
