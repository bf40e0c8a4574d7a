package events

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/dal"
)

// maxErrorLength bounds a recorded handler error.
const maxErrorLength = 2000

// maxBatch is the most deliveries one transaction carries. Deliveries that
// are waiting anyway share a transaction (one commit instead of one each);
// a handler never sees the difference.
const maxBatch = 32

// batchLimit is the batch size of a subscription's workers: the prefetch
// window shared among them, so that a burst still keeps every worker busy,
// and at most maxBatch.
func batchLimit(prefetch, concurrency int) int {
	return max(1, min(maxBatch, prefetch/max(1, concurrency)))
}

// item is one delivery of an event to a subscription.
type item struct {
	ev      Event
	attempt int
}

// deferredTx is the transaction a delivery's unit of work sees inside a
// batch: the batch commits or rolls back the real transaction, so Commit
// and Rollback do nothing here, and the unit's AfterCommit hooks run when
// the batch has really committed.
type deferredTx struct{ pgx.Tx }

func (deferredTx) Commit(context.Context) error   { return nil }
func (deferredTx) Rollback(context.Context) error { return nil }

// processBatch handles items, which all belong to one company, for sub,
// and returns one error per item: nil exactly when the item's effects
// committed (or the event had already taken effect), so it may be
// acknowledged once the commit is durable (see durable.go). inProcess makes each delivery delete its event_deliveries
// row in the same transaction.
//
// Every item runs in its own unit of work with the usual contract —
// record the event in processed_events first, skip the handler when it was
// already there, call the handler, keep its effects only if it succeeded —
// but the units of a batch share one tenant transaction. When one item
// fails, the transaction is rolled back, that item keeps its error and the
// others are run again in a new batch, so a failing item never costs
// another an attempt, and no handler runs twice for one attempt of its
// event unless its batch was rolled back for another item.
func (s *Service) processBatch(ctx context.Context, sub Subscription, items []item, inProcess bool) []error {
	errs := make([]error, len(items))
	todo := make([]int, len(items))
	for i := range items {
		todo[i] = i
	}
	for len(todo) > 0 {
		failed, err := s.runBatch(ctx, sub, items, todo, inProcess)
		switch {
		case failed >= 0:
			errs[failed] = err
			todo = removeIndex(todo, failed)
		case err != nil && len(todo) > 1:
			// The failure belongs to no single item (a failed commit):
			// find the culprit by running each on its own.
			for _, i := range todo {
				_, errs[i] = s.runBatch(ctx, sub, items, []int{i}, inProcess)
			}
			todo = nil
		default:
			for _, i := range todo {
				errs[i] = err
			}
			todo = nil
		}
	}
	s.observe(ctx, sub, items, errs)
	return errs
}

// observe tells the observer the outcome of each of items' attempts, as
// the buses settle them: a failure is retried until the last attempt,
// then parked. Failures while shutting down are neither: the delivery
// comes back.
func (s *Service) observe(ctx context.Context, sub Subscription, items []item, errs []error) {
	o := s.cfg.Observer
	if o == nil {
		return
	}
	name, maxAttempts, now := sub.FullName(), s.cfg.maxAttempts(), time.Now()
	for i, err := range errs {
		switch {
		case err == nil:
			o.Delivered(name, OutcomeDelivered, now.Sub(items[i].ev.OccurredAt))
		case ctx.Err() != nil:
		case items[i].attempt >= maxAttempts:
			o.Delivered(name, OutcomeDeadLettered, 0)
		default:
			o.Delivered(name, OutcomeRetried, 0)
		}
	}
}

// splitBatch takes from pending the next batch: up to limit items of the
// first item's company, in order; the rest stays pending.
func splitBatch[T any](pending []T, limit int, company func(T) uuid.UUID) (batch, rest []T) {
	first := company(pending[0])
	for _, v := range pending {
		if len(batch) < limit && company(v) == first {
			batch = append(batch, v)
		} else {
			rest = append(rest, v)
		}
	}
	return batch, rest
}

// removeIndex returns idx without the value v.
func removeIndex(idx []int, v int) []int {
	out := idx[:0:0]
	for _, i := range idx {
		if i != v {
			out = append(out, i)
		}
	}
	return out
}

