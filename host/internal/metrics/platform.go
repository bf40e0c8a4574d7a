package metrics

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/reporting"
)

var (
	poolAcquiredDesc = prometheus.NewDesc(namespace+"_db_pool_acquired_connections",
		"Database connections in use.", nil, nil)
	poolIdleDesc = prometheus.NewDesc(namespace+"_db_pool_idle_connections",
		"Idle database connections in the pool.", nil, nil)
	poolTotalDesc = prometheus.NewDesc(namespace+"_db_pool_total_connections",
		"Database connections open (acquired, idle and being opened).", nil, nil)
	poolMaxDesc = prometheus.NewDesc(namespace+"_db_pool_max_connections",
		"The pool's connection limit.", nil, nil)
	poolAcquiresDesc = prometheus.NewDesc(namespace+"_db_pool_acquires_total",
		"Connections acquired from the pool.", nil, nil)
	poolEmptyAcquiresDesc = prometheus.NewDesc(namespace+"_db_pool_waits_total",
		"Acquires that had to wait: no idle connection was ready.", nil, nil)
	poolCanceledDesc = prometheus.NewDesc(namespace+"_db_pool_canceled_acquires_total",
		"Acquires given up because their context ended.", nil, nil)
	poolWaitDesc = prometheus.NewDesc(namespace+"_db_pool_wait_seconds_total",
		"Time spent waiting for a connection in acquires that had to wait.", nil, nil)
)

// WatchPool reports pool's connection figures at every scrape.
func (m *Metrics) WatchPool(pool *pgxpool.Pool) {
	if m == nil {
		return
	}
	m.watch(func(ch chan<- prometheus.Metric) {
		st := pool.Stat()
		gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
		}
		gauge(poolAcquiredDesc, float64(st.AcquiredConns()))
		gauge(poolIdleDesc, float64(st.IdleConns()))
		gauge(poolTotalDesc, float64(st.TotalConns()))
		gauge(poolMaxDesc, float64(st.MaxConns()))
		counter(poolAcquiresDesc, float64(st.AcquireCount()))
		counter(poolEmptyAcquiresDesc, float64(st.EmptyAcquireCount()))
		counter(poolCanceledDesc, float64(st.CanceledAcquireCount()))
		counter(poolWaitDesc, st.EmptyAcquireWaitTime().Seconds())
	})
}

var (
	mvAgeDesc = prometheus.NewDesc(namespace+"_mv_age_seconds",
		"Age of the reporting views' contents (since the snapshot of their last refresh); absent before the first build.", nil, nil)
	mvSLADesc = prometheus.NewDesc(namespace+"_mv_sla_seconds",
		"The age past which the reporting views count as stale (NEXUS_MV_SLA).", nil, nil)
	mvRowsDesc = prometheus.NewDesc(namespace+"_mv_rows",
		"Rows of the universal transactions view at its last refresh.", nil, nil)
	mvRefreshingDesc = prometheus.NewDesc(namespace+"_mv_refreshing",
		"1 while some replica refreshes the reporting views.", nil, nil)
)

// WatchReporting reports the reporting views' freshness at every scrape.
func (m *Metrics) WatchReporting(health func(context.Context) (reporting.Health, error)) {
	if m == nil {
		return
	}
	m.watch(func(ch chan<- prometheus.Metric) {
		ctx, cancel := scrapeContext()
		defer cancel()
		h, err := health(ctx)
		up(ch, "views", err)
		if err != nil {
			return
		}
		gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
		gauge(mvSLADesc, h.SLASeconds)
		refreshing := 0.0
		if h.Refreshing {
			refreshing = 1
		}
		gauge(mvRefreshingDesc, refreshing)
		if h.LastRefreshAt != nil {
			gauge(mvAgeDesc, h.AgeSeconds)
			gauge(mvRowsDesc, float64(h.Rows))
		}
	})
}

// Refreshed times one refresh of the reporting views
// (reporting.Config.Observe); nil Metrics return nil.
func (m *Metrics) Refreshed() func(trigger string, took time.Duration, err error) {
	if m == nil {
		return nil
	}
	return func(trigger string, took time.Duration, err error) {
		m.refreshes.WithLabelValues(trigger, outcome(err)).Observe(took.Seconds())
	}
}

// JobRan counts and times one run of a scheduled job (jobs.Config.Observe);
// nil Metrics return nil.
func (m *Metrics) JobRan() func(job string, took time.Duration, err error) {
	if m == nil {
		return nil
	}
	return func(job string, took time.Duration, err error) {
		m.jobRuns.WithLabelValues(job, outcome(err)).Inc()
		m.jobTime.WithLabelValues(job).Observe(took.Seconds())
	}
}

// Limiter returns l counting its refusals under scope (api, api_key,
// login, webhook, refresh); nil Metrics return l itself.
func (m *Metrics) Limiter(l ratelimit.Limiter, scope string) ratelimit.Limiter {
	if m == nil {
		return l
	}
	return countingLimiter{Limiter: l, refused: m.rejections.WithLabelValues(scope)}
}

// countingLimiter counts the refusals of the Limiter it wraps.
type countingLimiter struct {
	ratelimit.Limiter
	refused prometheus.Counter
}

// Allow implements ratelimit.Limiter.
func (c countingLimiter) Allow(ctx context.Context, key string, l ratelimit.Limit) (ratelimit.Decision, error) {
	d, err := c.Limiter.Allow(ctx, key, l)
	if err == nil && !d.Allowed {
		c.refused.Inc()
	}
	return d, err
}
