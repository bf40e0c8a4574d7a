package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// relayWorkers is how many relay loops a host runs; several keep the bus
// busy while one waits for publisher confirms.
const relayWorkers = 3

// Bus kinds reported by Service.Bus and Health.
const (
	BusRabbitMQ  = "rabbitmq"
	BusInProcess = "inprocess"
)

// Health is the bus's state for /readyz.
type Health struct {
	// Bus is BusRabbitMQ or BusInProcess.
	Bus string `json:"bus"`
	// OK is false while the bus cannot deliver (RabbitMQ unreachable);
	// published events then wait in the outbox.
	OK bool `json:"ok"`
	// Reason says why the bus is degraded.
	Reason string `json:"reason,omitempty"`
}

// bus moves relayed events to consumers. The Service owns the registry,
// the relay loop and the admin API; a bus implements the transport.
type bus interface {
	kind() string
	// start begins consuming every registered subscription. soft ends
	// when Stop begins (take no new work); hard ends when Stop gives up
	// (abandon handlers).
	start(soft, hard context.Context)
	// subscribe starts consuming sub (again), declaring what it needs;
	// it is called for subscriptions registered while running.
	subscribe(ctx context.Context, sub *subscription) error
	// relay moves up to limit unsent outbox rows to the bus and returns
	// how many it moved.
	relay(ctx context.Context, limit int) (int, error)
	// wake tells the consumers of the named subscriptions (all when
	// names is empty) that deliveries may be due.
	wake(names []string)
	// stop stops consuming and waits for in-flight handlers until ctx
	// ends, then releases everything.
	stop(ctx context.Context) error
	health() Health
	stats(ctx context.Context, sub *subscription) (Stats, error)
	deadLetters(ctx context.Context, sub *subscription, after deadLetterKey, limit int) ([]DeadLetter, error)
	// replay delivers dead letter id of sub again and returns its
	// company, so the replay is recorded in that company's audit log.
	replay(ctx context.Context, sub *subscription, id uuid.UUID) (uuid.UUID, error)
	discard(ctx context.Context, sub *subscription, id uuid.UUID) error
}

// Service owns the event bus of one host: the registry of subscriptions,
// the relay from the outbox, the consumers and the admin API.
type Service struct {
	pool *pgxpool.Pool
	cfg  Config
	log  hclog.Logger
	bus  bus

	relayWake chan struct{}
	// afterRelayPublish, when set (by tests), runs between handing a batch
	// to the bus and marking it sent; an error aborts the round as a crash
	// there would.
	afterRelayPublish func() error

	mu         sync.Mutex
	subs       map[string]*subscription
	running    bool
	stopped    bool
	stopSoft   context.CancelFunc
	stopHard   context.CancelFunc
	background sync.WaitGroup
}

// New returns a stopped Service on pool, which must connect as the host's
// privileged role (the relay reads every company's outbox rows). The bus
// is RabbitMQ when cfg.AMQPURL is set, in-process otherwise. A nil log
// discards messages.
func New(pool *pgxpool.Pool, cfg Config, log hclog.Logger) (*Service, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Service{
		pool:      pool,
		cfg:       cfg,
		log:       log,
		relayWake: make(chan struct{}, 1),
		subs:      map[string]*subscription{},
	}
	if cfg.AMQPURL != "" {
		s.bus = newRabbitBus(s)
	} else {
		s.bus = newInProcessBus(s)
	}
	return s, nil
}

// Bus returns BusRabbitMQ or BusInProcess.
func (s *Service) Bus() string { return s.bus.kind() }

// Register adds subscriptions, or replaces the definition (handler,
// pattern) of ones already registered under the same FullName (a plugin
// that restarted); a changed Concurrency takes effect when the host
// restarts. Each subscription is
// recorded in the database, so the in-process bus keeps collecting its
// events while its handler is away, like a durable queue. Registering while
// the Service runs starts consuming at once. Every subscription is
// validated before any is registered.
func (s *Service) Register(ctx context.Context, subs ...Subscription) error {
	valid := make([]Subscription, len(subs))
	for i, sub := range subs {
		v, err := sub.validate()
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
		valid[i] = v
	}
	for _, sub := range valid {
		re, _ := patternRegex(sub.Pattern) // validated above
		var old string
		if err := s.pool.QueryRow(ctx, upsertSubscriptionSQL, sub.FullName(), sub.Pattern, re).Scan(&old); err != nil {
			return fmt.Errorf("register %s: %w", sub.FullName(), err)
		}
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			return ErrStopped
		}
		r, ok := s.subs[sub.FullName()]
		if !ok {
			r = &subscription{name: sub.FullName()}
			s.subs[r.name] = r
		}
		r.set(sub, old)
		running := s.running
		s.mu.Unlock()
		if running {
			if err := s.bus.subscribe(ctx, r); err != nil {
				return fmt.Errorf("register %s: %w", sub.FullName(), err)
			}
		}
	}
	return nil
}

