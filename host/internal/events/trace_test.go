package events_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/dal"
)

// tracedTopic is the topic of TestReplayKeepsTheTraceLink's events; only
// their deliveries' spans are kept.
const tracedTopic = "test.traced.created"

// deliveries records the ended spans of tracedTopic's deliveries. Tracing
// is on for every test of the package (the provider is global); the other
// tests' spans are dropped.
var deliveries = keepNamed{tracetest.NewSpanRecorder(), "deliver " + tracedTopic}

// keepNamed records the ended spans of one name.
type keepNamed struct {
	*tracetest.SpanRecorder
	name string
}

// OnEnd implements sdktrace.SpanProcessor.
func (k keepNamed) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.Name() == k.name {
		k.SpanRecorder.OnEnd(s)
	}
}

func TestMain(m *testing.M) {
	tracing.Install(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(deliveries)), deliveries, resource.NewSchemaless())
	os.Exit(m.Run())
}

// TestReplayKeepsTheTraceLink checks, on both buses, that an event
// published in a traced request is delivered in traces linked to the
// publishing span, its failed attempts and, once it was parked and
// replayed, the replay's delivery too; on the in-process bus the outbox
// row (which holds the traceparent) outlives the retention while its dead
// letter waits.
func TestReplayKeepsTheTraceLink(t *testing.T) {
	t.Parallel()
	for _, bus := range buses {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bus, 6)
			var fixed atomic.Bool
			sub := events.Subscription{Vertical: "testv", Name: "traced", Pattern: "test.traced.*"}
			record := recorder(sub.FullName())
			sub.Handler = func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
				if !fixed.Load() {
					return fmt.Errorf("cannot handle %s yet", ev.Topic)
				}
				return record(ctx, u, ev, attempt)
			}
			cfg := h.config()
			cfg.RetryDelays = []time.Duration{50 * time.Millisecond}
			cfg.Retention = time.Millisecond
			svc := h.start(cfg, sub)
			srv := adminServer(t, svc, true, false)
			base := srv.URL + "/api/v1/admin/events/subscriptions/" + sub.FullName() + "/dead-letters"

			ev := h.event(tracedTopic)
			ctx, publisher := tracing.Start(t.Context(), "POST /test", trace.SpanKindServer)
			u := dal.NewTenantUnit(h.pool, h.company, "public")
			require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error { return events.Publish(ctx, tx, ev) }))
			require.NoError(t, u.Finish(ctx, true))
			publisher.End()
			origin := publisher.SpanContext()

			var page struct {
				Data []events.DeadLetter `json:"data"`
			}
			waitFor(t, 15*time.Second, "the event parked", func() bool {
				require.Equal(t, 200, call(t, "GET", base, &page))
				return len(page.Data) == 1
			})
			if bus == events.BusInProcess {
				job := svc.Job()
				require.NoError(t, job.Run(t.Context(), jobs.Run{Job: job.Name, Attempt: 1}))
				require.Equal(t, 1, h.count(`SELECT count(*) FROM event_outbox WHERE id = $1 AND traceparent <> ''`, ev.ID),
					"the dead letter keeps its event's outbox row past the retention")
			}
			fixed.Store(true)
			require.Equal(t, 202, call(t, "POST", base+"/"+ev.ID.String()+"/replay", nil))
			waitFor(t, 10*time.Second, "the replayed event applied", func() bool { return h.applied(ev.ID) == 1 })

			var failed, succeeded int
			waitFor(t, 5*time.Second, "the replay's delivery span", func() bool {
				failed, succeeded = 0, 0
				for _, s := range deliveries.Ended() {
					if s.Parent().IsValid() || !hasAttr(s, "messaging.message.id", ev.ID.String()) {
						continue
					}
					require.NotEqual(t, origin.TraceID(), s.SpanContext().TraceID(), "a delivery has a trace of its own")
					require.Len(t, s.Links(), 1)
					link := s.Links()[0].SpanContext
					require.Equal(t, origin.TraceID(), link.TraceID(), "every delivery links to the publishing span")
					require.Equal(t, origin.SpanID(), link.SpanID(), "every delivery links to the publishing span")
					if s.Status().Code == 0 {
						succeeded++
					} else {
						failed++
					}
				}
				return succeeded == 1
			})
			require.Equal(t, 2, failed, "the first attempt and the retry")
		})
	}
}

// hasAttr reports whether s has the string attribute key = value.
func hasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.AsString() == value
		}
	}
	return false
}
