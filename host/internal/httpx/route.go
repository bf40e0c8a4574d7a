package httpx

import "context"

// routeKey is the context key of a request's route slot.
type routeKey struct{}

// WithRoute returns ctx with a slot for the template of the route serving
// the request, and the slot: ctx's own when it has one already, so the
// metrics and the tracing middlewares read the one template. The slot
// stays empty unless a handler sets it (SetRoute); the middlewares then
// take chi's route pattern.
func WithRoute(ctx context.Context) (context.Context, *string) {
	if slot, ok := ctx.Value(routeKey{}).(*string); ok {
		return ctx, slot
	}
	slot := new(string)
	return context.WithValue(ctx, routeKey{}, slot), slot
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
