package tenancy

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// SQLSTATE codes the package reacts to.
const (
	sqlStateUniqueViolation     = "23505"
	sqlStateForeignKeyViolation = "23503"
)

func isSQLState(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func errCompanyNotFound() *httpx.Error {
	return httpx.NotFound("company_not_found", "company not found")
}

func errMemberNotFound() *httpx.Error {
	return httpx.NotFound("member_not_found", "member not found")
}

func errVerticalNotFound(name string) *httpx.Error {
	return httpx.NotFound("vertical_not_found", fmt.Sprintf("vertical %q is not installed", name)).
		WithDetails(map[string]any{"vertical": name})
}

func errCompanyExists(country, taxID string) *httpx.Error {
	return httpx.Conflict("company_exists", fmt.Sprintf("a company with tax id %s already exists in %s", taxID, country)).
		WithDetails(map[string]any{"country": country, "tax_id": taxID})
}

func errMemberExists() *httpx.Error {
	return httpx.Conflict("member_exists", "the user is already a member of this company")
}

func errLastOwner() *httpx.Error {
	return httpx.Conflict("last_owner", "a company must keep at least one owner")
}

// errInvalid is a 422 about one input field.
func errInvalid(code, field, message string) *httpx.Error {
	return httpx.Unprocessable(code, message).WithDetails(map[string]any{"field": field})
}

func errInvalidRole(s string) *httpx.Error {
	return errInvalid("invalid_role", "role",
		fmt.Sprintf("role %q is not one of owner, admin, manager, cashier, viewer", s))
}

func errInsufficientRole(required, actual auth.Role) *httpx.Error {
	return httpx.Forbidden("insufficient_role", fmt.Sprintf("this requires the %s role", required)).
		WithDetails(map[string]any{"required": string(required), "actual": string(actual)})
}

func errPlatformAdminRequired() *httpx.Error {
	return httpx.Forbidden("platform_admin_required", "this requires a platform administrator")
}

func errConfigNotObject() *httpx.Error {
	return httpx.BadRequest("invalid_json", "vertical config must be a JSON object")
}

func errInvitationNotFound() *httpx.Error {
	return httpx.NotFound("invitation_not_found", "invitation not found")
}

// errInvitationGone is a 410 for a token that can no longer be used; code
// says why (invitation_accepted, invitation_revoked, invitation_expired).
func errInvitationGone(code, message string) *httpx.Error {
	return httpx.NewError(kind.Gone, code, message)
}

func errInvitationAccepted() *httpx.Error {
	return httpx.Conflict("invitation_accepted", "the invitation was accepted; remove the member instead")
}

func errInvitationEmailMismatch() *httpx.Error {
	return httpx.Forbidden("invitation_email_mismatch",
		"this invitation is for another email address; log in as the invited address to accept it")
}

func errLoginRequired() *httpx.Error {
	return httpx.NewError(kind.Unauthenticated, "login_required",
		"an account with the invited email exists: log in as it and accept the invitation with your token")
}

func errCompanyInactive() *httpx.Error {
	return httpx.Forbidden("company_inactive", "company is inactive")
}

func errMissingField(field string) *httpx.Error {
	return httpx.BadRequest("missing_field", "field "+field+" is required").
		WithDetails(map[string]any{"field": field})
}

// errUnexpectedField refuses a field that would be ignored: a logged-in
// invitee's account keeps its password and name.
func errUnexpectedField(field string) *httpx.Error {
	return httpx.BadRequest("unexpected_field",
		"field "+field+" is only for creating an account; your existing account keeps its own").
		WithDetails(map[string]any{"field": field})
}
