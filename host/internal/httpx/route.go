package httpx

import (
	"context"

	"github.com/go-chi/chi/v5"
)

// routeKey is the context key of a request's route slot.
type routeKey struct{}

// WithRoute returns ctx with a slot for the template of the route serving
// the request: ctx itself when it has one already, so the metrics and the
// tracing middlewares read the one template (Route). The slot stays empty
// unless a handler sets it (SetRoute).
func WithRoute(ctx context.Context) context.Context {
	if _, ok := ctx.Value(routeKey{}).(*string); ok {
		return ctx
	}
	return context.WithValue(ctx, routeKey{}, new(string))
}

// SetRoute names the route template of ctx's request, for a handler that
// routes below the template chi matched (a vertical's routes below
// /api/v1/verticals/{vertical}/*): its own template, never the raw path.
// Without a slot (no middleware reads it) it does nothing.
func SetRoute(ctx context.Context, template string) {
	if slot, ok := ctx.Value(routeKey{}).(*string); ok {
		*slot = template
	}
}

// Route is the template of the route that served ctx's request: the one a
// handler set (SetRoute), else the pattern chi matched, else "".
func Route(ctx context.Context) string {
	if slot, ok := ctx.Value(routeKey{}).(*string); ok && *slot != "" {
		return *slot
	}
	return chi.RouteContext(ctx).RoutePattern()
}
