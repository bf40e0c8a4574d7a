package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
)

// ExchangeName is the topic exchange events are published to (after
// Config.Prefix).
const ExchangeName = "nexus.events"

// Message headers. company_id, topic, request_id and schema_version describe
// the event; the x-nexus-* headers are the bus's bookkeeping.
const (
	hdrCompanyID     = "company_id"
	hdrTopic         = "topic"
	hdrRequestID     = "request_id"
	hdrSchemaVersion = "schema_version"
	hdrOccurredAt    = "occurred_at"
	// hdrAttempt is the attempt number of the next delivery (absent: 1).
	hdrAttempt = "x-nexus-attempt"
	// Headers of a parked message.
	hdrError        = "x-nexus-error"
	hdrParkedAt     = "x-nexus-parked-at"
	hdrSubscription = "x-nexus-subscription"
)

// RabbitMQ timings.
const (
	dialTimeout    = 5 * time.Second
	heartbeat      = 10 * time.Second
	confirmTimeout = 30 * time.Second
	// maxRelayInFlight bounds the relay batches of a host awaiting their
	// confirms at once; each holds its claiming transaction open.
	maxRelayInFlight = 3
	// maxBrowse bounds how many parked messages the admin API reads from a
	// dead-letter queue.
	maxBrowse = 10000
)

// errNacked is returned when the broker refuses a publication.
var errNacked = errors.New("RabbitMQ did not confirm the publication")

// rabbitBus is the RabbitMQ transport.
type rabbitBus struct {
	s        *Service
	exchange string

	healthV atomic.Pointer[Health]
	acks    *ackBarrier
	// adminMu serializes dead-letter browsing within this host.
	adminMu sync.Mutex

	mu         sync.Mutex
	soft, hard context.Context
	sess       *session
	inflight   map[string]*atomic.Int64
	workers    sync.WaitGroup
	supervised chan struct{}
	// relaySlots holds a token for every relay batch awaiting its
	// confirms.
	relaySlots chan struct{}
}

func newRabbitBus(s *Service) *rabbitBus {
	b := &rabbitBus{
		s:          s,
		exchange:   s.cfg.Prefix + ExchangeName,
		inflight:   map[string]*atomic.Int64{},
		supervised: make(chan struct{}),
		relaySlots: make(chan struct{}, maxRelayInFlight),
	}
	b.acks = newAckBarrier(s)
	b.setHealth(false, "not started")
	return b
}

func (b *rabbitBus) kind() string { return BusRabbitMQ }

func (b *rabbitBus) health() Health { return *b.healthV.Load() }

func (b *rabbitBus) setHealth(ok bool, reason string) {
	b.healthV.Store(&Health{Bus: BusRabbitMQ, OK: ok, Reason: reason})
}

// Queue names of a subscription.
func (b *rabbitBus) queue(sub string) string { return queueName(b.s.cfg.Prefix, sub) }

// queueName is the queue of subscription sub (its full name) on a bus with
// prefix.
func queueName(prefix, sub string) string { return prefix + "sub." + sub }

func delayQueue(q string, d time.Duration) string { return q + ".retry." + d.String() }

func deadLetterQueue(q string) string { return q + ".dlq" }

// session is one pair of broker connections (publishing and consuming
// apart, so flow control on one never stalls the other) with the channels
// opened on them. Any failure of any of them ends the whole session.
type session struct {
	pubConn, subConn *amqp.Connection
	pub              *amqp.Channel // confirm mode
	topo             *amqp.Channel // declarations
	consumers        map[string]*amqp.Channel
	tags             map[string]string
	windows          map[string]*ackWindow

	lost  chan struct{}
	once  sync.Once
	cause error
}

// fail ends the session (once) with cause.
func (x *session) fail(cause error) {
	x.once.Do(func() {
		x.cause = cause
		close(x.lost)
	})
}

// watch fails the session when c reports a close.
func (x *session) watch(what string, c chan *amqp.Error) {
	go func() {
		if e, ok := <-c; ok && e != nil {
			x.fail(fmt.Errorf("%s closed: %w", what, e))
			return
		}
		x.fail(fmt.Errorf("%s closed", what))
	}()
}

// close closes both connections; the broker requeues every unacknowledged
// delivery.
func (x *session) close() {
	if x.subConn != nil {
		_ = x.subConn.Close()
	}
	if x.pubConn != nil {
		_ = x.pubConn.Close()
	}
}

