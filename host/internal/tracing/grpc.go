package tracing

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// PluginScopeName is the instrumentation scope of the spans plugins record
// (the SDK's).
const PluginScopeName = "github.com/nexuspos/nexus/sdk"

// ClientInterceptor traces the host's calls to the plugin of vertical:
// each call made in a traced context gets a client span, its span context
// travels in the call's metadata (traceparent), and the spans the plugin
// recorded, returned in the answer's trailer, are exported with the host's.
// Calls outside a trace (health checks) pass untouched.
func ClientInterceptor(vertical string) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return invoker(ctx, method, req, reply, cc, opts...)
		}
		ctx, span := tracer.Start(ctx, rpcName(method), trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(attribute.String("rpc.system", "grpc"), attribute.String("nexus.vertical", vertical)))
		defer span.End()
		var trailer metadata.MD
		err := invoker(outgoing(ctx, span.SpanContext()), method, req, reply, cc, append(opts, grpc.Trailer(&trailer))...)
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		if v := trailer.Get(wire.SpansTrailer); len(v) > 0 && span.IsRecording() {
			importSpans(span.SpanContext().TraceID(), vertical, []byte(v[0]))
		}
		return err
	}
}

// ServerInterceptor carries the span context of a callback a plugin makes
// to the host (its traceparent) into the callback's context, so that its
// log lines name the trace and what it starts nests under the plugin's
// span. It records no span of its own: the plugin's client span around the
// callback, which the plugin returns and the host exports, already spans
// the host's work, and a second span for the same call would cost a span
// per callback on every traced request. Callbacks outside a trace pass
// untouched.
func ServerInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	tp := metadata.ValueFromIncomingContext(ctx, TraceParentHeader)
	if len(tp) == 0 {
		return handler(ctx, req)
	}
	return handler(propagator.Extract(ctx, traceParentCarrier(tp[0])), req)
}

// outgoing is ctx with sc's traceparent (and tracestate, if any) added to
// its outgoing metadata, without copying what is there.
func outgoing(ctx context.Context, sc trace.SpanContext) context.Context {
	kv := []string{TraceParentHeader, traceParent(sc)}
	if ts := sc.TraceState(); ts.Len() > 0 {
		kv = append(kv, "tracestate", ts.String())
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// traceParentCarrier carries a lone traceparent to the propagator.
type traceParentCarrier string

// Get implements propagation.TextMapCarrier.
func (c traceParentCarrier) Get(key string) string {
	if key == TraceParentHeader {
		return string(c)
	}
	return ""
}

// Set implements propagation.TextMapCarrier; the carrier is read-only.
func (traceParentCarrier) Set(string, string) {}

// Keys implements propagation.TextMapCarrier.
func (traceParentCarrier) Keys() []string { return []string{TraceParentHeader} }

// rpcName is a gRPC method's span name: "nexus.v1.Vertical/HandleRoute".
func rpcName(fullMethod string) string { return strings.TrimPrefix(fullMethod, "/") }

// pluginResources caches the resource of each vertical's spans.
var pluginResources sync.Map

// importSpans exports the spans a plugin of vertical returned for a call
// of trace tid (a serialized nexusv1.Spans). Spans of another trace are
// dropped: a plugin reports only the call's.
func importSpans(tid trace.TraceID, vertical string, b []byte) {
	dst := exporter.Load()
	if dst == nil {
		return
	}
	var spans nexusv1.Spans
	if proto.Unmarshal(b, &spans) != nil {
		return
	}
	res := pluginResource(dst.resource, vertical)
	for _, s := range spans.GetSpans() {
		if stub, ok := stubOf(s, tid, res); ok {
			dst.processor.OnEnd(stub.Snapshot())
		}
	}
}

// pluginResource is base with the service.name of vertical's plugin.
func pluginResource(base *resource.Resource, vertical string) *resource.Resource {
	if r, ok := pluginResources.Load(vertical); ok {
		return r.(*resource.Resource)
	}
	r, err := resource.Merge(base, resource.NewSchemaless(attribute.String("service.name", PluginServicePrefix+vertical)))
	if err != nil {
		r = base
	}
	pluginResources.Store(vertical, r)
	return r
}

// stubOf is s as an OpenTelemetry span of trace tid under res; false when
// it belongs to another trace or its ids are malformed. (tracetest's
// SpanStub is the SDK's only way to build a finished span from data.)
func stubOf(s *nexusv1.Span, tid trace.TraceID, res *resource.Resource) (tracetest.SpanStub, bool) {
	var sid, pid trace.SpanID
	if string(s.GetTraceId()) != string(tid[:]) || len(s.GetSpanId()) != len(sid) || len(s.GetParentSpanId()) != len(pid) {
		return tracetest.SpanStub{}, false
	}
	copy(sid[:], s.GetSpanId())
	copy(pid[:], s.GetParentSpanId())
	attrs := make([]attribute.KeyValue, 0, len(s.GetAttributes()))
	for k, v := range s.GetAttributes() {
		attrs = append(attrs, attribute.String(k, v))
	}
	cfg := trace.SpanContextConfig{TraceID: tid, TraceFlags: trace.FlagsSampled}
	self, parent := cfg, cfg
	self.SpanID, parent.SpanID = sid, pid
	return tracetest.SpanStub{
		Name:                 s.GetName(),
		SpanContext:          trace.NewSpanContext(self),
		Parent:               trace.NewSpanContext(parent),
		SpanKind:             trace.SpanKind(s.GetKind()),
		StartTime:            time.Unix(0, s.GetStartUnixNano()),
		EndTime:              time.Unix(0, s.GetEndUnixNano()),
		Attributes:           attrs,
		Status:               statusOf(s),
		Resource:             res,
		InstrumentationScope: instrumentation.Scope{Name: PluginScopeName},
	}, true
}

// statusOf is s's status.
func statusOf(s *nexusv1.Span) sdktrace.Status {
	return sdktrace.Status{Code: codes.Code(s.GetStatusCode()), Description: s.GetStatusMessage()}
}
