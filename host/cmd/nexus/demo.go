package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/tenancy"
)

// The demo company `make run` prepares. The RFC is the SAT's published
// test taxpayer, so it passes validation without being anyone's.
const (
	demoCompany       = "Demo Abarrotes SA de CV"
	demoRFC           = "EKU9003173C9"
	demoOwnerEmail    = "owner@demo.nexus.local"
	demoOwnerPassword = "demo-owner-2026"
)

// seedDemo creates (once) the demo company with an owner, enables every
// running vertical for it and prints how to log in.
func (p *platform) seedDemo(ctx context.Context) error {
	var id uuid.UUID
	err := p.pool.QueryRow(ctx, `SELECT id FROM companies WHERE country = 'MX' AND tax_id = $1`, demoRFC).Scan(&id)
	if err != nil {
		c, _, err := p.tenancy.CreateCompany(ctx, tenancy.NewCompany{
			Name: demoCompany, Country: "MX", Currency: "MXN", TaxID: demoRFC, Timezone: "America/Mexico_City",
		})
		if err != nil {
			return fmt.Errorf("create company: %w", err)
		}
		id = c.ID
	}
	_, _, err = p.tenancy.AddMember(ctx, id, demoOwnerEmail, demoOwnerPassword, auth.RoleOwner)
	var apiErr *httpx.Error
	if err != nil && !(errors.As(err, &apiErr) && apiErr.Status == 409) {
		return fmt.Errorf("add owner: %w", err)
	}
	ownerCtx := auth.WithPrincipal(ctx, auth.Principal{CompanyID: id, Role: auth.RoleOwner, Email: demoOwnerEmail})
	for _, v := range p.plugins.List() {
		if v.State != "running" {
			continue
		}
		if _, err := p.tenancy.EnableVertical(ownerCtx, id, v.Name, json.RawMessage(`{}`)); err != nil {
			p.log.Warn("demo: could not enable vertical", "vertical", v.Name, "error", err)
		}
	}
	base := p.cfg.HTTPAddr
	if strings.HasPrefix(base, ":") {
		base = "localhost" + base
	}
	fmt.Printf(`
  Nexus demo company ready: %s (id %s)
  Log in:
    curl -s http://%s/api/v1/auth/login -H 'Content-Type: application/json' \
      -d '{"email":"%s","password":"%s"}'
  then call e.g. GET /api/v1/verticals/hello/greetings/world with
    -H "Authorization: Bearer <access_token>"

`, demoCompany, id, base, demoOwnerEmail, demoOwnerPassword)
	return nil
}
