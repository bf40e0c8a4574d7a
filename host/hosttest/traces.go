package hosttest

import (
	"context"
	"encoding/hex"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
)

// Traces is an OTLP/gRPC trace receiver for tests: a host started with
// Env exports its spans (and those its plugins returned) to it over the
// real OTLP wire protocol, and the test reads them back.
type Traces struct {
	coltracepb.UnimplementedTraceServiceServer
	addr  string
	mu    sync.Mutex
	spans []Span
	// received counts every span; discard keeps none (Discard).
	received int
	discard  bool
	added    chan struct{}
}

// Span is one span as the receiver got it.
type Span struct {
	// Service is the service.name of the span's resource.
	Service  string
	Name     string
	TraceID  string
	SpanID   string
	ParentID string // "" for a root span
	// Kind is the OTLP span kind (1 internal, 2 server, 3 client, 4
	// producer, 5 consumer).
	Kind       int32
	Attributes map[string]string
	// Links are the span ids of the spans it links to, as "trace/span".
	Links []string
	Start time.Time
	End   time.Time
}

// StartTraces starts a receiver on a loopback port, stopped when the test
// ends.
func StartTraces(t testing.TB) *Traces {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hosttest: otlp receiver: %v", err)
	}
	r := &Traces{addr: ln.Addr().String(), added: make(chan struct{}, 1)}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, r)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return r
}

// Env is the environment turning a host's tracing on towards r, sampling
// every trace and exporting every 100 ms.
func (r *Traces) Env() []string {
	return []string{
		"OTEL_TRACES_EXPORTER=otlp",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + r.addr,
		"OTEL_TRACES_SAMPLER=parentbased_always_on",
		"OTEL_BSP_SCHEDULE_DELAY=100",
	}
}

// Export implements the OTLP TraceService.
func (r *Traces) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	var got []Span
	for _, rs := range req.GetResourceSpans() {
		service := attrs(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				sp := Span{Service: service, Name: s.GetName(), TraceID: hex.EncodeToString(s.GetTraceId()),
					SpanID: hex.EncodeToString(s.GetSpanId()), ParentID: hex.EncodeToString(s.GetParentSpanId()),
					Kind: int32(s.GetKind()), Attributes: attrs(s.GetAttributes()),
					Start: time.Unix(0, int64(s.GetStartTimeUnixNano())), End: time.Unix(0, int64(s.GetEndTimeUnixNano()))}
				for _, l := range s.GetLinks() {
					sp.Links = append(sp.Links, hex.EncodeToString(l.GetTraceId())+"/"+hex.EncodeToString(l.GetSpanId()))
				}
				got = append(got, sp)
			}
		}
	}
	r.mu.Lock()
	r.received += len(got)
	if !r.discard {
		r.spans = append(r.spans, got...)
	}
	r.mu.Unlock()
	select {
	case r.added <- struct{}{}:
	default:
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

// attrs are OTLP attributes as text.
func attrs(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			out[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			out[kv.GetKey()] = strconv.FormatBool(v.BoolValue)
		default:
			out[kv.GetKey()] = kv.GetValue().String()
		}
	}
	return out
}

// Discard makes r count the spans it receives without keeping them, as a
// benchmark's sink.
func (r *Traces) Discard() {
	r.mu.Lock()
	r.discard = true
	r.mu.Unlock()
}

// Count is the number of spans received so far.
func (r *Traces) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received
}

// Await returns the spans received once done reports true of them,
// waiting up to a minute for more to arrive; it fails the test then.
func (r *Traces) Await(t testing.TB, what string, done func([]Span) bool) []Span {
	t.Helper()
	deadline := time.After(time.Minute)
	for {
		r.mu.Lock()
		spans := slices.Clone(r.spans)
		r.mu.Unlock()
		if done(spans) {
			return spans
		}
		select {
		case <-r.added:
		case <-deadline:
			t.Fatalf("hosttest: no %s among %d spans received in a minute", what, len(spans))
		}
	}
}
