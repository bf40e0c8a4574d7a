package metrics

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of the host.
const namespace = "nexus"

// scrapeTimeout bounds the queries a scrape makes (outbox, subscriptions,
// views).
const scrapeTimeout = 5 * time.Second

// latencyBuckets are the buckets of request and call durations, in
// seconds: 1 ms to 10 s.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics is the host's registry and its collectors. Make one with New;
// nil is metrics turned off.
type Metrics struct {
	reg *prometheus.Registry

	mu      sync.Mutex
	sources []func(ch chan<- prometheus.Metric)

	http       *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	httpByKey  childCache[httpKey, prometheus.Observer]
	calls      *prometheus.HistogramVec
	deliveries *prometheus.CounterVec
	lag        *prometheus.HistogramVec
	subsByName childCache[string, *subscriptionChildren]
	refreshes  *prometheus.HistogramVec
	jobRuns    *prometheus.CounterVec
	jobTime    *prometheus.HistogramVec
	rejections *prometheus.CounterVec
}

// New returns a registry with the Go runtime and process collectors and
// the host's own families; sources (Watch*) are added as the host opens
// them.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		http: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP requests by route template, method and status: latency (its _count is the request count).",
			Buckets: latencyBuckets,
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "plugin", Name: "call_duration_seconds",
			Help:    "Calls from the host to a vertical's plugin by vertical, gRPC method and status code.",
			Buckets: latencyBuckets,
		}, []string{"vertical", "method", "code"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "event", Name: "deliveries_total",
			Help: "Delivery attempts by subscription and outcome: delivered, retried (failed, tried again later) or dead_lettered (failed the last attempt, parked).",
		}, []string{"subscription", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "event", Name: "consumer_lag_seconds",
			Help:    "Time from an event's occurrence to its successful handling, by subscription.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"subscription"}),
		refreshes: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "mv", Name: "refresh_duration_seconds",
			Help:    "Refreshes of the reporting views by trigger and outcome (ok, error).",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"trigger", "outcome"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "job", Name: "runs_total",
			Help: "Runs of scheduled jobs by job and outcome (ok, error), retries within a run included in its outcome.",
		}, []string{"job", "outcome"}),
		jobTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "job", Name: "duration_seconds",
			Help:    "Duration of scheduled job runs by job.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900},
		}, []string{"job"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "ratelimit", Name: "rejections_total",
			Help: "Requests refused by a rate limit, by scope (api: people and anonymous callers; api_key; login; webhook; refresh).",
		}, []string{"scope"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: namespace}),
		m.http, m.inFlight, m.calls, m.deliveries, m.lag, m.refreshes, m.jobRuns, m.jobTime, m.rejections,
		sourceCollector{m},
	)
	return m
}

// Handler serves the registry in the Prometheus exposition format; nil
// Metrics serve 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Gatherer is the registry, for tests and tools that read it in process.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// scrapeContext bounds one source's queries during a scrape. Collectors
// get no context from the client library: the scrape is the start of the
// chain, and this is its deadline.
func scrapeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), scrapeTimeout)
}

// outcome is "ok" for a nil error, "error" otherwise.
func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
