package tracing

import (
	"context"
	"encoding/hex"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// An event carries the span context it was published in as a W3C
// traceparent: in its outbox row, then in its AMQP message's headers. Its
// delivery runs in a trace of its own whose root span links to that span
// (a subscriber may run long after the request, and its retries are not
// part of it).

// TraceParent returns the W3C traceparent of ctx's span; "" when tracing
// is off or ctx carries no span context.
func TraceParent(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if exporter.Load() == nil || !sc.IsValid() {
		return ""
	}
	return traceParent(sc)
}

// traceParent is sc as a W3C traceparent ("00-<trace id>-<span id>-<flags>"),
// built in one allocation.
func traceParent(sc trace.SpanContext) string {
	const digits = "0123456789abcdef"
	var b [55]byte
	b[0], b[1], b[2] = '0', '0', '-'
	tid, sid := sc.TraceID(), sc.SpanID()
	hex.Encode(b[3:35], tid[:])
	b[35] = '-'
	hex.Encode(b[36:52], sid[:])
	b[52] = '-'
	f := byte(sc.TraceFlags())
	b[53], b[54] = digits[f>>4], digits[f&0xf]
	return string(b[:])
}

// TraceParentHeader is the name of the W3C trace context header, in HTTP,
// gRPC metadata and AMQP message headers alike.
const TraceParentHeader = "traceparent"

// StartLinked starts the root span of a new trace, of the given kind,
// linked to the spans that traceparents name (those that are malformed or
// empty are left out).
func StartLinked(ctx context.Context, name string, kind trace.SpanKind, traceparents []string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if exporter.Load() == nil {
		return ctx, trace.SpanFromContext(context.Background()) // a no-op span
	}
	links := make([]trace.Link, 0, len(traceparents))
	for _, tp := range traceparents {
		if tp == "" {
			continue
		}
		sc := trace.SpanContextFromContext(propagator.Extract(context.Background(), propagation.MapCarrier{TraceParentHeader: tp}))
		if sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc})
		}
	}
	return tracer.Start(ctx, name, trace.WithNewRoot(), trace.WithSpanKind(kind), trace.WithLinks(links...), trace.WithAttributes(attrs...))
}
