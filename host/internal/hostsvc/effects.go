package hostsvc

import (
	"context"

	"github.com/jackc/pgx/v5"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// ApplyEffects takes the events and cache invalidations that a vertical
// returned with its response (RouteRequest.defer_effects) into the call's
// unit of work, exactly as its Publish and CacheInvalidate callbacks would
// have: one round trip to the plugin serves the whole request.
// The outbox rows are queued in b, which the caller sends.
func (h *Service) ApplyEffects(ctx context.Context, b *pgx.Batch, cl *Call, res *nexusv1.RouteResponse) error {
	if evs := res.GetEvents(); len(evs) > 0 {
		if _, err := h.queuePublish(ctx, b, cl, evs); err != nil {
			return err
		}
	}
	if inv := res.GetInvalidate(); len(inv.GetKeys())+len(inv.GetTags()) > 0 {
		return h.invalidateFor(ctx, cl, inv)
	}
	return nil
}
