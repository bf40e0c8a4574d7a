package plugins

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/tracing"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Company is the company a vertical is configured for.
type Company struct {
	ID       uuid.UUID
	Name     string
	Country  string
	Currency string
	Timezone string
	TaxID    string
}

// ConfigSchema returns the JSON Schema of the per-company configuration
// that the running vertical name declares in its manifest, or "" when it
// declares none or is not running.
func (m *Manager) ConfigSchema(name string) string {
	v, ok := m.get(name)
	if !ok {
		return ""
	}
	proc, ok := v.running()
	if !ok {
		return ""
	}
	return proc.manifest.GetConfigSchema()
}

// Configure asks the vertical to validate config for company c and to
// provision what it needs. A refused configuration is a 422 invalid_config
// listing the vertical's messages; a vertical that is down is a 503.
func (m *Manager) Configure(ctx context.Context, name string, c Company, config json.RawMessage) error {
	v, ok := m.get(name)
	if !ok {
		return httpx.NotFound("vertical_not_found", "no vertical named "+name)
	}
	proc, done, ok := v.acquire()
	if !ok {
		return httpx.Unavailable("vertical_unavailable", "vertical "+name+" is not available right now")
	}
	defer done()
	callID, cl := m.calls.Begin(name, proc.data, httpx.RequestID(ctx), principalOf(ctx, c.ID), m.cfg.Pool)
	res, err := proc.api.ConfigureCompany(ctx, &nexusv1.ConfigureCompanyRequest{
		CallId: callID,
		Company: &nexusv1.Company{
			Id: c.ID.String(), Name: c.Name, Country: c.Country,
			Currency: c.Currency, Timezone: c.Timezone, TaxId: c.TaxID,
		},
		Config: config,
	})
	if err != nil {
		_ = m.calls.End(ctx, callID, cl, false)
		m.log.Error("configure company failed", append([]any{"vertical", name, "company_id", c.ID, "request_id", httpx.RequestID(ctx), "error", err},
			tracing.LogFields(ctx)...)...)
		return httpx.NewError(kind.BadGateway, "vertical_error",
			"the vertical failed to configure the company: "+status.Convert(err).Message())
	}
	if len(res.GetErrors()) > 0 {
		_ = m.calls.End(ctx, callID, cl, false)
		return httpx.Unprocessable("invalid_config", "the vertical refused the configuration").
			WithDetails(map[string]any{"errors": res.GetErrors()})
	}
	if err := m.calls.End(ctx, callID, cl, true); err != nil {
		return commitError(err)
	}
	return nil
}

// principalOf returns the caller, scoped to companyID (a platform admin
// configuring a company acts in it).
func principalOf(ctx context.Context, companyID uuid.UUID) auth.Principal {
	p, _ := auth.FromContext(ctx)
	p.CompanyID = companyID
	return p
}
