package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// unmatched labels requests no route matched.
const unmatched = "unmatched"

// httpKey is the label values of one HTTP child.
type httpKey struct {
	route, method string
	status        int
}

// methods are the HTTP methods labelled as themselves; any other is
// "OTHER", so a client cannot mint label values.
var methods = map[string]string{
	http.MethodGet: http.MethodGet, http.MethodHead: http.MethodHead, http.MethodPost: http.MethodPost,
	http.MethodPut: http.MethodPut, http.MethodPatch: http.MethodPatch, http.MethodDelete: http.MethodDelete,
	http.MethodOptions: http.MethodOptions,
}

// HTTP is the router middleware timing every request by its route
// template (chi's RoutePattern, or the template a vertical's route names
// through httpx.SetRoute), method and status, read from the request's
// httpx.Response. Install it first, so a recovered panic counts as the 500
// it answers. Nil Metrics return nil: no middleware at all.
func (m *Metrics) HTTP() func(http.Handler) http.Handler {
	if m == nil {
		return nil
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			res, w, r := httpx.Observe(w, r)
			defer func() {
				m.inFlight.Dec()
				route := res.Route()
				if route == "" {
					route = unmatched
				}
				method, ok := methods[r.Method]
				if !ok {
					method = "OTHER"
				}
				m.httpObserver(httpKey{route: route, method: method, status: res.Status()}).Observe(time.Since(start).Seconds())
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// httpObserver returns the resolved child of k.
func (m *Metrics) httpObserver(k httpKey) prometheus.Observer {
	return m.httpByKey.get(k, func() prometheus.Observer {
		return m.http.WithLabelValues(k.route, k.method, strconv.Itoa(k.status))
	})
}
