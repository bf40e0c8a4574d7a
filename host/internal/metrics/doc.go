// Package metrics owns the host's Prometheus registry and every collector
// in it: HTTP requests by route template, plugin calls, the database pool,
// the outbox and the subscriptions, the reporting views, the plugins'
// state and breakers, rate-limit rejections and scheduled jobs. Handler
// serves them in the text exposition format (the host mounts it on
// NEXUS_METRICS_ADDR, never on the public router).
//
// Counters and histograms are fed by hooks the instrumented packages
// declare (a middleware, a gRPC interceptor, an events.Observer, func
// fields of jobs and reporting); gauges are read from their sources when
// Prometheus scrapes. A nil *Metrics is metrics turned off: every method
// is then a no-op that costs a nil check, and hooks it returns are nil or
// pass-throughs.
//
// It must never label a series with a company, a user, a raw path or any
// other value a client chooses: the label values are route templates,
// vertical, subscription and job names, and closed sets (methods, status
// codes, states, outcomes).
package metrics