func (b *rabbitBus) start(soft, hard context.Context) {
	b.mu.Lock()
	b.soft, b.hard = soft, hard
	b.mu.Unlock()
	b.setHealth(false, "connecting to RabbitMQ")
	go b.supervise()
	go b.acks.run(hard)
}

// supervise connects, declares the whole topology and consumes until the
// session fails, then does it all again, with backoff, until soft ends.
func (b *rabbitBus) supervise() {
	defer close(b.supervised)
	log := b.s.log
	backoff := minBackoff
	for b.soft.Err() == nil {
		x, err := b.connect()
		if err != nil {
			b.setHealth(false, "connect to RabbitMQ: "+err.Error())
			log.Warn("cannot connect to RabbitMQ; events wait in the outbox", "error", err, "retry_in", backoff)
			if !sleep(b.soft, jitter(backoff)) {
				return
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		b.setHealth(true, "")
		log.Info("connected to RabbitMQ; topology declared", "exchange", b.exchange)
		b.s.wakeRelay()
		select {
		case <-b.soft.Done():
			return // stop closes the session once handlers are done
		case <-x.lost:
		}
		b.mu.Lock()
		if b.sess == x {
			b.sess = nil
		}
		b.mu.Unlock()
		x.close()
		b.setHealth(false, "RabbitMQ session lost: "+x.cause.Error())
		log.Warn("RabbitMQ session lost; reconnecting", "error", x.cause)
		if !sleep(b.soft, jitter(minBackoff)) {
			return
		}
	}
}

// jitter spreads d by ±20 % so replicas do not reconnect in step.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// dial opens one connection named after its role.
func (b *rabbitBus) dial(role string) (*amqp.Connection, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(b.s.cfg.ConnectionName + " " + role)
	conn, err := amqp.DialConfig(b.s.cfg.AMQPURL, amqp.Config{
		Heartbeat:  heartbeat,
		Locale:     "en_US",
		Properties: props,
		Dial:       amqp.DefaultDial(dialTimeout),
	})
	if err != nil {
		return nil, fmt.Errorf("dial %s connection: %w", role, err)
	}
	return conn, nil
}

// connect opens a session, declares the exchange and every registered
// subscription's queues, starts their consumers and installs the session.
func (b *rabbitBus) connect() (*session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	x := &session{consumers: map[string]*amqp.Channel{}, tags: map[string]string{}, windows: map[string]*ackWindow{}, lost: make(chan struct{})}
	if err := b.open(x); err != nil {
		x.fail(err)
		x.close()
		return nil, err
	}
	b.sess = x
	return x, nil
}

// open dials x's connections, opens its channels and declares the whole
// topology on them, starting every registered subscription's consumer.
func (b *rabbitBus) open(x *session) (err error) {
	if x.pubConn, err = b.dial("publisher"); err != nil {
		return err
	}
	x.watch("publisher connection", x.pubConn.NotifyClose(make(chan *amqp.Error, 1)))
	if x.subConn, err = b.dial("consumer"); err != nil {
		return err
	}
	x.watch("consumer connection", x.subConn.NotifyClose(make(chan *amqp.Error, 1)))
	if x.pub, err = x.pubConn.Channel(); err != nil {
		return fmt.Errorf("open publisher channel: %w", err)
	}
	if err = x.pub.Confirm(false); err != nil {
		return fmt.Errorf("enable publisher confirms: %w", err)
	}
	x.watch("publisher channel", x.pub.NotifyClose(make(chan *amqp.Error, 1)))
	if x.topo, err = x.subConn.Channel(); err != nil {
		return fmt.Errorf("open topology channel: %w", err)
	}
	x.watch("topology channel", x.topo.NotifyClose(make(chan *amqp.Error, 1)))
	if err = x.topo.ExchangeDeclare(b.exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare exchange %s: %w", b.exchange, err)
	}
	for _, sub := range b.s.subscriptions() {
		if err = b.declare(x, sub); err != nil {
			return err
		}
		if err = b.consume(x, sub); err != nil {
			return err
		}
	}
	return nil
}

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

// consume starts sub's consumer on x unless it has one: a channel with the
// prefetch limit and Concurrency workers.
func (b *rabbitBus) consume(x *session, sub *subscription) error {
	if _, ok := x.consumers[sub.name]; ok {
		return nil
	}
	def := sub.get()
	q := b.queue(sub.name)
	ch, err := x.subConn.Channel()
	if err != nil {
		return fmt.Errorf("open consumer channel for %s: %w", q, err)
	}
	if err := ch.Qos(b.s.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set prefetch on %s: %w", q, err)
	}
	x.watch("consumer channel of "+q, ch.NotifyClose(make(chan *amqp.Error, 1)))
	cancels := ch.NotifyCancel(make(chan string, 1))
	go func() {
		if _, ok := <-cancels; ok {
			x.fail(fmt.Errorf("RabbitMQ cancelled the consumer of %s", q))
		}
	}()
	tag := b.s.cfg.ConnectionName + "-" + uuid.NewString()
	deliveries, err := ch.Consume(q, tag, false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", q, err)
	}
	w := newAckWindow(ch)
	x.consumers[sub.name], x.tags[sub.name], x.windows[sub.name] = ch, tag, w
	counter, ok := b.inflight[sub.name]
	if !ok {
		counter = &atomic.Int64{}
		b.inflight[sub.name] = counter
	}
	// The broker's deliveries are handed over one at a time; a buffer lets
	// a worker take every delivery already waiting as one batch.
	buf := make(chan amqp.Delivery, b.s.cfg.Prefetch)
	go func() {
		defer close(buf)
		for d := range deliveries {
			w.delivered(d.DeliveryTag)
			select {
			case buf <- d:
			case <-b.soft.Done():
				return
			}
		}
	}()
	b.workers.Add(def.Concurrency)
	for range def.Concurrency {
		go func() {
			defer b.workers.Done()
			b.workLoop(sub, buf, w, counter, x.lost)
		}()
	}
	return nil
}

func (b *rabbitBus) subscribe(_ context.Context, sub *subscription) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	x := b.sess
	if x == nil {
		return nil // declared when the session is (re)established
	}
	err := b.declare(x, sub)
	if err == nil {
		err = b.consume(x, sub)
	}
	if err != nil {
		// A failed declaration closes its channel; the next session
		// declares everything again.
		x.fail(err)
		b.s.log.Warn("declaring a subscription failed; reconnecting", "subscription", sub.name, "error", err)
	}
	return nil
}

// wake is a no-op: the broker pushes deliveries.
func (b *rabbitBus) wake([]string) {}

// current returns the live session, or nil.
func (b *rabbitBus) current() *session {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sess
}

// rabbitItem is a decoded delivery.
type rabbitItem struct {
	d  amqp.Delivery
	it item
}

// workLoop handles deliveries, batching those waiting together, until
// they end, the session is lost or soft ends; deliveries it holds then are
// left unacknowledged, so the broker requeues them when the session
// closes (a lost session's deliveries could not be acknowledged anyway).
func (b *rabbitBus) workLoop(sub *subscription, deliveries <-chan amqp.Delivery, w *ackWindow, inflight *atomic.Int64, lost <-chan struct{}) {
	q := b.queue(sub.name)
	limit := batchLimit(b.s.cfg.Prefetch, sub.get().Concurrency)
	var pending []rabbitItem
	// add decodes d into pending, or settles it as a failure at once when
	// it is not an event.
	add := func(d amqp.Delivery) {
		ev, attempt, err := b.decode(d, q)
		if err != nil {
			b.settleFailure(sub, w, d, Event{}, b.s.cfg.maxAttempts(), fmt.Errorf("malformed message: %w", err))
			return
		}
		pending = append(pending, rabbitItem{d: d, it: item{ev: ev, attempt: attempt}})
	}
	for {
		if len(pending) == 0 {
			select {
			case <-b.soft.Done():
				return
			case <-lost:
				return
			case d, ok := <-deliveries:
				if !ok {
					return
				}
				add(d)
				continue
			}
		}
	fill:
		for len(pending) < limit {
			select {
			case d, ok := <-deliveries:
				if !ok {
					return
				}
				add(d)
			default:
				break fill
			}
		}
		select {
		case <-b.soft.Done():
			return
		case <-lost:
			return
		default:
		}
		var batch []rabbitItem
		batch, pending = splitBatch(pending, limit, func(r rabbitItem) uuid.UUID { return r.it.ev.CompanyID })
		inflight.Add(int64(len(batch)))
		b.handle(sub, w, batch)
		inflight.Add(-int64(len(batch)))
	}
}

// handle processes a batch and settles each delivery: ack once its unit
// of work's commit is durable, settleFailure otherwise.
func (b *rabbitBus) handle(sub *subscription, w *ackWindow, batch []rabbitItem) {
	items := make([]item, len(batch))
	for i, r := range batch {
		items[i] = r.it
	}
	errs := b.s.processBatch(b.hard, sub.get(), items, false)
	acks := make([]ackRef, 0, len(batch))
	for i, err := range errs {
		r := batch[i]
		if err != nil {
			b.settleFailure(sub, w, r.d, r.it.ev, r.it.attempt, err)
			continue
		}
		acks = append(acks, ackRef{w: w, tag: r.d.DeliveryTag})
	}
	b.acks.add(acks...)
}

// settleFailure publishes a failed delivery to the next delay queue (or
// the dead-letter queue after the last attempt) with confirm, then acks
// it, so the consumer never waits out a retry; if even that fails, it
// requeues the delivery.
func (b *rabbitBus) settleFailure(sub *subscription, w *ackWindow, d amqp.Delivery, ev Event, attempt int, cause error) {
	ctx := b.hard
	log := b.s.log
	q := b.queue(sub.name)
	log.Warn("event handler failed", "subscription", sub.name, "message_id", d.MessageId, "topic", ev.Topic,
		"request_id", ev.RequestID, "attempt", attempt, "max_attempts", b.s.cfg.maxAttempts(), "error", cause)
	if ctx.Err() != nil {
		return // shutting down: requeued when the session closes
	}
	defer w.settled(d.DeliveryTag)
	msg := republish(d)
	var target string
	if attempt <= len(b.s.cfg.RetryDelays) {
		target = delayQueue(q, b.s.cfg.RetryDelays[attempt-1])
		msg.Headers[hdrAttempt] = int32(attempt + 1)
	} else {
		target = deadLetterQueue(q)
		msg.Headers[hdrAttempt] = int32(attempt)
		msg.Headers[hdrError] = errorText(cause)
		msg.Headers[hdrParkedAt] = time.Now().UTC().Format(time.RFC3339Nano)
		msg.Headers[hdrSubscription] = sub.name
	}
	if err := b.publish(ctx, "", target, msg); err != nil {
		log.Warn("scheduling a retry failed; requeued", "subscription", sub.name, "message_id", d.MessageId, "error", err)
		_ = d.Nack(false, true)
		return
	}
	if target == deadLetterQueue(q) {
		log.Error("event parked in the dead-letter queue", "subscription", sub.name, "message_id", d.MessageId,
			"topic", ev.Topic, "attempts", attempt, "queue", target)
	}
	if err := d.Ack(false); err != nil {
		log.Debug("ack after retry failed; the event will come twice and be deduplicated", "message_id", d.MessageId, "error", err)
	}
}

// republish returns a copy of d to publish elsewhere, without the broker's
// dead-lettering history.
func republish(d amqp.Delivery) amqp.Publishing {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		if strings.HasPrefix(k, "x-death") || strings.HasPrefix(k, "x-first-death") || strings.HasPrefix(k, "x-last-death") {
			continue
		}
		headers[k] = v
	}
	return amqp.Publishing{
		Headers:      headers,
		ContentType:  d.ContentType,
		DeliveryMode: amqp.Persistent,
		MessageId:    d.MessageId,
		Timestamp:    d.Timestamp,
		Type:         d.Type,
		AppId:        d.AppId,
		Body:         d.Body,
	}
}