// runBatch runs items[todo] in one transaction, committed without waiting
// for the WAL flush (see durable.go), whose first round trip begins it
// and records the events as processed. It returns (-1, nil) when
// all committed; (i, err) when item i failed and everything was rolled
// back; (-1, err) when the transaction failed for no single item.
func (s *Service) runBatch(ctx context.Context, sub Subscription, items []item, todo []int, inProcess bool) (int, error) {
	company := items[todo[0]].ev.CompanyID
	first, fresh := markProcessed(sub, company, items, todo, inProcess)
	tx, br, err := dal.TenantStart(s.pool, company, sub.schema())(ctx, first)
	if err != nil {
		return -1, err
	}
	units := make([]*dal.Unit, 0, len(todo))
	abort := func() {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		for _, u := range units {
			_ = u.Finish(ctx, false)
		}
	}
	if err := br.Close(); err != nil {
		abort()
		return -1, fmt.Errorf("record processed events: %w", err)
	}
	newUnit := func() *dal.Unit {
		u := dal.NewUnit(func(context.Context) (pgx.Tx, error) { return deferredTx{tx}, nil })
		units = append(units, u)
		return u
	}
	var batch []int // the items a BatchHandler gets
	for _, i := range todo {
		it := items[i]
		if !fresh[it.ev.ID] {
			s.log.Debug("event already processed; skipped the handler", "subscription", sub.FullName(), "event_id", it.ev.ID)
			continue
		}
		// A duplicate later in the batch is skipped too.
		delete(fresh, it.ev.ID)
		if sub.Batch != nil {
			batch = append(batch, i)
			continue
		}
		u := newUnit()
		err := s.deliver(ctx, sub, u, []Event{it.ev}, func(ctx context.Context) error { return sub.Handler(ctx, u, it.ev, it.attempt) })
		if err != nil {
			abort()
			return i, err
		}
	}
	if len(batch) > 0 {
		evs := make([]Event, len(batch))
		for k, i := range batch {
			evs[k] = items[i].ev
		}
		u := newUnit()
		if err := s.deliver(ctx, sub, u, evs, func(ctx context.Context) error { return sub.Batch(ctx, u, evs) }); err != nil {
			abort()
			if len(batch) == 1 {
				return batch[0], err
			}
			return -1, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		abort()
		return -1, fmt.Errorf("commit: %w", err)
	}
	for _, u := range units {
		_ = u.Finish(ctx, true) // runs the unit's AfterCommit hooks
	}
	return -1, nil
}

// markProcessed returns the first statements of a batch's transaction:
// commit without waiting for the WAL flush (see durable.go), and record
// items[todo] as processed by sub (deleting their in-process deliveries
// when inProcess is set). Once they have run, fresh holds the ids that
// were not processed before.
func markProcessed(sub Subscription, company uuid.UUID, items []item, todo []int, inProcess bool) (first *pgx.Batch, fresh map[uuid.UUID]bool) {
	ids := make([][16]byte, len(todo)) // binary uuids (see pgUUID)
	for k, i := range todo {
		ids[k] = items[i].ev.ID
	}
	sql := markProcessedSQL
	if inProcess {
		sql = markProcessedInProcessSQL
	}
	fresh = make(map[uuid.UUID]bool, len(ids))
	first = &pgx.Batch{}
	first.Queue(asyncCommitSQL)
	first.Queue(sql, pgUUID(&company), sub.FullName(), ids).Query(func(rows pgx.Rows) error {
		var id uuid.UUID
		_, err := pgx.ForEachRow(rows, []any{pgUUID(&id)}, func() error {
			fresh[id] = true
			return nil
		})
		return err
	})
	return first, fresh
}

// deliver runs handle, sub's handler for evs, inside u under
// HandlerTimeout, turning a panic into an error (the stack goes to the
// log). It runs in the root span of a trace of its own, linked to the
// spans that published evs.
func (s *Service) deliver(ctx context.Context, sub Subscription, u *dal.Unit, evs []Event, handle func(context.Context) error) (err error) {
	first := evs[0].ID
	hctx, cancel := context.WithTimeout(ctx, s.cfg.HandlerTimeout)
	defer cancel()
	hctx, span := deliverySpan(hctx, sub, evs)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("event handler panicked", "subscription", sub.FullName(), "event_id", first, "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", r)
		}
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	if err := handle(hctx); err != nil {
		return err
	}
	if u.Failed() {
		return errors.New("the handler returned success after a failed data operation")
	}
	return nil
}

// deliverySpan starts the consumer span of sub's delivery of evs: the
// root of a new trace, linked to the spans that published them.
func deliverySpan(ctx context.Context, sub Subscription, evs []Event) (context.Context, trace.Span) {
	parents := make([]string, len(evs))
	for i, ev := range evs {
		parents[i] = ev.TraceParent
	}
	return tracing.StartLinked(ctx, "deliver "+evs[0].Topic, trace.SpanKindConsumer, parents,
		attribute.String("messaging.destination.subscription.name", sub.FullName()),
		attribute.String("messaging.message.id", evs[0].ID.String()),
		attribute.Int("messaging.batch.message_count", len(evs)))
}

// errorText returns err's message cut to maxErrorLength bytes of valid
// UTF-8.
func errorText(err error) string {
	s := err.Error()
	if len(s) <= maxErrorLength {
		return s
	}
	s = s[:maxErrorLength]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
