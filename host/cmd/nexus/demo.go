package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/tenancy"
	"github.com/nexuspos/nexus/sdk/kind"
)

// The demo company `make run` prepares. The RFC is the SAT's published
// test taxpayer, so it passes validation without being anyone's.
const (
	demoCompany       = "Demo Abarrotes SA de CV"
	demoRFC           = "EKU9003173C9"
	demoOwnerEmail    = "owner@demo.nexus.local"
	demoOwnerPassword = "demo-owner-2026"
	// The platform admin a development host (NEXUS_ENV=dev) creates for
	// the demo when it has none.
	demoAdminEmail    = "admin@demo.nexus.local"
	demoAdminPassword = "demo-admin-2026"
)

// Demo data: how many business transactions a vertical the demo company
// enables for the first time generates through its Seeder, over how many
// days before today. Enough for the dashboard, the reports and the POS to
// show something, little enough for `make run` to start in seconds.
const (
	demoTransactions = 300
	demoDays         = 30
)

// seedDemo creates (once) the demo company with an owner, enables for it
// every running vertical it never had, with the configuration the
// vertical's schema gives as its example, has each vertical it enables
// seed its demo data (sdk.Seeder), and prints how to log in. A vertical the
// company has already configured (or disabled) is left as it is, so a
// restart keeps its configuration and its data.
func (p *platform) seedDemo(ctx context.Context) error {
	var id uuid.UUID
	err := p.pool.QueryRow(ctx, `SELECT id FROM companies WHERE country = 'MX' AND tax_id = $1`, demoRFC).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		c, _, err := p.tenancy.CreateCompany(ctx, tenancy.NewCompany{
			Name: demoCompany, Country: "MX", Currency: "MXN", TaxID: demoRFC, Timezone: "America/Mexico_City",
		})
		if err != nil {
			return fmt.Errorf("create company: %w", err)
		}
		id = c.ID
	case err != nil:
		return fmt.Errorf("find the demo company: %w", err)
	}
	_, _, err = p.tenancy.AddMember(ctx, id, demoOwnerEmail, demoOwnerPassword, auth.RoleOwner)
	var apiErr *httpx.Error
	if err != nil && !(errors.As(err, &apiErr) && apiErr.Kind == kind.Conflict) {
		return fmt.Errorf("add owner: %w", err)
	}
	if err := p.enableDemoVerticals(ctx, id); err != nil {
		return err
	}
	admin, err := p.demoAdmin(ctx)
	if err != nil {
		return err
	}
	base := p.cfg.HTTPAddr
	if strings.HasPrefix(base, ":") {
		base = "localhost" + base
	}
	fmt.Printf(`
  Nexus demo company ready: %s (id %s)
  Log in as its owner:
    curl -s http://%s/api/v1/auth/login -H 'Content-Type: application/json' \
      -d '{"email":"%s","password":"%s"}'
  then call e.g. GET /api/v1/verticals/hello/greetings/world with
    -H "Authorization: Bearer <access_token>"
  Platform admin: %s

`, demoCompany, id, base, demoOwnerEmail, demoOwnerPassword, admin)
	return nil
}

// enableDemoVerticals enables for the demo company each running vertical
// it has no configuration of yet, and has the vertical seed its demo data.
func (p *platform) enableDemoVerticals(ctx context.Context, companyID uuid.UUID) error {
	had, err := p.tenancy.ListVerticals(ctx, companyID)
	if err != nil {
		return fmt.Errorf("list the demo company's verticals: %w", err)
	}
	known := map[string]bool{}
	for _, v := range had {
		known[v.Name] = true
	}
	ownerCtx := auth.WithPrincipal(ctx, auth.Principal{CompanyID: companyID, Role: auth.RoleOwner, Email: demoOwnerEmail})
	for _, v := range p.plugins.List() {
		if !v.Serving() || known[v.Name] {
			continue
		}
		config := exampleConfig(p.plugins.ConfigSchema(v.Name))
		if _, err := p.tenancy.EnableVertical(ownerCtx, companyID, v.Name, config); err != nil {
			p.log.Warn("demo: could not enable vertical", "vertical", v.Name, "error", err)
			continue
		}
		if err := p.seedDemoVertical(ctx, companyID, v.Name, config); err != nil {
			p.log.Warn("demo: could not seed vertical", "vertical", v.Name, "error", err)
		}
	}
	return nil
}