// message is the AMQP message of ev.
func message(ev Event) amqp.Publishing {
	return amqp.Publishing{
		Headers: amqp.Table{
			hdrCompanyID:     ev.CompanyID.String(),
			hdrTopic:         ev.Topic,
			hdrRequestID:     ev.RequestID,
			hdrSchemaVersion: int32(ev.SchemaVersion),
			hdrOccurredAt:    ev.OccurredAt.UTC().Format(time.RFC3339Nano),
		},
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    ev.ID.String(),
		Timestamp:    ev.OccurredAt,
		Type:         ev.Topic,
		AppId:        "nexus",
		Body:         ev.Payload,
	}
}

// decode reads the event and its attempt number from a delivery from
// queue q. The attempt comes from the x-nexus-attempt header, or else from
// the broker's x-death records of q's delay queues.
func (b *rabbitBus) decode(d amqp.Delivery, q string) (Event, int, error) {
	var ev Event
	var err error
	if ev.ID, err = uuid.Parse(d.MessageId); err != nil {
		return ev, 0, fmt.Errorf("message id %q is not an event id", d.MessageId)
	}
	if ev.CompanyID, err = uuid.Parse(headerString(d.Headers, hdrCompanyID)); err != nil || ev.CompanyID == uuid.Nil {
		return ev, 0, fmt.Errorf("header %s is not a company id", hdrCompanyID)
	}
	ev.Topic = headerString(d.Headers, hdrTopic)
	if ev.Topic == "" && d.Exchange == b.exchange {
		ev.Topic = d.RoutingKey
	}
	if err := ValidateTopic(ev.Topic); err != nil {
		return ev, 0, err
	}
	ev.RequestID = headerString(d.Headers, hdrRequestID)
	ev.OccurredAt = d.Timestamp
	if t, err := time.Parse(time.RFC3339Nano, headerString(d.Headers, hdrOccurredAt)); err == nil {
		ev.OccurredAt = t
	}
	ev.SchemaVersion = 1
	if v, ok := headerInt(d.Headers[hdrSchemaVersion]); ok && v > 0 {
		ev.SchemaVersion = v
	}
	if !json.Valid(d.Body) {
		return ev, 0, errors.New("the body is not JSON")
	}
	ev.Payload = d.Body
	if v, ok := headerInt(d.Headers[hdrAttempt]); ok && v > 0 {
		return ev, v, nil
	}
	return ev, 1 + retriesFromXDeath(d.Headers, q+".retry."), nil
}

