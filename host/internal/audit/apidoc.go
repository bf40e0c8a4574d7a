package audit

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the route Routes mounts, relative to /api/v1/companies.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/{id}/audit", Summary: "The company's audit log, newest first (admin)",
		Query: []string{"action", "actor", "since", "until", "limit", "cursor"}, Response: httpx.Page[Row]{}},
}
