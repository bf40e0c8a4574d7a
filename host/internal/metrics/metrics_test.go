package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/metrics"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// TestOffIsNil checks that metrics turned off (nil) install nothing: no
// middleware, no dial option, no observer or hook, the limiter itself,
// and a 404 for the handler.
func TestOffIsNil(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	require.Nil(t, m.HTTP())
	require.Nil(t, m.PluginDialOptions("probe"))
	require.Nil(t, m.Events())
	require.Nil(t, m.Refreshed())
	require.Nil(t, m.JobRan())
	l := ratelimit.NewMemory()
	require.Same(t, l, m.Limiter(l, "api"))
	m.WatchPool(nil)
	m.WatchPlugins(nil)
	m.WatchEvents(nil)
	m.WatchReporting(nil)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
}

// router is a chi router with one parameterized route, with or without
// the metrics middleware.
func router(m *metrics.Metrics) http.Handler {
	r := chi.NewRouter()
	if mw := m.HTTP(); mw != nil {
		r.Use(mw)
	}
	r.Get("/api/v1/items/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return r
}

// BenchmarkHTTP is the cost of the HTTP middleware on a routed request:
// off (no middleware) against on.
func BenchmarkHTTP(b *testing.B) {
	for _, bc := range []struct {
		name string
		m    *metrics.Metrics
	}{{"off", nil}, {"on", metrics.New()}} {
		b.Run(bc.name, func(b *testing.B) {
			h := router(bc.m)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/items/42", nil)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					h.ServeHTTP(httptest.NewRecorder(), req)
				}
			})
		})
	}
}
