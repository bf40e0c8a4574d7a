package events

import (
	"fmt"
	"time"
)

// Defaults of Config.
const (
	DefaultPrefetch           = 256
	DefaultPollInterval       = time.Second
	DefaultRetention          = 24 * time.Hour
	DefaultProcessedRetention = 7 * 24 * time.Hour
	DefaultDeadLetterTTL      = 24 * time.Hour
	DefaultPruneInterval      = 10 * time.Minute
	DefaultRelayBatch         = 500
	DefaultHandlerTimeout     = 30 * time.Second
	DefaultConnectionName     = "nexus"
)

// DefaultRetryDelays is the retry schedule: a failed event is tried again
// after 1 s, 4 s and 9 s, then parked.
func DefaultRetryDelays() []time.Duration {
	return []time.Duration{time.Second, 4 * time.Second, 9 * time.Second}
}

// Config tunes the Service. The zero value is the in-process bus with
// every default.
type Config struct {
	// AMQPURL selects RabbitMQ (NEXUS_AMQP_URL); empty selects the
	// in-process bus.
	AMQPURL string
	// Prefix is put in front of every exchange and queue name, so tests
	// (and several platforms on one broker) never collide. Default "".
	Prefix string
	// ConnectionName is advertised to RabbitMQ as connection_name.
	ConnectionName string
	// Prefetch is how many unacknowledged events a subscription holds at
	// once (NEXUS_EVENTS_PREFETCH, default 256); its workers share them.
	// Acknowledgements wait for a WAL flush after the handlers' commit
	// (durable.go), so the window must cover the events that arrive
	// meanwhile: at 5,000 events/s a 16-event window stalls the consumer.
	Prefetch int
	// RetryDelays is the wait before each retry of a failed event; after
	// the last one the event is parked. Default 1 s, 4 s, 9 s.
	RetryDelays []time.Duration
	// PollInterval is how often the relay and the in-process consumers look
	// for work when no notification woke them (NEXUS_EVENTS_POLL_INTERVAL,
	// default 1 s).
	PollInterval time.Duration
	// Retention is how long sent outbox rows are kept
	// (NEXUS_EVENTS_RETENTION, default 24 h).
	Retention time.Duration
	// ProcessedRetention is how long processed_events rows (the
	// idempotency record) are kept; default 7 days.
	ProcessedRetention time.Duration
	// DeadLetterTTL is how long a parked event is kept; default 24 h.
	DeadLetterTTL time.Duration
	// PruneInterval is how often the pruning job (Job) runs; default 10
	// min.
	PruneInterval time.Duration
	// RelayBatch is how many outbox rows one relay round claims; default
	// 500.
	RelayBatch int
	// HandlerTimeout bounds one handler call (NEXUS_EVENTS_HANDLER_TIMEOUT,
	// default 30 s). The in-process bus leases a delivery for twice as
	// long.
	HandlerTimeout time.Duration
	// Observer, when set, is told the outcome of every delivery attempt
	// (the host's metrics).
	Observer Observer
}

// withDefaults returns c with every unset knob at its default.
func (c Config) withDefaults() Config {
	if c.ConnectionName == "" {
		c.ConnectionName = DefaultConnectionName
	}
	if c.Prefetch <= 0 {
		c.Prefetch = DefaultPrefetch
	}
	if len(c.RetryDelays) == 0 {
		c.RetryDelays = DefaultRetryDelays()
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.ProcessedRetention <= 0 {
		c.ProcessedRetention = DefaultProcessedRetention
	}
	if c.DeadLetterTTL <= 0 {
		c.DeadLetterTTL = DefaultDeadLetterTTL
	}
	if c.PruneInterval <= 0 {
		c.PruneInterval = DefaultPruneInterval
	}
	if c.RelayBatch <= 0 {
		c.RelayBatch = DefaultRelayBatch
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = DefaultHandlerTimeout
	}
	return c
}

// validate checks the settings withDefaults cannot fix.
func (c Config) validate() error {
	if c.Prefetch > 65535 {
		return fmt.Errorf("events: prefetch %d is more than 65535", c.Prefetch)
	}
	for i, d := range c.RetryDelays {
		if d < time.Millisecond {
			return fmt.Errorf("events: retry delay %d is %s, want at least 1ms", i+1, d)
		}
	}
	return nil
}

// lease is how long the in-process bus reserves a claimed delivery.
func (c Config) lease() time.Duration { return 2 * c.HandlerTimeout }

// maxAttempts is the number of attempts before an event is parked.
func (c Config) maxAttempts() int { return len(c.RetryDelays) + 1 }
