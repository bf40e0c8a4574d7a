package events

import (
	"context"
)

// SetAfterRelayPublish installs a hook that runs between handing a relay
// batch to the bus and marking it sent; an error aborts the round as a
// crash there would. Call it before Start.
func SetAfterRelayPublish(s *Service, fn func() error) { s.afterRelayPublish = fn }

// QueueName is the RabbitMQ queue of subscription fullName.
func QueueName(s *Service, fullName string) string {
	return queueName(s.cfg.Prefix, fullName)
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

// DeleteServiceTopology deletes the exchange and every queue of the named
// subscriptions that s declared (tests clean up with it).
func DeleteServiceTopology(ctx context.Context, s *Service, fullNames ...string) error {
	if s.cfg.AMQPURL == "" {
		return nil
	}
	return DeleteTopology(ctx, s.cfg.AMQPURL, s.cfg.Prefix, s.cfg.RetryDelays, fullNames...)
}
