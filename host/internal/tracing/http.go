package tracing

import (
	"context"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Middleware records the server span of each request, a child of the
// client's when the request carries a traceparent, and named after the
// route template ("POST /api/v1/companies/{id}/verticals/{vertical}"), as
// chi matched it or as a handler set it (httpx.SetRoute), with the status,
// both read from the request's httpx.Response. withLogger receives the
// request's context and the log fields of its span, to tag the request's
// logger. It must run inside the chi router.
func Middleware(withLogger func(ctx context.Context, fields ...any) context.Context) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if exporter.Load() == nil {
				next.ServeHTTP(w, r)
				return
			}
			res, w, r := httpx.Observe(w, r)
			ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
			ctx, span := tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
			defer span.End()
			if span.SpanContext().IsValid() {
				ctx = withLogger(ctx, LogFields(ctx)...)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
			status := res.Status()
			if template := res.Route(); template != "" {
				span.SetName(r.Method + " " + template)
				span.SetAttributes(attribute.String("http.route", template))
			}
			span.SetAttributes(attribute.Int("http.response.status_code", status))
			if status >= http.StatusInternalServerError {
				span.SetStatus(codes.Error, strconv.Itoa(status))
			}
		})
	}
}
