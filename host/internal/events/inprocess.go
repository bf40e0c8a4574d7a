package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// maxNotifyPayload keeps delivery notifications under PostgreSQL's 8000
// byte limit; a longer list is sent as "" (wake everyone).
const maxNotifyPayload = 7000

// releaseTimeout bounds handing back unstarted deliveries at shutdown.
const releaseTimeout = 5 * time.Second

// vacuumInterval is how often the in-process bus vacuums event_deliveries
// while deliveries are being handled: a queue table's deleted rows would
// otherwise pile up in its index until autovacuum's next visit and make
// every claim wade through them.
const vacuumInterval = 5 * time.Second

// dueSoon is how long a consumer waits when a delivery is due but was not
// claimable (another replica holds it).
const dueSoon = 50 * time.Millisecond

// inProcessBus delivers from the outbox through event_deliveries, without
// a broker.
type inProcessBus struct {
	s *Service

	mu        sync.Mutex
	soft      context.Context
	hard      context.Context
	consumers map[string]*ipConsumer
	workers   sync.WaitGroup
	// handled counts deliveries handled since the last vacuum.
	handled atomic.Int64
	// notify rate-limits the notifications that wake other hosts'
	// consumers (local ones are woken directly); like Publish's, each one
	// takes a cluster-wide lock at commit.
	notify tokenBucket
}

func newInProcessBus(s *Service) *inProcessBus {
	return &inProcessBus{s: s, consumers: map[string]*ipConsumer{}}
}

func (b *inProcessBus) kind() string { return BusInProcess }

func (b *inProcessBus) health() Health { return Health{Bus: BusInProcess, OK: true} }

func (b *inProcessBus) start(soft, hard context.Context) {
	b.mu.Lock()
	b.soft, b.hard = soft, hard
	b.mu.Unlock()
	for _, sub := range b.s.subscriptions() {
		b.startConsumer(sub)
	}
	b.workers.Add(1)
	go func() {
		defer b.workers.Done()
		b.vacuumLoop(soft)
	}()
}

// vacuumLoop vacuums event_deliveries every vacuumInterval in which
// deliveries were handled, until ctx ends. A replica that finds another
// one vacuuming skips its turn.
func (b *inProcessBus) vacuumLoop(ctx context.Context) {
	t := time.NewTicker(vacuumInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if b.handled.Swap(0) == 0 {
			continue
		}
		if _, err := b.s.pool.Exec(ctx, vacuumDeliveriesSQL); err != nil && ctx.Err() == nil {
			b.s.log.Debug("vacuuming event_deliveries failed", "error", err)
		}
	}
}

func (b *inProcessBus) subscribe(_ context.Context, sub *subscription) error {
	b.startConsumer(sub)
	b.wake([]string{sub.name})
	return nil
}

// startConsumer starts sub's consumer unless it runs already.
func (b *inProcessBus) startConsumer(sub *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.soft == nil || b.soft.Err() != nil {
		return
	}
	if _, ok := b.consumers[sub.name]; ok {
		return
	}
	def := sub.get()
	c := &ipConsumer{
		b:         b,
		sub:       sub,
		prefetch:  b.s.cfg.Prefetch,
		wakeCh:    make(chan struct{}, 1),
		freed:     make(chan struct{}, 1),
		work:      make(chan item, b.s.cfg.Prefetch),
		leftovers: nil,
	}
	b.consumers[sub.name] = c
	b.workers.Add(1 + def.Concurrency)
	go func() {
		defer b.workers.Done()
		c.claimLoop(b.soft)
	}()
	for range def.Concurrency {
		go func() {
			defer b.workers.Done()
			c.workLoop(b.soft, b.hard)
		}()
	}
}

func (b *inProcessBus) wake(names []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(names) == 0 {
		for _, c := range b.consumers {
			c.wake()
		}
		return
	}
	for _, n := range names {
		if c, ok := b.consumers[n]; ok {
			c.wake()
		}
	}
}

func (b *inProcessBus) relay(ctx context.Context, limit int) (int, error) {
	var (
		n    int
		subs []string
	)
	err := b.s.asyncTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, fanOutSQL, limit).Scan(&n, &subs); err != nil {
			return err
		}
		if err := b.s.relayHook(); err != nil {
			return err
		}
		if len(subs) == 0 || !b.notify.allow(time.Now()) {
			return nil
		}
		payload := strings.Join(subs, ",")
		if len(payload) > maxNotifyPayload {
			payload = ""
		}
		_, err := tx.Exec(ctx, notifySQL, deliveriesChannel, payload)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("relay to in-process deliveries: %w", err)
	}
	if len(subs) > 0 {
		b.wake(subs)
	}
	return n, nil
}

