package plugins

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/httpx"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// applyEffects takes the events and cache invalidations that a vertical
// returned with its response (RouteRequest.defer_effects) into the call's
// unit of work, exactly as its Publish and CacheInvalidate callbacks would
// have: one round trip to the plugin serves the whole request.
// The outbox rows are queued in b, which the caller sends.
func (h *hostService) applyEffects(ctx context.Context, b *pgx.Batch, cl *call, res *nexusv1.RouteResponse) error {
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

// effectsFailed answers a request whose returned effects the host could not
// apply: the vertical's mistakes (a foreign topic, a bad cache key) are its
// error, a missing service is unavailable.
func (m *Manager) effectsFailed(w http.ResponseWriter, r *http.Request, v *vertical, err error) {
	st := status.Convert(err)
	if st.Code() == codes.Unavailable {
		reason := "service_unavailable"
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() != "" {
				reason = info.GetReason()
			}
		}
		httpx.WriteError(w, r, httpx.Unavailable(reason, st.Message()))
		return
	}
	httpx.Logger(r.Context()).Error("applying a vertical's effects failed", "vertical", v.name, "error", err)
	httpx.WriteError(w, r, httpx.NewError(http.StatusBadGateway, "vertical_error", "the vertical's answer could not be applied"))
}
