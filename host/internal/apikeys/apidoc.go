package apikeys

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the routes Routes mounts, relative to /api/v1/companies.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/{id}/api-keys", Summary: "Create an API key for a machine client; the answer holds the key, this once (admin)",
		Request: NewKey{}, Response: Created{}, Status: http.StatusCreated},
	{Method: http.MethodGet, Pattern: "/{id}/api-keys", Summary: "The company's API keys with their last use, newest first (admin)",
		Query: []string{"limit", "cursor"}, Response: httpx.Page[Key]{}},
	{Method: http.MethodDelete, Pattern: "/{id}/api-keys/{keyID}", Summary: "Revoke an API key at once (admin)", Status: http.StatusNoContent},
}
