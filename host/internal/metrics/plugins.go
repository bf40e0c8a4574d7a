package metrics

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/plugins"
)

// callKey is the label values of one plugin call child (the vertical is
// the interceptor's).
type callKey struct{ method, code string }

// PluginDialOptions returns the gRPC dial options that time the host's
// calls to vertical's plugin by method and status code (for
// plugins.Config.DialOptions); nil Metrics return none.
func (m *Metrics) PluginDialOptions(vertical string) []grpc.DialOption {
	if m == nil {
		return nil
	}
	var children childCache[callKey, prometheus.Observer]
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		start := time.Now()
		err := invoker(ctx, method, req, reply, cc, opts...)
		k := callKey{method: method[strings.LastIndexByte(method, '/')+1:], code: status.Code(err).String()}
		children.get(k, func() prometheus.Observer {
			return m.calls.WithLabelValues(vertical, k.method, k.code)
		}).Observe(time.Since(start).Seconds())
		return err
	})}
}

// pluginStates are the states nexus_plugin_state reports, each 0 or 1.
var pluginStates = []plugins.State{plugins.StateStarting, plugins.StateRunning, plugins.StateRestarting,
	plugins.StateFailed, plugins.StateRefused, plugins.StateStopped}

var (
	pluginStateDesc = prometheus.NewDesc(namespace+"_plugin_state",
		"1 for the state a vertical's plugin is in, 0 for the others.", []string{"vertical", "state"}, nil)
	pluginRestartsDesc = prometheus.NewDesc(namespace+"_plugin_restarts_total",
		"Restarts of a vertical's plugin since the host started.", []string{"vertical"}, nil)
	breakersDesc = prometheus.NewDesc(namespace+"_breakers",
		"Outbound circuit breakers the verticals report, counted by vertical, service and state (closed, half-open, open); companies are summed.",
		[]string{"vertical", "service", "state"}, nil)
)

// WatchPlugins reports the state, restarts and breakers of the verticals
// list describes (plugins.Manager.List) at every scrape.
func (m *Metrics) WatchPlugins(list func() []plugins.Info) {
	if m == nil {
		return
	}
	m.watch(func(ch chan<- prometheus.Metric) {
		for _, info := range list() {
			for _, s := range pluginStates {
				v := 0.0
				if info.State == s {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(pluginStateDesc, prometheus.GaugeValue, v, info.Name, string(s))
			}
			ch <- prometheus.MustNewConstMetric(pluginRestartsDesc, prometheus.CounterValue, float64(info.Restarts), info.Name)
			type key struct{ service, state string }
			count := map[key]int{}
			for _, b := range info.Breakers {
				count[key{b.Service, b.State}]++
			}
			for k, n := range count {
				ch <- prometheus.MustNewConstMetric(breakersDesc, prometheus.GaugeValue, float64(n), info.Name, k.service, k.state)
			}
		}
	})
}
