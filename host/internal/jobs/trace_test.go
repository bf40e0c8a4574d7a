package jobs_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/host/internal/tracing"
)

// spans is the in-memory exporter of the package's tests (the provider is
// global); tests tell their spans apart by trace.
var spans = tracetest.NewSpanRecorder()

func TestMain(m *testing.M) {
	tracing.Install(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), spans, resource.NewSchemaless())
	os.Exit(m.Run())
}

// TestRunTrace triggers a per-company job from a traced request: the run
// is the root span of a trace of its own, linked to the request's span,
// with its job, attempts and outcome; each attempt (the failed one
// included) is a child span naming its company, attempt and outcome, and
// what the job's Run starts in its context nests under its attempt.
func TestRunTrace(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	a, b := uuid.New(), uuid.New()
	s := newScheduler(t, pool, "a", jobs.Job{Name: "host.traced", Schedule: "@every 1h", MaxAttempts: 2,
		Companies: func(context.Context) ([]uuid.UUID, error) { return []uuid.UUID{a, b}, nil },
		Run: func(ctx context.Context, run jobs.Run) error {
			_, span := tracing.Start(ctx, "work", trace.SpanKindClient)
			defer span.End()
			if run.CompanyID == a && run.Attempt == 1 {
				return errors.New("not yet")
			}
			return nil
		}})

	ctx, request := tracing.Start(t.Context(), "POST /api/v1/admin/jobs/{name}/run", trace.SpanKindServer)
	require.NoError(t, s.Trigger(ctx, "host.traced"))
	request.End()
	require.Eventually(t, func() bool { return status(t, s, "host.traced").Runs == 1 }, 5*time.Second, 10*time.Millisecond)

	var root sdktrace.ReadOnlySpan
	for _, sp := range spans.Ended() {
		if sp.Name() == "job host.traced" {
			root = sp
		}
	}
	require.NotNil(t, root, "the run's span")
	require.False(t, root.Parent().IsValid(), "the run is its trace's root")
	require.NotEqual(t, request.SpanContext().TraceID(), root.SpanContext().TraceID())
	require.Len(t, root.Links(), 1)
	require.Equal(t, request.SpanContext().SpanID(), root.Links()[0].SpanContext.SpanID(), "linked to the request that triggered it")
	at := attrs(root)
	_, err := uuid.Parse(at["nexus.job.run_id"])
	require.NoError(t, err, "the run's id")
	delete(at, "nexus.job.run_id")
	require.Equal(t, map[string]string{"nexus.job": "host.traced", "nexus.job.attempts": "2", "nexus.job.outcome": "ok"}, at)
	require.Equal(t, codes.Unset, root.Status().Code)

	type attempt struct {
		company, attempt, outcome string
		failed                    bool
	}
	var attempts []attempt
	for _, sp := range spans.Ended() {
		if sp.Parent().SpanID() != root.SpanContext().SpanID() {
			continue
		}
		require.Equal(t, "attempt host.traced", sp.Name())
		at := attrs(sp)
		attempts = append(attempts, attempt{at["nexus.company_id"], at["nexus.job.attempt"], at["nexus.job.outcome"],
			sp.Status().Code == codes.Error})
		var children []string
		for _, c := range spans.Ended() {
			if c.Parent().SpanID() == sp.SpanContext().SpanID() {
				children = append(children, c.Name())
			}
		}
		require.Equal(t, []string{"work"}, children, "the job's own span nests under its attempt")
	}
	require.ElementsMatch(t, []attempt{
		{a.String(), "1", "error", true}, {a.String(), "2", "ok", false}, {b.String(), "1", "ok", false},
	}, attempts)
}

// attrs are s's attributes as strings.
func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value.String()
	}
	return out
}