// retriesFromXDeath sums the x-death counts of the queues named with
// prefix (a subscription's delay queues).
func retriesFromXDeath(h amqp.Table, prefix string) int {
	deaths, _ := h["x-death"].([]any)
	n := 0
	for _, d := range deaths {
		t, ok := d.(amqp.Table)
		if !ok {
			continue
		}
		if q, _ := t["queue"].(string); strings.HasPrefix(q, prefix) {
			if c, ok := headerInt(t["count"]); ok {
				n += c
			}
		}
	}
	return n
}

func headerString(h amqp.Table, key string) string {
	s, _ := h[key].(string)
	return s
}

// headerInt reads an integer header of any AMQP integer type.
func headerInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	}
	return 0, false
}

// publish publishes msg on the session's confirm channel and waits for the
// broker's confirm.
func (b *rabbitBus) publish(ctx context.Context, exchange, key string, msg amqp.Publishing) error {
	x := b.current()
	if x == nil {
		return errNotConnected
	}
	ctx, cancel := context.WithTimeout(ctx, confirmTimeout)
	defer cancel()
	dc, err := x.pub.PublishWithDeferredConfirmWithContext(ctx, exchange, key, false, false, msg)
	if err != nil {
		return fmt.Errorf("publish to %s: %w", key, err)
	}
	ok, err := dc.WaitContext(ctx)
	if err != nil {
		return fmt.Errorf("confirm of %s: %w", key, err)
	}
	if !ok {
		return fmt.Errorf("publish to %s: %w", key, errNacked)
	}
	return nil
}

