package httpx

import "context"

// routeKey is the context key of a request's route slot.
type routeKey struct{}

// WithRouteSlot returns ctx with an empty slot for the template of the
// route a request is served by, and the slot. The metrics middleware
// makes one per request.
func WithRouteSlot(ctx context.Context) (context.Context, *string) {
	slot := new(string)
	return context.WithValue(ctx, routeKey{}, slot), slot
}

// RouteSlot returns ctx's route slot, or nil when nothing reads it. A
// handler that routes below the host's router (a vertical's routes)
// writes the template of the route it chose there, never the raw path.
func RouteSlot(ctx context.Context) *string {
	slot, _ := ctx.Value(routeKey{}).(*string)
	return slot
}
