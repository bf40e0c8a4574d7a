package reporting

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/mv/refresh", Query: []string{"force"}, Response: Result{},
		Summary: "Refresh the reporting views now (platform admin, or the company's owner or admin, rate limited)"},
	{Method: http.MethodGet, Pattern: "/mv/health", Summary: "How fresh the reporting views are", Response: Health{}},
	{Method: http.MethodGet, Pattern: "/mv/metrics", Summary: "Refresh trigger figures (platform admin)",
		Response: struct {
			Data []TriggerMetrics `json:"data"`
		}{}},
	{Method: http.MethodGet, Pattern: "/reports/revenue", Query: []string{"from", "to", "group_by"}, Response: RevenueReport{},
		Summary: "The company's revenue from every vertical, by day in its time zone (viewer)"},
}