// relay claims up to limit outbox rows (marking them sent in the claiming
// transaction), publishes them to the exchange and returns without waiting
// for the broker: a goroutine waits for every confirm and then commits the
// transaction, while the relay loops go on claiming the rows behind them.
// At most maxRelayInFlight batches wait at once; until its commit a
// batch's rows stay locked, so no relay publishes them twice, and any
// failure (a nack, a lost session, a crash) rolls the batch back, so its
// rows are relayed again.
func (b *rabbitBus) relay(ctx context.Context, limit int) (int, error) {
	x := b.current()
	if x == nil {
		return 0, errNotConnected
	}
	select {
	case b.relaySlots <- struct{}{}:
	case <-ctx.Done():
		return 0, fmt.Errorf("relay to RabbitMQ: %w", ctx.Err())
	}
	// A batch handed to the broker may finish after ctx ends (Stop waits
	// for it); only the end of Stop's patience abandons it.
	bctx, cancel := context.WithTimeout(b.hard, confirmTimeout)
	rb, err := b.publishBatch(ctx, bctx, x, limit)
	if err != nil || rb == nil {
		cancel()
		<-b.relaySlots
		if err != nil {
			return 0, fmt.Errorf("relay to RabbitMQ: %w", err)
		}
		return 0, nil
	}
	go func() {
		defer func() { <-b.relaySlots }()
		defer cancel()
		if err := b.finishBatch(bctx, rb); err != nil && b.hard.Err() == nil {
			b.s.log.Warn("relay round failed; will retry", "error", fmt.Errorf("relay to RabbitMQ: %w", err))
		}
	}()
	return len(rb.ids), nil
}

