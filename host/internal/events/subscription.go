package events

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nexuspos/nexus/internal/dal"
)

// HostVertical is the Vertical of the host's own subscriptions; their
// units of work run with the public schema first in search_path.
const HostVertical = "host"

// MaxConcurrency caps Subscription.Concurrency.
const MaxConcurrency = 256

// Handler handles one event inside u, a unit of work whose transaction is
// a tenant transaction for ev.CompanyID. attempt counts from 1. Returning an
// error (or panicking, or failing u) rolls the unit back and schedules a
// retry; returning nil commits it, after which the event is acknowledged.
// A handler is never called twice for an event whose unit committed.
// Several deliveries waiting together may share one transaction, each in
// its own unit; the batch is retried without a failing one, so a handler
// may run again for an attempt whose batch was rolled back. A handler must
// do its database work through u: holding u's connection while waiting for
// another one from the pool can exhaust it.
type Handler func(ctx context.Context, u *dal.Unit, ev Event, attempt int) error

// BatchHandler handles several events of one company at once inside u, a
// unit of work whose transaction is a tenant transaction for their
// company: the deliveries that were waiting together, in delivery order,
// less those already processed. It suits handlers that fold events into
// shared rows (a daily total), where one statement per batch replaces one
// per event and holds the rows' locks only until the commit. Its effects
// commit or roll back with the whole batch; when it fails for a batch of
// several events, each event is run again alone, so the error lands on the
// event that causes it and the others still commit. Like a Handler, it is
// never called again for an event whose batch committed.
type BatchHandler func(ctx context.Context, u *dal.Unit, evs []Event) error

// Subscription receives the events whose topic matches Pattern.
type Subscription struct {
	// Vertical owns the subscription (HostVertical for the host's own);
	// its units of work get the vertical's schema first in search_path.
	Vertical string
	// Name is unique within the vertical: lower-case letters, digits, '_'
	// or '-'.
	Name string
	// Pattern is an AMQP topic pattern over dot-separated words: "*" stands
	// for exactly one word, "#" for zero or more ("<vertical>.order.*",
	// "<vertical>.#").
	Pattern string
	// Concurrency is how many workers handle the subscription's events at
	// once (default 1). Each takes what is waiting, up to its share of the
	// prefetch window, as one batch in one transaction.
	Concurrency int
	// Handler handles each event. Exactly one of Handler and Batch is set.
	Handler Handler
	// Batch handles the events waiting together in one call.
	Batch BatchHandler
}

// FullName is the subscription's platform-wide name, <vertical>.<name>:
// the name the admin API uses and the suffix of its queue.
func (s Subscription) FullName() string { return s.Vertical + "." + s.Name }

var (
	verticalRE    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	subNameRE     = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,99}$`)
	patternWordRE = regexp.MustCompile(`^(\*|#|[a-z0-9_]+)$`)
)

// validate checks s and returns it with its defaults.
func (s Subscription) validate() (Subscription, error) {
	switch {
	case !verticalRE.MatchString(s.Vertical):
		return s, fmt.Errorf("subscription %q: vertical %q must be lower-case letters, digits or '_'", s.Name, s.Vertical)
	case !subNameRE.MatchString(s.Name):
		return s, fmt.Errorf("subscription %q of %s: the name must be lower-case letters, digits, '_' or '-'", s.Name, s.Vertical)
	case (s.Handler == nil) == (s.Batch == nil):
		return s, fmt.Errorf("subscription %s: exactly one of Handler and Batch must be set", s.FullName())
	case s.Concurrency < 0 || s.Concurrency > MaxConcurrency:
		return s, fmt.Errorf("subscription %s: concurrency %d is not between 1 and %d", s.FullName(), s.Concurrency, MaxConcurrency)
	}
	if _, err := patternRegex(s.Pattern); err != nil {
		return s, fmt.Errorf("subscription %s: %w", s.FullName(), err)
	}
	if s.Concurrency == 0 {
		s.Concurrency = 1
	}
	return s, nil
}

// schema is the search_path schema of the subscription's units of work.
func (s Subscription) schema() string {
	if s.Vertical == HostVertical {
		return "public"
	}
	return s.Vertical
}

// patternRegex translates an AMQP topic pattern into a regular expression
// matching "." followed by the topic (the same syntax in Go and
// PostgreSQL): a word becomes \.word, "*" one word, "#" any number of
// words.
func patternRegex(pattern string) (string, error) {
	if pattern == "" || len(pattern) > MaxTopicLength {
		return "", fmt.Errorf("pattern %q must hold 1 to %d bytes", pattern, MaxTopicLength)
	}
	var b strings.Builder
	b.WriteString("^")
	for _, w := range strings.Split(pattern, ".") {
		if !patternWordRE.MatchString(w) {
			return "", fmt.Errorf("pattern %q: %q is not a word, '*' or '#'", pattern, w)
		}
		switch w {
		case "*":
			b.WriteString(`\.[^.]+`)
		case "#":
			b.WriteString(`(\.[^.]+)*`)
		default:
			b.WriteString(`\.` + w)
		}
	}
	b.WriteString("$")
	return b.String(), nil
}

// MatchTopic reports whether topic matches the AMQP topic pattern; an
// invalid pattern matches nothing.
func MatchTopic(pattern, topic string) bool {
	re, err := patternRegex(pattern)
	if err != nil {
		return false
	}
	return regexp.MustCompile(re).MatchString("." + topic)
}

// subscription is a registered subscription: its definition, which
// Register may replace while consumers run.
type subscription struct {
	name string // FullName

	mu  sync.RWMutex
	def Subscription
	// oldPattern is the pattern stored before this registration, when it
	// differed: the RabbitMQ bus unbinds it.
	oldPattern string
}

// get returns the current definition.
func (s *subscription) get() Subscription {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.def
}

// set replaces the definition.
func (s *subscription) set(def Subscription, oldPattern string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = def
	if oldPattern != "" && oldPattern != def.Pattern {
		s.oldPattern = oldPattern
	}
}

// takeOldPattern returns and forgets the pattern to unbind, if any.
func (s *subscription) takeOldPattern() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.oldPattern
	s.oldPattern = ""
	return p
}

// Outcome is how a delivery attempt ended.
type Outcome string

// Outcomes of a delivery attempt.
const (
	// OutcomeDelivered: the handler's effects committed (or the event had
	// already taken effect).
	OutcomeDelivered Outcome = "delivered"
	// OutcomeRetried: the attempt failed and the event is tried again
	// after its delay.
	OutcomeRetried Outcome = "retried"
	// OutcomeDeadLettered: the last attempt failed and the event is parked.
	OutcomeDeadLettered Outcome = "dead_lettered"
)

// Observer is told the outcome of every delivery attempt (Config.Observer):
// the subscription's FullName, the outcome and, for a delivered event, the
// time since it occurred. It is called on the consumers' paths and must
// not block.
type Observer interface {
	Delivered(subscription string, outcome Outcome, lag time.Duration)
}
