// Package tenancy owns companies (the platform's tenants), their members and
// roles, the invitations through which people join them, and which
// verticals each company has enabled with what configuration. It serves
// /api/v1/companies and /api/v1/invitations and exposes the same operations
// as plain methods for the host's seed and admin commands.
//
// Memberships, invitations and company_verticals are tenant tables: every
// company-scoped read, and every write of invitations and
// company_verticals, goes through store.TenantTx (or dal.EnterTenant), so
// row-level security confines it to that company on top of the explicit
// filters. Members are added, changed and removed on the owner's
// connection, each statement naming its company, because the tenant role
// may only read them (host migration 0011). Companies and users have no
// company_id and are read through the pool directly, as is the one lookup
// of an invitation by its token, which names no company.
//
// The package must not issue tokens or check passwords (package auth does;
// a new invitee's session comes from the Sessions it is given), talk to
// plugins (it asks the Verticals it is given), or read any vertical's own
// tables.
package tenancy

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/auth"
)

// Verticals is what tenancy needs from the plugin runtime.
type Verticals interface {
	// Known reports whether a vertical named name is installed.
	Known(name string) bool
	// Configure validates config for company c and provisions what the
	// vertical needs for it. Its errors are *httpx.Error (422
	// invalid_config with details, 503 vertical_unavailable) and are
	// returned to the client unchanged.
	Configure(ctx context.Context, name string, c Company, config json.RawMessage) error
}

// Company is a tenant.
type Company struct {
	ID       uuid.UUID `json:"id"`
	Name     string    `json:"name"`
	Country  string    `json:"country"`
	Currency string    `json:"currency"`
	// TaxID is the normalized RFC (MX) or CUIT (AR).
	TaxID     string    `json:"tax_id"`
	Timezone  string    `json:"timezone"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NewCompany is the input of CreateCompany; it is also the exact body of
// POST /api/v1/companies.
type NewCompany struct {
	Name    string `json:"name"`
	Country string `json:"country"`
	// Currency defaults to the country's (MXN for MX, ARS for AR) and must
	// match it when given.
	Currency string `json:"currency"`
	TaxID    string `json:"tax_id"`
	// Timezone is an IANA zone name; it defaults to the country's capital.
	Timezone string `json:"timezone"`
}

// CompanyUpdate holds the fields of a company that may change; nil leaves a
// field as it is.
type CompanyUpdate struct {
	Name     *string `json:"name"`
	Timezone *string `json:"timezone"`
}

// Member is a user's membership in one company.
type Member struct {
	UserID    uuid.UUID `json:"user_id"`
	Email     string    `json:"email"`
	Role      auth.Role `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Vertical is one vertical's state for a company. A disabled vertical keeps
// its configuration and its data.
type Vertical struct {
	Name       string          `json:"name"`
	Enabled    bool            `json:"enabled"`
	Config     json.RawMessage `json:"config"`
	EnabledAt  *time.Time      `json:"enabled_at"`
	DisabledAt *time.Time      `json:"disabled_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// Service manages companies, memberships and vertical enablement.
type Service struct {
	pool      *pgxpool.Pool
	verticals Verticals
	log       hclog.Logger
	hash      func(password string) (string, error)
	onChange  func(ctx context.Context, companyID uuid.UUID)
}

// OnChange registers fn to be called after a company's settings or its
// verticals change (to invalidate caches of Access). Call it before serving.
func (s *Service) OnChange(fn func(ctx context.Context, companyID uuid.UUID)) { s.onChange = fn }

func (s *Service) changed(ctx context.Context, companyID uuid.UUID) {
	if s.onChange != nil {
		s.onChange(ctx, companyID)
	}
}

// NewService returns a Service on pool. verticals may be nil when no plugin
// runtime is running: every vertical is then unknown. A nil log discards
// messages.
func NewService(pool *pgxpool.Pool, verticals Verticals, log hclog.Logger) *Service {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	if verticals == nil {
		verticals = noVerticals{}
	}
	return &Service{pool: pool, verticals: verticals, log: log, hash: auth.HashPassword}
}

// noVerticals is the Verticals of a host without a plugin runtime.
type noVerticals struct{}

func (noVerticals) Known(string) bool { return false }

func (noVerticals) Configure(context.Context, string, Company, json.RawMessage) error {
	return errVerticalNotFound("")
}
