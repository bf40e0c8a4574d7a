package auth

import (
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Errors shown to API clients. Unknown email and wrong password share
// errInvalidCredentials so that a client cannot tell them apart.
var (
	errInvalidCredentials = httpx.NewError(kind.Unauthenticated, "invalid_credentials", "invalid email or password")
	errInvalidRefresh     = httpx.Unauthorized("invalid or expired refresh token")
	errSessionEnded       = httpx.Unauthorized("session has ended; log in again")
	errMissingToken       = httpx.Unauthorized("missing bearer token")
	errBadToken           = httpx.Unauthorized("invalid or expired access token")
	errCompanyNotFound    = httpx.NotFound("company_not_found", "company not found")
	errCompanyInactive    = httpx.Forbidden("company_inactive", "company is inactive")
	errNoCompany          = httpx.Forbidden("no_company", "user belongs to no company")
	errAdminRequired      = httpx.Forbidden("platform_admin_required", "platform admin required")
	errUserExists         = httpx.Conflict("user_exists", "a user with this email exists and is not a platform admin")
)

func errRateLimited() *httpx.Error {
	return httpx.NewError(kind.RateLimited, "rate_limited", "too many login attempts; retry later")
}

func errMissingField(field string) *httpx.Error {
	return httpx.BadRequest("missing_field", "field "+field+" is required").
		WithDetails(map[string]any{"field": field})
}

func errInvalidField(field, message string) *httpx.Error {
	return httpx.BadRequest("invalid_field", message).WithDetails(map[string]any{"field": field})
}

func errInsufficientRole(required, actual Role) *httpx.Error {
	return httpx.Forbidden("insufficient_role", "role "+string(required)+" or higher required").
		WithDetails(map[string]any{"required": required, "actual": actual})
}
