package sdktest

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
)

// Deliver hands ev to the vertical's subscription named subscription, as
// the host delivers an event: for the harness's company (ev.CompanyID must
// be empty or that company's; use WithCompany for another), with its
// configuration, in
// a unit of work of its own that commits when the handler returns nil and
// rolls back otherwise. Events the handler publishes are recorded (Events)
// once it commits. Deliver returns the handler's error; ev.ID defaults to a
// fresh id and ev.Attempt to 1. Deliver one of the harness's committed
// events (Events) to follow the flow a request starts.
func (h *Harness) Deliver(subscription string, ev sdk.Event) error {
	h.t.Helper()
	if ev.ID == "" {
		ev.ID = uuid.NewString()
	}
	switch ev.CompanyID {
	case "":
		ev.CompanyID = h.company.ID
	case h.company.ID:
	default:
		return fmt.Errorf("sdktest: event of company %s delivered through a harness of company %s (use WithCompany)", ev.CompanyID, h.company.ID)
	}
	if ev.Attempt == 0 {
		ev.Attempt = 1
	}
	known := false
	for _, s := range h.manifest.GetSubscriptions() {
		known = known || s.GetName() == subscription
	}
	if !known {
		return fmt.Errorf("sdktest: the vertical has no subscription %q", subscription)
	}
	ctx := context.Background()
	// The host runs event handlers as the company's owner (no user).
	p := sdk.Principal{CompanyID: ev.CompanyID, Role: sdk.RoleOwner}
	callID, cl := h.host.begin(uuid.NewString(), p)
	c := h.company
	_, err := h.server.HandleEvent(ctx, &nexusv1.EventRequest{
		CallId: callID, Subscription: subscription, Id: ev.ID, Topic: ev.Topic, CompanyId: ev.CompanyID,
		Payload: ev.Payload, OccurredAtUnixNano: ev.OccurredAt.UnixNano(), RequestId: ev.RequestID,
		Attempt: int32(ev.Attempt), SchemaVersion: int32(ev.SchemaVersion),
		Company: &nexusv1.Company{Id: c.ID, Name: c.Name, Country: c.Country, Currency: c.Currency, Timezone: c.Timezone, TaxId: c.TaxID},
		Config:  h.config,
	})
	if endErr := h.host.end(ctx, callID, cl, err == nil); endErr != nil {
		return errors.Join(err, fmt.Errorf("sdktest: end the event's unit of work: %w", endErr))
	}
	return err
}
