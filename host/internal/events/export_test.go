package events

import (
	"context"
	"fmt"

	amqp "github.com/rabbitmq/amqp091-go"
)

// SetAfterRelayPublish installs a hook that runs between handing a relay
// batch to the bus and marking it sent; an error aborts the round as a
// crash there would. Call it before Start.
func SetAfterRelayPublish(s *Service, fn func() error) { s.afterRelayPublish = fn }

// QueueName is the RabbitMQ queue of subscription fullName.
func QueueName(s *Service, fullName string) string {
	return s.cfg.Prefix + "sub." + fullName
}

// DelayQueueNames are the delay queues of subscription fullName.
func DelayQueueNames(s *Service, fullName string) []string {
	q := QueueName(s, fullName)
	out := make([]string, 0, len(s.cfg.RetryDelays))
	for _, d := range s.cfg.RetryDelays {
		out = append(out, delayQueue(q, d))
	}
	return out
}

// DeleteTopology deletes the exchange and every queue of the named
// subscriptions that s declared (tests clean up with it).
func DeleteTopology(_ context.Context, s *Service, fullNames ...string) error {
	if s.cfg.AMQPURL == "" {
		return nil
	}
	conn, err := amqp.Dial(s.cfg.AMQPURL)
	if err != nil {
		return fmt.Errorf("RabbitMQ: %w", err)
	}
	defer func() { _ = conn.Close() }()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	for _, name := range fullNames {
		q := QueueName(s, name)
		for _, n := range append(DelayQueueNames(s, name), q, deadLetterQueue(q)) {
			if _, err := ch.QueueDelete(n, false, false, false); err != nil {
				return fmt.Errorf("delete queue %s: %w", n, err)
			}
		}
	}
	return ch.ExchangeDelete(s.cfg.Prefix+ExchangeName, false, false)
}