func (b *inProcessBus) stop(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("stop in-process consumers: %w", ctx.Err())
	}
	// Claimed deliveries that no worker started are handed back now
	// rather than when their lease ends.
	b.mu.Lock()
	consumers := make([]*ipConsumer, 0, len(b.consumers))
	for _, c := range b.consumers {
		consumers = append(consumers, c)
	}
	b.mu.Unlock()
	for _, c := range consumers {
		if rerr := c.releaseLeftovers(ctx); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

func (b *inProcessBus) stats(ctx context.Context, sub *subscription) (Stats, error) {
	st := Stats{Queue: "event_deliveries"}
	err := b.s.pool.QueryRow(ctx, inProcessStatsSQL, sub.name).Scan(&st.Depth, &st.Retrying, &st.InFlight, &st.DeadLetters)
	if err != nil {
		return Stats{}, fmt.Errorf("subscription %s stats: %w", sub.name, err)
	}
	return st, nil
}

func (b *inProcessBus) deadLetters(ctx context.Context, sub *subscription, after deadLetterKey, limit int) ([]DeadLetter, error) {
	rows, err := b.s.pool.Query(ctx, listDeadLettersSQL, sub.name, after.ParkedAt, after.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %s: %w", sub.name, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (DeadLetter, error) {
		d := DeadLetter{Subscription: sub.name}
		var payload string
		err := row.Scan(&d.ID, &d.CompanyID, &d.Topic, &d.OccurredAt, &d.RequestID, &d.SchemaVersion, &payload,
			&d.Attempts, &d.LastError, &d.ParkedAt)
		d.Payload = json.RawMessage(payload)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("list dead letters of %s: %w", sub.name, err)
	}
	return out, nil
}

func (b *inProcessBus) replay(ctx context.Context, sub *subscription, id uuid.UUID) (uuid.UUID, error) {
	var company uuid.UUID
	err := pgx.BeginFunc(ctx, b.s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, replayDeadLetterSQL, sub.name, id).Scan(&company); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, notifySQL, deliveriesChannel, sub.name)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, errDeadLetterNotFound(sub.name, id.String())
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("replay %s of %s: %w", id, sub.name, err)
	}
	b.wake([]string{sub.name})
	return company, nil
}

func (b *inProcessBus) discard(ctx context.Context, sub *subscription, id uuid.UUID) error {
	tag, err := b.s.pool.Exec(ctx, discardDeadLetterSQL, sub.name, id)
	if err != nil {
		return fmt.Errorf("discard %s of %s: %w", id, sub.name, err)
	}
	if tag.RowsAffected() == 0 {
		return errDeadLetterNotFound(sub.name, id.String())
	}
	return nil
}

// ipConsumer claims and handles one subscription's due deliveries: one
// claim loop keeps up to prefetch deliveries leased, Concurrency workers
// handle them.
type ipConsumer struct {
	b        *inProcessBus
	sub      *subscription
	prefetch int

	inflight atomic.Int64
	wakeCh   chan struct{}
	freed    chan struct{}
	work     chan item

	mu        sync.Mutex
	leftovers []item
}

// wake makes the claim loop look for due deliveries now.
func (c *ipConsumer) wake() {
	select {
	case c.wakeCh <- struct{}{}:
	default:
	}
}

// claimLoop leases due deliveries while there is room, then sleeps until
// woken, until a worker frees room, until the next delivery is due or for
// the poll interval.
func (c *ipConsumer) claimLoop(ctx context.Context) {
	s := c.b.s
	poll := time.NewTicker(s.cfg.PollInterval)
	defer poll.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		free := c.prefetch - int(c.inflight.Load())
		var wait time.Duration = -1
		if free > 0 {
			got, err := c.claim(ctx, free)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.log.Warn("claiming deliveries failed; will retry", "subscription", c.sub.name, "error", err)
			case got == free:
				continue
			default:
				wait = c.untilDue(ctx)
			}
		}
		var freed <-chan struct{}
		if free <= 0 {
			freed = c.freed
		}
		var due <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wakeCh:
		case <-freed:
		case <-due:
		case <-poll.C:
		}
		if due != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// claim leases up to n due deliveries and queues them for the workers.
func (c *ipConsumer) claim(ctx context.Context, n int) (int, error) {
	s := c.b.s
	var claimed []item
	err := s.asyncTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, claimDeliveriesSQL, c.sub.name, n, s.cfg.lease().Milliseconds())
		if err != nil {
			return err
		}
		claimed, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (item, error) {
			var (
				d       item
				payload string
			)
			err := row.Scan(pgUUID(&d.ev.CompanyID), pgUUID(&d.ev.ID), &d.attempt, &d.ev.Topic, &d.ev.OccurredAt, &d.ev.RequestID,
				&d.ev.SchemaVersion, &payload, &d.ev.TraceParent)
			d.ev.Payload = json.RawMessage(payload)
			return d, err
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("claim deliveries of %s: %w", c.sub.name, err)
	}
	c.inflight.Add(int64(len(claimed)))
	for _, d := range claimed {
		c.work <- d
	}
	return len(claimed), nil
}