// relayBatch is a batch of outbox rows handed to the broker, whose
// claiming transaction awaits the broker's confirms.
type relayBatch struct {
	tx       pgx.Tx
	ids      []uuid.UUID
	confirms []*amqp.DeferredConfirmation
}

// publishBatch claims up to limit rows in a new transaction (under ctx)
// and publishes them on x (under bctx). It returns nil when there was
// nothing to claim; on error the transaction is rolled back.
func (b *rabbitBus) publishBatch(ctx, bctx context.Context, x *session, limit int) (_ *relayBatch, err error) {
	tx, err := b.s.pool.BeginTx(ctx, asyncTxOptions)
	if err != nil {
		return nil, err
	}
	rb := &relayBatch{tx: tx}
	defer func() {
		if err != nil || rb == nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	rows, err := tx.Query(ctx, claimOutboxSQL, limit)
	if err != nil {
		return nil, err
	}
	var (
		seq     int64
		ev      Event
		payload []byte
	)
	_, err = pgx.ForEachRow(rows, []any{&seq, pgUUID(&ev.CompanyID), pgUUID(&ev.ID), &ev.Topic, &ev.OccurredAt, &ev.RequestID, &ev.SchemaVersion, &payload}, func() error {
		// Publishing copies the body out before the next row is read.
		ev.Payload = payload
		dc, err := x.pub.PublishWithDeferredConfirmWithContext(bctx, b.exchange, ev.Topic, false, false, message(ev))
		if err != nil {
			return fmt.Errorf("publish %s: %w", ev.ID, err)
		}
		rb.ids, rb.confirms = append(rb.ids, ev.ID), append(rb.confirms, dc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rb.ids) == 0 {
		rb = nil
	}
	return rb, nil
}

// finishBatch waits for every confirm of rb, then commits its
// transaction, marking its rows sent; otherwise it rolls it back.
func (b *rabbitBus) finishBatch(ctx context.Context, rb *relayBatch) error {
	err := func() error {
		for i, dc := range rb.confirms {
			ok, err := dc.WaitContext(ctx)
			if err != nil {
				return fmt.Errorf("confirm of %s: %w", rb.ids[i], err)
			}
			if !ok {
				return fmt.Errorf("publish %s: %w", rb.ids[i], errNacked)
			}
		}
		if err := b.s.relayHook(); err != nil {
			return err
		}
		return rb.tx.Commit(ctx)
	}()
	if err != nil {
		_ = rb.tx.Rollback(context.WithoutCancel(ctx))
	}
	return err
}

func (b *rabbitBus) stop(ctx context.Context) error {
	var err error
	select {
	case <-b.supervised:
	case <-ctx.Done():
		err = fmt.Errorf("stop RabbitMQ bus: %w", ctx.Err())
	}
	b.mu.Lock()
	x := b.sess
	b.sess = nil
	b.mu.Unlock()
	if x != nil {
		for name, ch := range x.consumers {
			_ = ch.Cancel(x.tags[name], false)
		}
	}
	done := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("stop RabbitMQ consumers: %w", ctx.Err())
	}
	// Acknowledge what the finished handlers committed before closing.
	if ferr := b.acks.flush(ctx); ferr != nil && err == nil {
		err = fmt.Errorf("stop RabbitMQ consumers: %w", ferr)
	}
	if x != nil {
		for _, w := range x.windows {
			w.drain()
		}
	}
	// Let the relay batches awaiting confirms commit; taking every slot
	// also keeps the relay from starting another.
	for range maxRelayInFlight {
		select {
		case b.relaySlots <- struct{}{}:
		case <-ctx.Done():
		}
	}
	if x != nil {
		x.close()
	}
	b.setHealth(false, "stopped")
	return err
}
