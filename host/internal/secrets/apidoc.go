package secrets

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// putBody is the body of PUT .../secrets/{key}.
type putBody struct {
	Value string `json:"value"`
}

// Docs describe the routes Routes mounts, relative to /api/v1/companies.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/{id}/verticals/{name}/secrets", Summary: "A vertical's secrets: names and update times, never values (admin)",
		Response: httpx.Page[Secret]{}},
	{Method: http.MethodPut, Pattern: "/{id}/verticals/{name}/secrets/{key}", Summary: "Store a vertical's secret for the company, sealed (admin)",
		Request: putBody{}, Status: http.StatusNoContent},
	{Method: http.MethodDelete, Pattern: "/{id}/verticals/{name}/secrets/{key}", Summary: "Delete a vertical's secret (admin)",
		Status: http.StatusNoContent},
}
