package metrics

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// sourceDescs are the families read from their sources at scrape time.
func sourceDescs() []*prometheus.Desc {
	return []*prometheus.Desc{
		poolAcquiredDesc, poolIdleDesc, poolTotalDesc, poolMaxDesc, poolAcquiresDesc, poolEmptyAcquiresDesc,
		poolCanceledDesc, poolWaitDesc,
		outboxUnsentDesc, outboxAgeDesc, subDepthDesc, subRetryingDesc, subInFlightDesc, subDeadDesc,
		mvAgeDesc, mvSLADesc, mvRowsDesc, mvRefreshingDesc,
		pluginStateDesc, pluginRestartsDesc, breakersDesc,
		sourceUpDesc,
	}
}

// sourceCollector reads every watched source at each scrape.
type sourceCollector struct{ m *Metrics }

// Describe implements prometheus.Collector.
func (c sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range sourceDescs() {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c sourceCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	sources := c.m.sources
	c.m.mu.Unlock()
	for _, collect := range sources {
		collect(ch)
	}
}

// watch adds a source read at every scrape.
func (m *Metrics) watch(collect func(ch chan<- prometheus.Metric)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources = append(m.sources[:len(m.sources):len(m.sources)], collect)
}

var sourceUpDesc = prometheus.NewDesc(namespace+"_scrape_source_up",
	"1 when the scrape could read the source (outbox, subscriptions, views), 0 when it failed.", []string{"source"}, nil)

// errSource marks a source that reported (and logged) its failure itself.
var errSource = errors.New("source failed")

// up reports whether source could be read in this scrape.
func up(ch chan<- prometheus.Metric, source string, err error) {
	v := 1.0
	if err != nil {
		v = 0
	}
	ch <- prometheus.MustNewConstMetric(sourceUpDesc, prometheus.GaugeValue, v, source)
}
