// Package httpapi assembles the host's HTTP surface: the middleware chain
// (request id, access log, recovery, body limit), health and readiness, the
// verticals listing and restart, the public webhook routes, and the mount points of the auth, company and vertical
// routes. Business rules live in the packages it mounts, not here.
package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/tracing"
)

// Pinger reports whether a dependency is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are the pieces the router mounts.
type Deps struct {
	Log     hclog.Logger
	DB      Pinger
	Plugins *plugins.Manager
	// Degraded reports a shared service (Redis, the event bus) running in
	// its fallback mode; /readyz then answers 200 with status "degraded"
	// and the reason.
	Degraded func() (bool, string)
	// Draining reports a host told to stop: /readyz then answers 503 with
	// status "draining" while requests are still served, so that load
	// balancers stop sending new ones; nil never drains.
	Draining func() bool
	// Authenticate puts an auth.Principal in the context or answers 401/403.
	Authenticate func(http.Handler) http.Handler
	// AuthenticateOptional lets anonymous callers through and
	// authenticates the others (GET /api/v1/openapi.json); nil treats
	// every caller of that route as anonymous.
	AuthenticateOptional func(http.Handler) http.Handler
	// Version is the host's version, shown in the API description.
	Version string
	// Mounts are the host's own API areas under /api/v1.
	Mounts []Mount
	// VerticalGate checks a vertical is enabled for the caller's company.
	VerticalGate plugins.Gate
	// WebhookGate checks the company a public webhook call names (it
	// limits the call's rate too); each webhook limits its own body.
	WebhookGate plugins.WebhookGate
	// MaxBodyBytes limits request bodies, unless a Mount sets its own.
	MaxBodyBytes int64
	// Web answers the GET and HEAD requests no route matched outside
	// /api/ (the browser app and its deep links); nil leaves them 404.
	Web http.Handler
	// Observe, when set, is the first middleware of every request (the
	// host's metrics, metrics.Metrics.HTTP).
	Observe func(http.Handler) http.Handler
}

// Mount is one area of the host's API.
type Mount struct {
	// Path is below /api/v1, e.g. "/auth"; "" adds the routes to /api/v1
	// itself (for areas with several top-level paths).
	Path   string
	Routes func(chi.Router)
	// Docs describe the area's routes (patterns relative to Path) in the
	// host's API description.
	Docs []apidoc.Op
	// MaxBodyBytes overrides Deps.MaxBodyBytes for areas taking uploads
	// (which then enforce their own per-file limits).
	MaxBodyBytes int64
}

// NewRouter returns the host's HTTP handler.
func NewRouter(d Deps) http.Handler {
	r := chi.NewRouter()
	r.Use(middlewares(d)...)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if d.Web != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasPrefix(r.URL.Path, "/api/") {
			d.Web.ServeHTTP(w, r)
			return
		}
		httpx.WriteError(w, r, httpx.NotFound("route_not_found", "no route "+r.Method+" "+r.URL.Path))
	})
	r.MethodNotAllowed(httpx.MethodNotAllowed(r, requestPath))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", ready(d))
	var described describedRoutes
	r.Get("/api/docs", apidoc.Page)
	r.Get("/api/docs/{asset}", apidoc.Page)
	r.Get(uiPrefix+"*", serveUIAsset(d.Plugins))
	r.Head(uiPrefix+"*", serveUIAsset(d.Plugins))
	r.Route("/api/v1", func(r chi.Router) {
		optional := d.AuthenticateOptional
		if optional == nil {
			optional = func(next http.Handler) http.Handler { return next }
		}
		r.With(bodyLimit(d.MaxBodyBytes), optional).Get("/openapi.json", httpx.Handle(described.serve(d)))
		for _, m := range d.Mounts {
			limit := d.MaxBodyBytes
			if m.MaxBodyBytes > 0 {
				limit = m.MaxBodyBytes
			}
			if m.Path == "" {
				r.Group(func(r chi.Router) {
					r.Use(bodyLimit(limit))
					m.Routes(r)
				})
				continue
			}
			r.With(bodyLimit(limit)).Route(m.Path, m.Routes)
		}
		r.Handle("/hooks/{vertical}/{company_id}/*", d.Plugins.WebhookHandler(d.WebhookGate))
		r.Group(func(r chi.Router) {
			r.Use(bodyLimit(d.MaxBodyBytes), d.Authenticate)
			r.Get("/verticals", func(w http.ResponseWriter, r *http.Request) {
				// Outbound breakers are shown for the caller's company only,
				// or for every company to a platform admin.
				p, _ := auth.FromContext(r.Context())
				httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(d.Plugins.ListFor(p.CompanyID, p.PlatformAdmin), ""))
			})
			r.Handle("/verticals/{vertical}/*", d.Plugins.Handler(d.VerticalGate))
			r.Get("/ui", httpx.Handle(listUI(d)))
			r.With(auth.RequirePlatformAdmin).Post("/admin/verticals/{vertical}/restart", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
				info, err := d.Plugins.Restart(chi.URLParam(r, "vertical"))
				if err != nil {
					return err
				}
				httpx.WriteJSON(w, http.StatusAccepted, info)
				return nil
			}))
		})
	})
	described.collect(r, d.Mounts)
	return r
}

// middlewares are the middlewares of every request, outermost first: the
// host's metrics (Deps.Observe), the request id, the trace, the access log
// and the recovery from a panic. The metrics, the trace and the access log
// observe the response through one httpx.Response.
func middlewares(d Deps) []func(http.Handler) http.Handler {
	var out []func(http.Handler) http.Handler
	if d.Observe != nil {
		out = append(out, d.Observe)
	}
	return append(out, requestID(d.Log), tracing.Middleware(tagLogger), accessLog, recoverer)
}

// requestPath is the path the host's router matches a request by.
func requestPath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

// ready answers 200 when the database answers and every plugin runs, 503
// with the reasons otherwise; status "degraded" names a shared service in
// its fallback mode or a vertical part of whose declarations the host left
// out.
func ready(d Deps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if d.Draining != nil && d.Draining() {
			httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining", "checks": map[string]string{"host": "stopping"}})
			return
		}
		checks := map[string]string{"database": "ok"}
		ok := true
		if err := d.DB.Ping(ctx); err != nil {
			checks["database"] = "unreachable: " + err.Error()
			ok = false
		}
		for name, reason := range d.Plugins.Unhealthy() {
			checks["vertical:"+name] = reason
			ok = false
		}
		status, word := http.StatusOK, "ready"
		for name, reason := range d.Plugins.Degraded() {
			checks["vertical:"+name] = "degraded: " + reason
			word = "degraded"
		}
		if d.Degraded != nil {
			if degraded, reason := d.Degraded(); degraded {
				word = "degraded"
				checks["degraded"] = reason
			}
		}
		if !ok {
			status, word = http.StatusServiceUnavailable, "not_ready"
		}
		httpx.WriteJSON(w, status, map[string]any{"status": word, "checks": checks})
	}
}