// untilDue returns how long until the subscription's next delivery is due
// (-1 when it has none; dueSoon when one is due but was not claimable).
func (c *ipConsumer) untilDue(ctx context.Context) time.Duration {
	var secs *float64
	if err := c.b.s.pool.QueryRow(ctx, nextDueSQL, c.sub.name).Scan(&secs); err != nil || secs == nil {
		return -1
	}
	d := time.Duration(*secs * float64(time.Second))
	return max(d, dueSoon)
}

// workLoop handles queued deliveries, batching those waiting together,
// until soft ends; what it holds then is kept for releaseLeftovers.
func (c *ipConsumer) workLoop(soft, hard context.Context) {
	limit := batchLimit(c.prefetch, c.sub.get().Concurrency)
	var pending []item
	defer func() {
		c.mu.Lock()
		c.leftovers = append(c.leftovers, pending...)
		c.mu.Unlock()
	}()
	for {
		if len(pending) == 0 {
			select {
			case <-soft.Done():
				return
			case it := <-c.work:
				pending = append(pending, it)
			}
		}
	fill:
		for len(pending) < limit {
			select {
			case it := <-c.work:
				pending = append(pending, it)
			default:
				break fill
			}
		}
		if soft.Err() != nil {
			return
		}
		var batch []item
		batch, pending = splitBatch(pending, limit, func(it item) uuid.UUID { return it.ev.CompanyID })
		c.handle(hard, batch)
		c.inflight.Add(-int64(len(batch)))
		select {
		case c.freed <- struct{}{}:
		default:
		}
	}
}

// handle processes a batch of deliveries; a success's acknowledgement is
// the deletion inside the handler's own transaction, a failure schedules
// the next attempt or parks the event.
func (c *ipConsumer) handle(ctx context.Context, batch []item) {
	s := c.b.s
	errs := s.processBatch(ctx, c.sub.get(), batch, true)
	c.b.handled.Add(int64(len(batch)))
	failed := false
	for i, err := range errs {
		if err != nil {
			failed = true
			c.fail(ctx, batch[i], err)
		}
	}
	if failed {
		c.wake()
	}
}

// fail records a failed delivery: the next attempt after its delay, or
// the dead letters after the last one.
func (c *ipConsumer) fail(ctx context.Context, d item, err error) {
	s := c.b.s
	maxAttempts := s.cfg.maxAttempts()
	s.log.Warn("event handler failed", "subscription", c.sub.name, "event_id", d.ev.ID, "topic", d.ev.Topic,
		"request_id", d.ev.RequestID, "attempt", d.attempt, "max_attempts", maxAttempts, "error", err)
	if ctx.Err() != nil {
		// Shutting down: the lease runs out and the delivery comes back.
		return
	}
	var rerr error
	if d.attempt >= maxAttempts {
		rerr = s.bookkeep(ctx, parkDeliverySQL, d.ev.CompanyID, d.ev.ID, c.sub.name, errorText(err))
		if rerr == nil {
			s.log.Error("event parked as a dead letter", "subscription", c.sub.name, "event_id", d.ev.ID, "topic", d.ev.Topic, "attempts", d.attempt)
		}
	} else {
		delay := s.cfg.RetryDelays[d.attempt-1]
		rerr = s.bookkeep(ctx, retryDeliverySQL, d.ev.CompanyID, d.ev.ID, c.sub.name, delay.Milliseconds(), errorText(err))
	}
	if rerr != nil {
		s.log.Warn("recording a failed delivery failed; it is retried when its lease ends", "subscription", c.sub.name,
			"event_id", d.ev.ID, "error", rerr)
	}
}

// releaseLeftovers hands claimed but unstarted deliveries back.
func (c *ipConsumer) releaseLeftovers(ctx context.Context) error {
	c.mu.Lock()
	left := c.leftovers
	c.leftovers = nil
	c.mu.Unlock()
	for {
		select {
		case d := <-c.work:
			left = append(left, d)
			continue
		default:
		}
		break
	}
	if len(left) == 0 {
		return nil
	}
	companies := make([]uuid.UUID, len(left))
	ids := make([]uuid.UUID, len(left))
	for i, d := range left {
		companies[i], ids[i] = d.ev.CompanyID, d.ev.ID
	}
	// The deliveries are released even when Stop's deadline has passed.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_, err := c.b.s.pool.Exec(rctx, releaseDeliveriesSQL, c.sub.name, companies, ids)
	if err != nil {
		return fmt.Errorf("release unstarted deliveries of %s: %w", c.sub.name, err)
	}
	return nil
}
