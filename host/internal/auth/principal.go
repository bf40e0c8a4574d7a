package auth

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/internal/role"
)

// Role is a user's role in one company, or platform_admin for the operator.
type Role string

// Roles, from least to most privileged within a company. RolePlatformAdmin
// runs the platform and belongs to no company.
const (
	RoleViewer        Role = role.Viewer
	RoleCashier       Role = role.Cashier
	RoleManager       Role = role.Manager
	RoleAdmin         Role = role.Admin
	RoleOwner         Role = role.Owner
	RolePlatformAdmin Role = "platform_admin"
)

// ParseRole returns the company role named s; platform_admin is not a
// company role and is refused.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !role.Known(s) {
		return "", fmt.Errorf("unknown role %q", s)
	}
	return r, nil
}

// AtLeast reports whether r is a company role and min or more privileged
// (the order is internal/role's).
func (r Role) AtLeast(min Role) bool { return role.AtLeast(string(r), string(min)) }

// Principal is the authenticated caller of a request: a user, or a
// company's API key.
type Principal struct {
	// UserID is the user's id; for an API key it is the key's id (KeyID),
	// the id that records its actions.
	UserID uuid.UUID
	// Email is the user's email ("" for an API key).
	Email string
	// KeyID is the API key's id (uuid.Nil for a user), KeyName its name.
	KeyID   uuid.UUID
	KeyName string
	// CompanyID is the company the token is scoped to; uuid.Nil for a
	// platform admin acting outside any company.
	CompanyID uuid.UUID
	// Role is the caller's role in CompanyID, as stored now (not as it was
	// when the token was issued).
	Role Role
	// PlatformAdmin is true for platform operators.
	PlatformAdmin bool
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the request's principal, if authenticated.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// APIKey reports whether the caller is an API key rather than a user.
func (p Principal) APIKey() bool { return p.KeyID != uuid.Nil }

// AuditActor is the principal as the audit log names it.
func (p Principal) AuditActor() audit.Actor {
	if p.APIKey() {
		return audit.Actor{Kind: audit.ActorAPIKey, ID: p.KeyID, Label: p.KeyName}
	}
	return audit.Actor{Kind: audit.ActorUser, ID: p.UserID, Label: p.Email}
}
