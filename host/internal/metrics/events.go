package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nexuspos/nexus/host/internal/events"
)

// subscriptionChildren are the resolved children of one subscription.
type subscriptionChildren struct {
	delivered, retried, parked prometheus.Counter
	lag                        prometheus.Observer
}

// Events returns the observer of the event bus's deliveries
// (events.Config.Observer), or nil for nil Metrics.
func (m *Metrics) Events() events.Observer {
	if m == nil {
		return nil
	}
	return eventObserver{m}
}

// eventObserver counts deliveries and times their lag.
type eventObserver struct{ m *Metrics }

// Delivered implements events.Observer.
func (o eventObserver) Delivered(subscription string, outcome events.Outcome, lag time.Duration) {
	c := o.m.subsByName.get(subscription, func() *subscriptionChildren {
		return &subscriptionChildren{
			delivered: o.m.deliveries.WithLabelValues(subscription, string(events.OutcomeDelivered)),
			retried:   o.m.deliveries.WithLabelValues(subscription, string(events.OutcomeRetried)),
			parked:    o.m.deliveries.WithLabelValues(subscription, string(events.OutcomeDeadLettered)),
			lag:       o.m.lag.WithLabelValues(subscription),
		}
	})
	switch outcome {
	case events.OutcomeDelivered:
		c.delivered.Inc()
		c.lag.Observe(max(lag, 0).Seconds())
	case events.OutcomeRetried:
		c.retried.Inc()
	case events.OutcomeDeadLettered:
		c.parked.Inc()
	}
}

var (
	outboxUnsentDesc = prometheus.NewDesc(namespace+"_outbox_backlog",
		"Outbox rows no relay has handed to the bus yet.", nil, nil)
	outboxAgeDesc = prometheus.NewDesc(namespace+"_outbox_relay_lag_seconds",
		"Age of the oldest outbox row not relayed yet (0 when none waits).", nil, nil)
	subDepthDesc = prometheus.NewDesc(namespace+"_event_queue_depth",
		"Events waiting for delivery to a subscription: its consumer lag in events.", []string{"subscription"}, nil)
	subRetryingDesc = prometheus.NewDesc(namespace+"_event_retrying",
		"Failed events of a subscription waiting for their next attempt.", []string{"subscription"}, nil)
	subInFlightDesc = prometheus.NewDesc(namespace+"_event_in_flight",
		"Events of a subscription being handled.", []string{"subscription"}, nil)
	subDeadDesc = prometheus.NewDesc(namespace+"_event_dead_letters",
		"Events of a subscription parked as dead letters (the DLQ depth).", []string{"subscription"}, nil)
)

// WatchEvents reports the outbox backlog and every subscription's queue
// figures of svc at every scrape.
func (m *Metrics) WatchEvents(svc *events.Service) {
	if m == nil {
		return
	}
	m.watch(func(ch chan<- prometheus.Metric) {
		ctx, cancel := scrapeContext()
		defer cancel()
		b, err := svc.Backlog(ctx)
		up(ch, "outbox", err)
		if err == nil {
			ch <- prometheus.MustNewConstMetric(outboxUnsentDesc, prometheus.GaugeValue, float64(b.Unsent))
			ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, b.OldestAge.Seconds())
		}
		var failed error
		for _, s := range svc.Subscriptions(ctx) {
			if s.Error != "" {
				failed = errSource
				continue
			}
			ch <- prometheus.MustNewConstMetric(subDepthDesc, prometheus.GaugeValue, float64(s.Depth), s.Name)
			ch <- prometheus.MustNewConstMetric(subRetryingDesc, prometheus.GaugeValue, float64(s.Retrying), s.Name)
			ch <- prometheus.MustNewConstMetric(subInFlightDesc, prometheus.GaugeValue, float64(s.InFlight), s.Name)
			ch <- prometheus.MustNewConstMetric(subDeadDesc, prometheus.GaugeValue, float64(s.DeadLetters), s.Name)
		}
		up(ch, "subscriptions", failed)
	})
}
