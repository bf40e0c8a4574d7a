package jobs

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/", Response: httpx.Page[Status]{},
		Summary: "Every scheduled job with its schedule, next run and last run's duration, attempts and error (platform admin)"},
	{Method: http.MethodPost, Pattern: "/{name}/run", Status: http.StatusAccepted, Response: map[string]string{},
		Summary: "Run a job now on this replica; its schedule is unchanged (platform admin)"},
}
