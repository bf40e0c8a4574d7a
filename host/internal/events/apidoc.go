package events

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/subscriptions", Response: httpx.Page[SubscriptionInfo]{},
		Summary: "Every subscription with its queue depth, retrying, in-flight and dead-letter counts (platform admin)"},
	{Method: http.MethodGet, Pattern: "/subscriptions/{name}/dead-letters", Query: []string{"limit", "cursor"},
		Response: httpx.Page[DeadLetter]{}, Summary: "A subscription's parked events, oldest first (platform admin)"},
	{Method: http.MethodPost, Pattern: "/subscriptions/{name}/dead-letters/{id}/replay", Status: http.StatusAccepted,
		Response: ReplayResult{}, Summary: "Deliver a parked event again, as a first attempt, and record it in the company's audit log (platform admin)"},
	{Method: http.MethodDelete, Pattern: "/subscriptions/{name}/dead-letters/{id}", Status: http.StatusNoContent,
		Summary: "Discard a parked event (platform admin)"},
}
