package tenancy

import (
	"encoding/json"
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// pageQuery are the query parameters of every list.
var pageQuery = []string{"limit", "cursor"}

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/", Summary: "Create a company (platform admin)",
		Request: NewCompany{}, Response: createdCompany{}, Status: http.StatusCreated},
	{Method: http.MethodGet, Pattern: "/", Summary: "The companies the caller may see", Query: pageQuery,
		Response: httpx.Page[Company]{}},
	{Method: http.MethodGet, Pattern: "/{id}", Summary: "One company", Response: Company{}},
	{Method: http.MethodPatch, Pattern: "/{id}", Summary: "Change a company's name, time zone or settings (admin)",
		Request: CompanyUpdate{}, Response: Company{}},
	{Method: http.MethodPost, Pattern: "/{id}/activate", Summary: "Reactivate a company (platform admin)", Response: Company{}},
	{Method: http.MethodPost, Pattern: "/{id}/deactivate", Summary: "Deactivate a company: its tokens stop working (platform admin)", Response: Company{}},
	{Method: http.MethodGet, Pattern: "/{id}/members", Summary: "The company's members (admin)", Query: pageQuery,
		Response: httpx.Page[Member]{}},
	{Method: http.MethodPatch, Pattern: "/{id}/members/{userID}", Summary: "Change a member's role (admin; owner role: owner)",
		Request: setRoleRequest{}, Response: Member{}},
	{Method: http.MethodDelete, Pattern: "/{id}/members/{userID}", Summary: "Remove a member (admin)", Status: http.StatusNoContent},
	{Method: http.MethodPost, Pattern: "/{id}/invitations", Summary: "Invite someone by email with a role; the answer holds the one-time token (admin)",
		Request: NewInvitation{}, Response: createdInvitation{}, Status: http.StatusCreated},
	{Method: http.MethodGet, Pattern: "/{id}/invitations", Summary: "The company's invitations, newest first (admin)", Query: pageQuery,
		Response: httpx.Page[Invitation]{}},
	{Method: http.MethodGet, Pattern: "/{id}/invitations/{invID}", Summary: "One invitation (admin)", Response: Invitation{}},
	{Method: http.MethodDelete, Pattern: "/{id}/invitations/{invID}", Summary: "Revoke an invitation (admin)", Status: http.StatusNoContent},
	{Method: http.MethodGet, Pattern: "/{id}/verticals", Summary: "Every vertical the company ever enabled, with its configuration (admin)",
		Response: httpx.Page[Vertical]{}},
	{Method: http.MethodPut, Pattern: "/{id}/verticals/{name}", Summary: "Enable or reconfigure a vertical; the body is its configuration (admin)",
		Request: json.RawMessage{}, Response: Vertical{}},
	{Method: http.MethodDelete, Pattern: "/{id}/verticals/{name}", Summary: "Disable a vertical (admin)", Status: http.StatusNoContent},
}

// InvitationDocs describe the routes InvitationRoutes mounts.
var InvitationDocs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/accept", Public: true,
		Summary: "Accept an invitation: with a bearer token as that account, else creating the account (password, name) and answering a session",
		Request: acceptRequest{}, Response: acceptedInvitation{}, Status: http.StatusCreated},
}
