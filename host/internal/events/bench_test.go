package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/internal/dal"
)

// Benchmark shape: producers commit transactions of perTx events each;
// one subscription with benchConcurrency workers handles them one event at
// a time, as a vertical's subscriptions do (its unit of work records the
// event in processed_events and commits). The bus runs with the production
// defaults (prefetch, relay batch), as nexus serve does.
const (
	benchProducers   = 4
	benchPerTx       = 10
	benchConcurrency = 4
)

// benchRun is one measured stream of events.
type benchRun struct {
	committed []atomic.Int64 // unix nanos just before each event's commit
	latency   []int64        // commit to handler start, nanos
	acked     atomic.Int64
	lastAck   atomic.Int64
	done      chan struct{}
}

// BenchmarkThroughput measures events/s from commit to consumer ack and
// the commit-to-handler latency (p50, p99) through each bus:
//
//   - max: producers publish as fast as they can (capacity; the latency
//     then includes the backlog);
//   - 1000eps, 5000eps: producers are paced at that many events/s (the
//     latency a sustained load of that size sees; 5,000/s is the budget).
//
// Run: go test ./host/internal/events -run '^$' -bench BenchmarkThroughput -benchtime 20000x
func BenchmarkThroughput(b *testing.B) {
	for _, bus := range buses {
		b.Run(bus, func(b *testing.B) {
			h := newHarness(b, bus, 32)
			var current atomic.Pointer[benchRun]
			sub := events.Subscription{Vertical: "bench", Name: "throughput", Pattern: "bench.#", Concurrency: benchConcurrency}
			sub.Handler = func(_ context.Context, u *dal.Unit, ev events.Event, _ int) error {
				run := current.Load()
				var p struct{ I int }
				if err := json.Unmarshal(ev.Payload, &p); err != nil {
					return err
				}
				start := time.Now().UnixNano()
				u.AfterCommit(func() {
					run.latency[p.I] = start - run.committed[p.I].Load()
					now := time.Now().UnixNano()
					run.lastAck.Store(now)
					if run.acked.Add(1) == int64(len(run.latency)) {
						close(run.done)
					}
				})
				return nil
			}
			svc := h.start(h.config(), sub)

			for _, rate := range []int{0, 1000, 5000} {
				name := "max"
				if rate > 0 {
					name = fmt.Sprintf("%deps", rate)
				}
				b.Run(name, func(b *testing.B) {
					run := &benchRun{committed: make([]atomic.Int64, b.N), latency: make([]int64, b.N), done: make(chan struct{})}
					current.Store(run)
					b.ResetTimer()
					start := time.Now()
					produce(b, h, svc, run, rate)
					select {
					case <-run.done:
					case <-time.After(5 * time.Minute):
						b.Fatalf("only %d of %d events acknowledged", run.acked.Load(), b.N)
					}
					elapsed := time.Duration(run.lastAck.Load() - start.UnixNano())
					b.StopTimer()
					slices.Sort(run.latency)
					pct := func(p float64) float64 {
						return float64(run.latency[min(len(run.latency)-1, int(p*float64(len(run.latency))))]) / 1e6
					}
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
					b.ReportMetric(pct(0.50), "p50-ms")
					b.ReportMetric(pct(0.99), "p99-ms")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

// produce publishes b.N events (payload {"i": index}) from benchProducers
// goroutines in units of work of benchPerTx events, paced to rate events/s
// when rate > 0. Each unit wakes the relay when it commits, as the host's
// Publish RPC does. An event's commit time is taken just before the
// commit, so the latency measured includes the commit itself.
func produce(b *testing.B, h *harness, svc *events.Service, run *benchRun, rate int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchProducers)
	start := time.Now()
	for range benchProducers {
		wg.Go(func() {
			ctx := context.Background()
			for {
				first := int(next.Add(benchPerTx)) - benchPerTx
				if first >= b.N {
					return
				}
				if rate > 0 {
					time.Sleep(time.Until(start.Add(time.Duration(first) * time.Second / time.Duration(rate))))
				}
				evs := make([]events.Event, min(benchPerTx, b.N-first))
				for i := range evs {
					evs[i] = events.Event{ID: uuid.New(), CompanyID: h.company, Topic: "bench.item.created",
						Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, first+i))}
				}
				u := dal.NewTenantUnit(h.pool, h.company, "public")
				u.AfterCommit(svc.Wake)
				err := u.Run(ctx, func(tx pgx.Tx) error { return events.Publish(ctx, tx, evs...) })
				now := time.Now().UnixNano()
				for i := range evs {
					run.committed[first+i].Store(now)
				}
				if err == nil {
					err = u.Finish(ctx, true)
				}
				if err != nil {
					_ = u.Finish(ctx, false)
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(b, err)
	}
}
