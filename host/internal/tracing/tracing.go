// Package tracing owns the host's OpenTelemetry traces: the tracer provider
// configured by the standard OTEL_* variables (an OTLP/gRPC exporter, off
// by default), the HTTP server span of each request, the spans around the
// calls the host makes to plugins and around the callbacks plugins make to
// the host, the trace context carried by events, and the spans plugins
// return, which it exports on their behalf. Log lines of a traced request
// carry its trace_id and span_id (LogFields).
//
// With tracing off the global tracer provider is OpenTelemetry's no-op one
// and every function here costs a context lookup. It must not know about
// verticals, routes or tables: names come from its callers.
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the host's spans.
const ScopeName = "github.com/nexuspos/nexus/host"

// ServiceName is the default service.name of the host's spans
// (OTEL_SERVICE_NAME overrides it); a plugin's spans are reported under
// PluginServicePrefix and the vertical's name.
const ServiceName = "nexus"

// PluginServicePrefix prefixes the service.name of a plugin's spans.
const PluginServicePrefix = "nexus-vertical-"

// tracer starts the host's spans. It is bound to the global provider,
// so Install takes effect for it too.
var tracer = otel.Tracer(ScopeName)

// propagator reads and writes W3C traceparent and tracestate.
var propagator = propagation.TraceContext{}

// exporter receives the spans plugins return; nil while tracing is off.
var exporter atomic.Pointer[pluginSpans]

// pluginSpans is where plugins' spans go: the processor of the host's own
// spans, with the resource they are reported under.
type pluginSpans struct {
	processor sdktrace.SpanProcessor
	resource  *resource.Resource
}

// Enabled reports whether the environment turns tracing on: OTEL_SDK_DISABLED
// is not "true", and OTEL_TRACES_EXPORTER is "otlp", or unset while an
// OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. "none" or nothing at all
// leaves it off; any other exporter is an error, as is an OTLP protocol
// other than grpc.
func Enabled(getenv func(string) string) (bool, error) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false, nil
	}
	on := false
	switch exp := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exp {
	case "":
		on = getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	case "none":
	case "otlp":
		on = true
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: the host exports traces with otlp only (or none)", exp)
	}
	if !on {
		return false, nil
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	if protocol != "" && protocol != "grpc" {
		return false, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: the host exports traces over grpc only", protocol)
	}
	return true, nil
}

// Setup configures tracing from the environment (see Enabled). When it is
// on, spans go in batches (OTEL_BSP_*) to the OTLP/gRPC endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, ...), sampled
// as OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG say (parent-based,
// always on, by default), under the resource of OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES. The returned function flushes and stops the
// exporter; it does nothing when tracing is off.
func Setup(ctx context.Context) (enabled bool, shutdown func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if enabled, err = Enabled(os.Getenv); err != nil || !enabled {
		return false, noop, err
	}
	exp, err := otlptracegrpc.New(ctx)
	if err != nil {
		return false, noop, fmt.Errorf("tracing: otlp exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", ServiceName)), resource.WithFromEnv())
	if err != nil {
		return false, noop, fmt.Errorf("tracing: resource: %w", err)
	}
	bsp := sdktrace.NewBatchSpanProcessor(exp)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(bsp), sdktrace.WithResource(res))
	Install(tp, bsp, res)
	return true, func(ctx context.Context) error {
		exporter.Store(nil)
		return tp.Shutdown(ctx)
	}, nil
}

// Install makes tp the global tracer provider and sp the processor the
// spans of plugins go to, reported under res with the plugin's service
// name. Setup calls it; tests call it with an in-memory exporter.
func Install(tp trace.TracerProvider, sp sdktrace.SpanProcessor, res *resource.Resource) {
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	exporter.Store(&pluginSpans{processor: sp, resource: res})
}

// LogFields are the log fields naming ctx's trace and span ("trace_id",
// "span_id"), none when ctx carries no span context.
func LogFields(ctx context.Context) []any {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []any{"trace_id", sc.TraceID().String(), "span_id", sc.SpanID().String()}
}

// Start starts a span named name as a child of ctx's, of the given kind.
func Start(ctx context.Context, name string, kind trace.SpanKind, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return tracer.Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}
