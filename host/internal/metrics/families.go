package metrics

// Family is a metric family of the host's own and its label names.
type Family struct {
	Name   string
	Type   string // counter, gauge or histogram
	Labels []string
}

// Families lists every family the host exports besides the Go runtime's
// (go_*) and the process's (nexus_process_*): the contract dashboards and
// alerts are written against. An end-to-end test holds a real host's
// /metrics to it, label sets included, so it cannot drift.
func Families() []Family {
	return []Family{
		{"nexus_http_request_duration_seconds", "histogram", []string{"route", "method", "status"}},
		{"nexus_http_requests_in_flight", "gauge", nil},
		{"nexus_plugin_call_duration_seconds", "histogram", []string{"vertical", "method", "code"}},
		{"nexus_plugin_state", "gauge", []string{"vertical", "state"}},
		{"nexus_plugin_restarts_total", "counter", []string{"vertical"}},
		{"nexus_breakers", "gauge", []string{"vertical", "service", "state"}},
		{"nexus_db_pool_acquired_connections", "gauge", nil},
		{"nexus_db_pool_idle_connections", "gauge", nil},
		{"nexus_db_pool_total_connections", "gauge", nil},
		{"nexus_db_pool_max_connections", "gauge", nil},
		{"nexus_db_pool_acquires_total", "counter", nil},
		{"nexus_db_pool_waits_total", "counter", nil},
		{"nexus_db_pool_canceled_acquires_total", "counter", nil},
		{"nexus_db_pool_wait_seconds_total", "counter", nil},
		{"nexus_outbox_backlog", "gauge", nil},
		{"nexus_outbox_relay_lag_seconds", "gauge", nil},
		{"nexus_event_deliveries_total", "counter", []string{"subscription", "outcome"}},
		{"nexus_event_consumer_lag_seconds", "histogram", []string{"subscription"}},
		{"nexus_event_queue_depth", "gauge", []string{"subscription"}},
		{"nexus_event_retrying", "gauge", []string{"subscription"}},
		{"nexus_event_in_flight", "gauge", []string{"subscription"}},
		{"nexus_event_dead_letters", "gauge", []string{"subscription"}},
		{"nexus_mv_age_seconds", "gauge", nil},
		{"nexus_mv_sla_seconds", "gauge", nil},
		{"nexus_mv_rows", "gauge", nil},
		{"nexus_mv_refreshing", "gauge", nil},
		{"nexus_mv_refresh_duration_seconds", "histogram", []string{"trigger", "outcome"}},
		{"nexus_job_runs_total", "counter", []string{"job", "outcome"}},
		{"nexus_job_duration_seconds", "histogram", []string{"job"}},
		{"nexus_ratelimit_rejections_total", "counter", []string{"scope"}},
		{"nexus_scrape_source_up", "gauge", []string{"source"}},
	}
}