// Start starts the relay, the listener, the pruner and the consumers of
// every registered subscription, and returns; they run until Stop. With
// RabbitMQ, an unreachable broker does not fail Start: the bus connects in
// the background (Health says why it is degraded) and events wait in the
// outbox meanwhile.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.running || s.stopped {
		s.mu.Unlock()
		return ErrStopped
	}
	s.running = true
	hard, stopHard := context.WithCancel(context.WithoutCancel(ctx))
	soft, stopSoft := context.WithCancel(hard)
	s.stopSoft, s.stopHard = stopSoft, stopHard
	n := len(s.subs)
	s.mu.Unlock()

	s.bus.start(soft, hard)
	s.goBackground(func() { s.listen(soft) })
	for range relayWorkers {
		s.goBackground(func() { s.runRelay(soft) })
	}
	s.log.Info("event bus started", "bus", s.bus.kind(), "subscriptions", n)
	return nil
}

// goBackground runs fn in a goroutine that Stop waits for.
func (s *Service) goBackground(fn func()) {
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		fn()
	}()
}

// Stop stops relaying and consuming, lets in-flight handlers finish until
// ctx ends (their events are then redelivered later), and closes the bus.
// It returns ctx's error when handlers were abandoned.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	if s.stopped || !s.running {
		s.stopped = true
		s.mu.Unlock()
		return nil
	}
	s.stopped = true
	stopSoft, stopHard := s.stopSoft, s.stopHard
	s.mu.Unlock()

	stopSoft()
	err := s.bus.stop(ctx)
	stopHard()
	s.background.Wait()
	s.log.Info("event bus stopped", "bus", s.bus.kind())
	return err
}

// Health reports whether the bus can deliver.
func (s *Service) Health() Health { return s.bus.health() }

// subscription returns the registered subscription named name.
func (s *Service) subscription(name string) (*subscription, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.subs[name]
	return r, ok
}

// subscriptions returns the registered subscriptions sorted by name.
func (s *Service) subscriptions() []*subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*subscription, 0, len(s.subs))
	for _, r := range s.subs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *subscription) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// Wake asks this host's relay for a round now. Register it as an
// AfterCommit hook of every unit of work that published events, so they
// leave without waiting for a notification or a poll.
func (s *Service) Wake() { s.wakeRelay() }

// wakeRelay asks the relay for a round now.
func (s *Service) wakeRelay() {
	select {
	case s.relayWake <- struct{}{}:
	default:
	}
}

// relayGap is the least time from the start of one relay round to the
// start of the next unless the previous round filled its batch. Under a
// steady stream of commits each waking the relay, the events committed
// within the gap share one round (one claim, one fan-out, one wake of the
// consumers, whose claims and handler transactions then batch too)
// instead of taking a round each plus an empty one; a commit after a
// quiet spell still starts a round at once.
const relayGap = 25 * time.Millisecond

// runRelay moves outbox rows to the bus until ctx ends: a round that
// filled its batch is followed at once by the next; one that moved fewer
// rows by the next relayGap after its start (Publish does not notify
// while unsent rows wait); one that found nothing waits for a
// notification or the poll interval, and a notification then starts a
// round no sooner than relayGap after the previous round's start.
func (s *Service) runRelay(ctx context.Context) {
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	for {
		start := time.Now()
		n, err := s.bus.relay(ctx, s.cfg.RelayBatch)
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, errNotConnected):
		case err != nil:
			s.log.Warn("relay round failed; will retry", "error", err)
		case n >= s.cfg.RelayBatch:
			continue
		case n > 0:
			if !sleep(ctx, relayGap-time.Since(start)) {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.relayWake:
			if !sleep(ctx, relayGap-time.Since(start)) {
				return
			}
		case <-poll.C:
		}
	}
}

// relayHook runs afterRelayPublish, if set.
func (s *Service) relayHook() error {
	if s.afterRelayPublish == nil {
		return nil
	}
	return s.afterRelayPublish()
}

// asyncTxOptions begin a transaction that commits without waiting for the
// WAL flush (see asyncBeginSQL).
var asyncTxOptions = pgx.TxOptions{BeginQuery: asyncBeginSQL}

// asyncTx runs fn in a transaction on the pool that commits without
// waiting for the WAL flush.
func (s *Service) asyncTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.pool, asyncTxOptions, fn)
}

// bookkeepAttempts is how often bookkeep tries its statement.
const bookkeepAttempts = 3

// bookkeep runs one bookkeeping statement in an asyncTx, trying again
// after a short pause when it fails (a pooled connection may have died
// with the server's session); it gives up when ctx ends.
func (s *Service) bookkeep(ctx context.Context, sql string, args ...any) error {
	var err error
	pause := minBackoff
	for range bookkeepAttempts {
		err = s.asyncTx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		})
		if err == nil || !sleep(ctx, pause) {
			return err
		}
		pause *= 2
	}
	return err
}
