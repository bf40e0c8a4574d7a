package events_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/internal/dal"
)

// TestStopWaitsForHandlers checks that Stop lets an in-flight handler
// finish and commit, and that the event then never comes back.
func TestStopWaitsForHandlers(t *testing.T) {
	t.Parallel()
	for _, bus := range buses {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bus, 6)
			sub := testSub("stop", "test.stop.*", 1)
			record := sub.Handler
			started, release := make(chan struct{}), make(chan struct{})
			var calls atomic.Int64
			sub.Handler = func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
				if calls.Add(1) == 1 {
					close(started)
					<-release
				}
				return record(ctx, u, ev, attempt)
			}
			svc := h.service(h.config(), sub)
			require.NoError(t, svc.Start(t.Context()))
			ev := h.event("test.stop.created")
			h.publish(false, ev)
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the handler never started")
			}
			stopped := make(chan error, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				stopped <- svc.Stop(ctx)
			}()
			time.Sleep(200 * time.Millisecond)
			select {
			case err := <-stopped:
				t.Fatalf("Stop returned before the handler finished: %v", err)
			default:
			}
			close(release)
			require.NoError(t, <-stopped)
			require.Equal(t, 1, h.applied(ev.ID))

			// A new host sees nothing left to do for that event.
			h.start(h.config(), sub)
			other := h.event("test.stop.updated")
			h.publish(false, other)
			waitFor(t, 10*time.Second, "the next event", func() bool { return h.applied(other.ID) == 1 })
			require.Equal(t, 1, h.applied(ev.ID))
			require.EqualValues(t, 2, calls.Load(), "the stopped handler's event was acknowledged")
		})
	}
}

// TestBrokerUnreachable checks that an unreachable broker degrades the bus
// without failing Start, and that events wait in the outbox.
func TestBrokerUnreachable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, events.BusRabbitMQ, 4)
	cfg := h.config()
	cfg.AMQPURL = "amqp://guest:guest@127.0.0.1:1/"
	svc := h.start(cfg, testSub("down", "test.down.*", 1))
	require.Equal(t, events.BusRabbitMQ, svc.Bus())
	ev := h.event("test.down.created")
	h.publish(false, ev)
	waitFor(t, 5*time.Second, "a degraded health", func() bool {
		hl := svc.Health()
		return !hl.OK && hl.Reason != "" && hl.Reason != "connecting to RabbitMQ"
	})
	require.Contains(t, svc.Health().Reason, "connect")
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 1, h.count(`SELECT count(*) FROM event_outbox WHERE sent_at IS NULL`))

	var subs struct {
		Data []events.SubscriptionInfo `json:"data"`
	}
	srv := adminServer(t, svc, true, false)
	require.Equal(t, 200, call(t, "GET", srv.URL+"/api/v1/admin/events/subscriptions", &subs))
	require.Len(t, subs.Data, 1)
	require.NotEmpty(t, subs.Data[0].Error, "figures are unavailable while the broker is down")
}

// TestPrune checks that sent outbox rows older than the retention are
// pruned, except while an in-process delivery still needs them.
func TestPrune(t *testing.T) {
	t.Parallel()
	h := newHarness(t, events.BusInProcess, 6)
	release := make(chan struct{})
	fast := testSub("fast", "test.fast.*", 1)
	slow := testSub("slow", "test.slow.*", 1)
	record := slow.Handler
	slow.Handler = func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return record(ctx, u, ev, attempt)
	}
	cfg := h.config()
	cfg.Retention = time.Millisecond
	svc := h.start(cfg, fast, slow)
	job := svc.Job()
	require.Equal(t, events.PruneJobName, job.Name)
	// Each look runs the host's pruning job once, as the scheduler would.
	rows := func(id uuid.UUID) int {
		require.NoError(t, job.Run(t.Context(), jobs.Run{Job: job.Name, Attempt: 1}))
		return h.count(`SELECT count(*) FROM event_outbox WHERE id = $1`, id)
	}
	done, pending := h.event("test.fast.created"), h.event("test.slow.created")
	h.publish(false, done, pending)
	waitFor(t, 10*time.Second, "the fast event", func() bool { return h.applied(done.ID) == 1 })
	waitFor(t, 10*time.Second, "the handled event pruned", func() bool { return rows(done.ID) == 0 })
	require.Equal(t, 1, rows(pending.ID), "a pending delivery keeps its event")
	close(release)
	waitFor(t, 10*time.Second, "the slow event", func() bool { return h.applied(pending.ID) == 1 })
	waitFor(t, 10*time.Second, "the slow event pruned", func() bool { return rows(pending.ID) == 0 })
	require.Equal(t, 2, h.count(`SELECT count(*) FROM processed_events`), "the idempotency record stays longer")
}
