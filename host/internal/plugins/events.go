package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// OutboxPublisher publishes plugin events through the host's outbox.
func OutboxPublisher(svc *events.Service) Publisher {
	return func(ctx context.Context, b *pgx.Batch, companyID uuid.UUID, requestID string, out []*nexusv1.OutEvent) ([]string, error) {
		evs := make([]events.Event, len(out))
		ids := make([]string, len(out))
		for i, ev := range out {
			id := uuid.New()
			if ev.GetId() != "" {
				var err error
				if id, err = uuid.Parse(ev.GetId()); err != nil {
					return nil, fmt.Errorf("publish: event id: %w", err)
				}
			}
			evs[i] = events.Event{
				ID: id, CompanyID: companyID, Topic: ev.GetTopic(), RequestID: requestID,
				SchemaVersion: int(ev.GetSchemaVersion()), Payload: json.RawMessage(ev.GetPayload()),
			}
			ids[i] = id.String()
		}
		if err := events.Queue(ctx, b, evs...); err != nil {
			return nil, err
		}
		return ids, nil
	}
}

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
		proc, ok := v.running()
		if !ok {
			return fmt.Errorf("vertical %s is not running", v.name)
		}
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
		callID, cl := m.calls.begin(v.name, proc, ev.RequestID, p, nil)
		cl.unit = u
		defer m.calls.m.Delete(callID)
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
		cl.journalInvalidations(b)
		if err := sendIn(ctx, cl, b); err != nil {
			return fmt.Errorf("vertical %s, subscription %s: journal cache invalidations: %w", v.name, sub, err)
		}
		return nil
	}
}

// statusOf converts an error from a host service into the gRPC status the
// SDK turns back into the error envelope. A client error (4xx) or an
// unavailable service (503) keeps its exact HTTP status on the wire
// (wire.WithHTTPStatus), so the vertical answers with it unchanged.
func statusOf(err error) error {
	var he *httpx.Error
	if !errors.As(err, &he) || he.Status >= 500 && he.Status != http.StatusServiceUnavailable {
		return dal.Status(err)
	}
	st := dal.Status(&dal.Error{Code: wire.CodeOf(he.Status), Reason: he.Code, Message: he.Message, Details: he.Details})
	return wire.WithHTTPStatus(st, he.Status)
}
