package tracing

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// recorder is the in-memory exporter every test of this package records
// into (the provider is global); tests tell their spans apart by trace.
var recorder = tracetest.NewSpanRecorder()

func TestMain(m *testing.M) {
	Install(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)), recorder,
		resource.NewSchemaless())
	os.Exit(m.Run())
}

// spansOf returns the ended spans of trace tid.
func spansOf(tid trace.TraceID) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range recorder.Ended() {
		if s.SpanContext().TraceID() == tid {
			out = append(out, s)
		}
	}
	return out
}

func TestEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env     map[string]string
		on, err bool
	}{
		{env: nil},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4317"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4317"}, on: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x:4317"}, on: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, on: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, on: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, err: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, err: true},
	} {
		on, err := Enabled(func(k string) string { return tc.env[k] })
		require.Equal(t, tc.err, err != nil, "%v: %v", tc.env, err)
		require.Equal(t, tc.on, on, "%v", tc.env)
	}
}

// TestMiddleware checks the HTTP span: named after the route template chi
// matched or a handler set, a child of the client's traceparent, with the
// status, and the request's logger tagged with its ids.
func TestMiddleware(t *testing.T) {
	t.Parallel()
	var logged []any
	r := chi.NewRouter()
	r.Use(Middleware(func(ctx context.Context, fields ...any) context.Context {
		logged = fields
		return ctx
	}))
	r.Get("/companies/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	r.Post("/verticals/{vertical}/*", func(w http.ResponseWriter, r *http.Request) {
		httpx.SetRoute(r.Context(), "/verticals/shop/orders/{id}")
		w.WriteHeader(http.StatusInternalServerError)
	})
	for _, tc := range []struct {
		method, path, name string
		status             int64
	}{
		{http.MethodGet, "/companies/42", "GET /companies/{id}", http.StatusTeapot},
		{http.MethodPost, "/verticals/shop/orders/7", "POST /verticals/shop/orders/{id}", http.StatusInternalServerError},
	} {
		tid := trace.TraceID{1, 2, 3, byte(tc.status)}
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("traceparent", "00-"+tid.String()+"-00f067aa0ba902b7-01")
		r.ServeHTTP(httptest.NewRecorder(), req)
		spans := spansOf(tid)
		require.Len(t, spans, 1)
		s := spans[0]
		require.Equal(t, tc.name, s.Name())
		require.Equal(t, "00f067aa0ba902b7", s.Parent().SpanID().String())
		require.Equal(t, trace.SpanKindServer, s.SpanKind())
		require.Contains(t, s.Attributes(), attribute.Int64("http.response.status_code", tc.status))
		require.Equal(t, tc.status >= 500, s.Status().Code == 1, "5xx is an error")
		require.Equal(t, []any{"trace_id", tid.String(), "span_id", s.SpanContext().SpanID().String()}, logged)
	}
}

// pluginServer answers Vertical.Describe with a span of its own in the
// trailer, a child of the traceparent it received, plus one of another
// trace that the host must drop.
type pluginServer struct {
	nexusv1.UnimplementedVerticalServer
}

func (pluginServer) Describe(ctx context.Context, _ *nexusv1.DescribeRequest) (*nexusv1.Manifest, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	sc := trace.SpanContextFromContext(propagator.Extract(ctx, wire.MetadataCarrier(md)))
	tid, parent := sc.TraceID(), sc.SpanID()
	b, err := proto.Marshal(&nexusv1.Spans{Spans: []*nexusv1.Span{
		{TraceId: tid[:], SpanId: []byte{9, 9, 9, 9, 9, 9, 9, 9}, ParentSpanId: parent[:], Name: "describe",
			Kind: 2, StartUnixNano: 1, EndUnixNano: 2, Attributes: map[string]string{"k": "v"}},
		{TraceId: make([]byte, 16), SpanId: []byte{8, 8, 8, 8, 8, 8, 8, 8}, ParentSpanId: parent[:], Name: "foreign"},
	}})
	if err != nil {
		return nil, err
	}
	_ = grpc.SetTrailer(ctx, metadata.Pairs(wire.SpansTrailer, string(b)))
	return &nexusv1.Manifest{Name: "shop"}, nil
}

// TestPluginCall calls a plugin over real gRPC through ClientInterceptor:
// the call gets a client span, the plugin receives its context and the
// spans it returns are exported under the plugin's service name.
func TestPluginCall(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	nexusv1.RegisterVerticalServer(srv, pluginServer{})
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithChainUnaryInterceptor(ClientInterceptor("shop")))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	client := nexusv1.NewVerticalClient(conn)

	ctx, root := Start(context.Background(), "request", trace.SpanKindServer)
	_, err = client.Describe(ctx, &nexusv1.DescribeRequest{})
	require.NoError(t, err)
	root.End()

	spans := spansOf(root.SpanContext().TraceID())
	require.Len(t, spans, 3, "the request, the call and the plugin's span; not the foreign one")
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = s
	}
	call, plugin := byName["nexus.v1.Vertical/Describe"], byName["describe"]
	require.NotNil(t, call)
	require.NotNil(t, plugin)
	require.Equal(t, root.SpanContext().SpanID(), call.Parent().SpanID())
	require.Equal(t, trace.SpanKindClient, call.SpanKind())
	require.Equal(t, call.SpanContext().SpanID(), plugin.Parent().SpanID())
	require.Equal(t, PluginScopeName, plugin.InstrumentationScope().Name)
	require.Contains(t, plugin.Resource().Attributes(), attribute.String("service.name", PluginServicePrefix+"shop"))
	require.Contains(t, plugin.Attributes(), attribute.String("k", "v"))

	// Outside a trace (a health check), the call is not traced.
	_, err = client.Describe(context.Background(), &nexusv1.DescribeRequest{})
	require.NoError(t, err)
	calls := 0
	for _, s := range recorder.Ended() {
		if s.Name() == "nexus.v1.Vertical/Describe" {
			calls++
		}
	}
	require.Equal(t, 1, calls, "only the traced call has a span")
}

// TestServerInterceptor serves a plugin's callback: the handler runs in
// the span context of the plugin's traceparent, no span is recorded for
// it, and a callback outside a trace gets no span context.
func TestServerInterceptor(t *testing.T) {
	t.Parallel()
	const tp = "00-3c1e5f3a9b2d4e6f8a0b1c2d3e4f5a6b-1a2b3c4d5e6f7a8b-01"
	info := &grpc.UnaryServerInfo{FullMethod: "/nexus.v1.Host/DB"}
	var seen trace.SpanContext
	handler := func(ctx context.Context, _ any) (any, error) {
		seen = trace.SpanContextFromContext(ctx)
		return "ok", nil
	}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(TraceParentHeader, tp))
	res, err := ServerInterceptor(ctx, nil, info, handler)
	require.NoError(t, err)
	require.Equal(t, "ok", res)
	require.Equal(t, "3c1e5f3a9b2d4e6f8a0b1c2d3e4f5a6b", seen.TraceID().String())
	require.Equal(t, "1a2b3c4d5e6f7a8b", seen.SpanID().String(), "the plugin's span is the callback's")
	require.True(t, seen.IsRemote())
	require.Empty(t, spansOf(seen.TraceID()), "the host records no second span for a callback")

	_, err = ServerInterceptor(metadata.NewIncomingContext(context.Background(), metadata.MD{}), nil, info, handler)
	require.NoError(t, err)
	require.False(t, seen.IsValid(), "a callback outside a trace")
}

// TestTraceParentMatchesThePropagator checks that the traceparent the host
// writes by hand (events, calls to plugins) is the W3C propagator's, for a
// sampled span context and for one that is not.
func TestTraceParentMatchesThePropagator(t *testing.T) {
	t.Parallel()
	for _, flags := range []trace.TraceFlags{0, trace.FlagsSampled} {
		sc := trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
			SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}, TraceFlags: flags})
		c := propagation.MapCarrier{}
		propagator.Inject(trace.ContextWithSpanContext(context.Background(), sc), c)
		require.Equal(t, c[TraceParentHeader], traceParent(sc))
		got := trace.SpanContextFromContext(propagator.Extract(context.Background(), traceParentCarrier(traceParent(sc))))
		require.True(t, got.Equal(sc.WithRemote(true)), "%v", got)
	}
}
