package events

import (
	"context"
)

// SetAfterRelayPublish installs a hook that runs between handing a relay
// batch to the bus and marking it sent; an error aborts the round as a
// crash there would. Call it before Start.
func SetAfterRelayPublish(s *Service, fn func() error) { s.afterRelayPublish = fn }

// DelayQueueNames are the delay queues of subscription fullName.
func DelayQueueNames(s *Service, fullName string) []string {
	return delayQueues(queueName(s.cfg.Prefix, fullName), s.cfg.RetryDelays)
}

// DeleteServiceTopology deletes the exchange and every queue of the named
// subscriptions that s declared (tests clean up with it).
func DeleteServiceTopology(ctx context.Context, s *Service, fullNames ...string) error {
	if s.cfg.AMQPURL == "" {
		return nil
	}
	return DeleteTopology(ctx, s.cfg.AMQPURL, s.cfg.Prefix, s.cfg.RetryDelays, fullNames...)
}
