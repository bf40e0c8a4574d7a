package auth

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/login", Summary: "Log in with email and password; company_id picks the company (default: the first)",
		Request: loginRequest{}, Response: TokenPair{}, Public: true},
	{Method: http.MethodPost, Pattern: "/refresh", Summary: "Trade a refresh token for a new token pair (the old one is spent)",
		Request: refreshRequest{}, Response: TokenPair{}, Public: true},
	{Method: http.MethodPost, Pattern: "/logout", Summary: "End the refresh token's session",
		Request: refreshRequest{}, Status: http.StatusNoContent, Public: true},
	{Method: http.MethodPost, Pattern: "/switch-company", Summary: "A token pair for another company of the caller",
		Request: switchCompanyRequest{}, Response: TokenPair{}},
	{Method: http.MethodGet, Pattern: "/me", Summary: "The caller, the token's company and role, and every company of the caller",
		Response: meResponse{}},
}
