package plugins

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// subscribe registers the subscriptions a vertical's manifest declares with
// the event bus. Their handler finds the vertical's current process at each
// delivery, so restarts are transparent.
func (m *Manager) subscribe(ctx context.Context, v *vertical, man *nexusv1.Manifest) error {
	if m.cfg.Events == nil || len(man.GetSubscriptions()) == 0 {
		return nil
	}
	subs := make([]events.Subscription, 0, len(man.GetSubscriptions()))
	for _, s := range man.GetSubscriptions() {
		subs = append(subs, events.Subscription{
			Vertical: hostcall.SchemaName(v.name), Name: s.GetName(), Pattern: s.GetPattern(),
			Concurrency: int(s.GetConcurrency()), Handler: m.eventHandler(v, s.GetName()),
		})
	}
	return m.cfg.Events.Register(ctx, subs...)
}

// eventHandler delivers events of one subscription to the vertical, inside
// the unit of work the bus opened for the event's company.
func (m *Manager) eventHandler(v *vertical, sub string) events.Handler {
	return func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
		proc, done, ok := v.acquire()
		if !ok {
			return fmt.Errorf("vertical %s is not running", v.name)
		}
		defer done()
		var tenant Tenant
		if m.cfg.Tenant != nil {
			var err error
			if tenant, err = m.cfg.Tenant(ctx, ev.CompanyID, v.name); err != nil {
				return fmt.Errorf("event %s: %w", ev.ID, err)
			}
		}
		// Event handlers act for the company itself, with an owner's rights
		// and no user.
		p := auth.Principal{CompanyID: ev.CompanyID, Role: auth.RoleOwner}
		callID, cl := m.calls.BeginIn(v.name, proc.data, ev.RequestID, p, u)
		defer m.calls.Forget(callID)
		_, err := proc.api.HandleEvent(ctx, &nexusv1.EventRequest{
			CallId:             callID,
			Subscription:       sub,
			Id:                 ev.ID.String(),
			Topic:              ev.Topic,
			CompanyId:          ev.CompanyID.String(),
			Payload:            ev.Payload,
			OccurredAtUnixNano: ev.OccurredAt.UnixNano(),
			RequestId:          ev.RequestID,
			Attempt:            int32(attempt),
			SchemaVersion:      int32(ev.SchemaVersion),
			Company:            companyToProto(tenant.Company),
			Config:             tenant.Config,
		})
		if err != nil {
			return fmt.Errorf("vertical %s, subscription %s: %w", v.name, sub, err)
		}
		// The handler's cache invalidations commit with the bus's unit.
		b := &pgx.Batch{}
		cl.JournalInvalidations(b)
		if err := cl.Send(ctx, b); err != nil {
			return fmt.Errorf("vertical %s, subscription %s: journal cache invalidations: %w", v.name, sub, err)
		}
		return nil
	}
}
