package events

import (
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"
)

// Consuming from RabbitMQ: one channel and Concurrency workers per
// subscription, batching the deliveries waiting together and acknowledging
// each once its unit of work has committed durably.

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