// seedDemoVertical asks vertical name to generate the demo company's data
// through the seeding contract every vertical may implement (sdk.Seeder),
// as `nexus seed` does, with the demo owner as its only member. A vertical
// that does not seed is left empty.
func (p *platform) seedDemoVertical(ctx context.Context, companyID uuid.UUID, name string, config json.RawMessage) error {
	c, err := p.tenancy.GetCompany(ctx, companyID)
	if err != nil {
		return fmt.Errorf("read the demo company: %w", err)
	}
	var ownerID uuid.UUID
	if err := p.pool.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, demoOwnerEmail).Scan(&ownerID); err != nil {
		return fmt.Errorf("find the demo owner: %w", err)
	}
	in := plugins.SeedInput{Seed: 1, Transactions: demoTransactions, Days: demoDays, End: time.Now(),
		Members: []plugins.SeedMember{{UserID: ownerID, Email: demoOwnerEmail, Role: auth.RoleOwner}}}
	pc := plugins.Company{ID: c.ID, Name: c.Name, Country: c.Country, Currency: c.Currency, Timezone: c.Timezone, TaxID: c.TaxID}
	rows, seeded, err := p.plugins.Seed(ctx, name, pc, config, in)
	if err != nil {
		return err
	}
	if seeded {
		var n int64
		for _, k := range rows {
			n += k
		}
		p.log.Info("demo: seeded vertical", "vertical", name, "rows", n)
	}
	return nil
}

// exampleConfig returns the first of the "examples" a vertical's
// configuration schema (JSON Schema) gives, or {} when it gives none that
// is a JSON object.
func exampleConfig(schema string) json.RawMessage {
	var s struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal([]byte(schema), &s); err == nil && len(s.Examples) > 0 {
		if ex := bytes.TrimSpace(s.Examples[0]); len(ex) > 0 && ex[0] == '{' {
			return ex
		}
	}
	return json.RawMessage(`{}`)
}

// demoAdmin tells how to log in as a platform admin. A development host
// (NEXUS_ENV=dev) with none creates the demo's; no other host creates one.
func (p *platform) demoAdmin(ctx context.Context) (string, error) {
	rows, err := p.pool.Query(ctx, `SELECT email FROM users WHERE platform_admin ORDER BY email`)
	if err != nil {
		return "", fmt.Errorf("list platform admins: %w", err)
	}
	admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("list platform admins: %w", err)
	}
	if len(admins) == 0 && p.cfg.Dev() {
		if _, _, err := p.auth.CreateAdmin(ctx, demoAdminEmail, demoAdminPassword); err != nil {
			return "", fmt.Errorf("create the demo platform admin: %w", err)
		}
		p.log.Info("created the demo platform admin (NEXUS_ENV=dev)", "email", demoAdminEmail)
		admins = []string{demoAdminEmail}
	}
	switch {
	case p.cfg.Dev() && slices.Contains(admins, demoAdminEmail):
		return fmt.Sprintf(`{"email":"%s","password":"%s"}`, demoAdminEmail, demoAdminPassword), nil
	case p.cfg.AdminEmail != "":
		return p.cfg.AdminEmail + " (password: NEXUS_BOOTSTRAP_ADMIN_PASSWORD)", nil
	case len(admins) == 0:
		return "none yet; create one with `nexus admin create --email E --password P`", nil
	default:
		return strings.Join(admins, ", "), nil
	}
}
