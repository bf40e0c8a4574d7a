package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/plugins"
)

// ownDocs describe the routes this package mounts itself.
var ownDocs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/healthz", Summary: "Liveness: the process answers", Public: true,
		Response: map[string]string{}},
	{Method: http.MethodGet, Pattern: "/readyz", Summary: "Readiness: the database answers and every vertical runs (503 otherwise, and while the host drains before stopping)", Public: true,
		Response: readiness{}},
	{Method: http.MethodGet, Pattern: "/api/docs", Summary: "The API reference page (HTML)", Public: true},
	{Method: http.MethodGet, Pattern: "/api/docs/{asset}", Summary: "The reference page's script and style sheet", Public: true},
	{Method: http.MethodGet, Pattern: "/api/v1/openapi.json", Public: true,
		Summary: "This document: the host's routes, and with a company token those of the verticals the company enabled"},
	{Method: http.MethodGet, Pattern: "/api/v1/verticals", Summary: "The installed verticals and their state",
		Response: httpx.Page[plugins.Info]{}},
	{Method: http.MethodGet, Pattern: "/api/v1/ui", Response: UIList{},
		Summary: "The pages and dashboard cards the company's enabled verticals contribute to the web app, as the caller's role sees them"},
	{Method: http.MethodGet, Pattern: "/ui/v/*", Public: true,
		Summary: "A file of a vertical's UI bundle, /ui/v/{vertical}/{path} (ETag; cached for good with ?v=<hash>)"},
	{Method: http.MethodPost, Pattern: "/api/v1/admin/verticals/{vertical}/restart", Summary: "Restart a vertical (platform admin)",
		Response: plugins.Info{}, Status: http.StatusAccepted},
}

// readiness is the body of /readyz.
type readiness struct {
	Status string            `json:"status" jsonschema:"enum=ready,enum=degraded,enum=not_ready,enum=draining"`
	Checks map[string]string `json:"checks"`
}

// describedRoutes are the host's mounted routes with their docs, collected
// once the router is complete.
type describedRoutes struct {
	routes []apidoc.Route
}

// collect walks the finished router and pairs each route with the Op its
// area documents it with.
func (d *describedRoutes) collect(r chi.Routes, mounts []Mount) {
	docs := map[string]*apidoc.Op{}
	add := func(prefix string, ops []apidoc.Op) {
		for i := range ops {
			docs[routeKey(ops[i].Method, prefix+ops[i].Pattern)] = &ops[i]
		}
	}
	add("", ownDocs)
	for _, m := range mounts {
		add("/api/v1"+m.Path, m.Docs)
	}
	_ = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if apidoc.Methods[method] {
			d.routes = append(d.routes, apidoc.Route{Method: method, Path: route, Doc: docs[routeKey(method, route)]})
		}
		return nil
	})
}

// routeKey identifies a route by method and pattern, trailing slash aside.
func routeKey(method, pattern string) string {
	if pattern != "/" {
		pattern = strings.TrimSuffix(pattern, "/")
	}
	return method + " " + pattern
}

// serve answers the API description: the host's routes, plus those of
// every vertical the caller's company has enabled (none for anonymous
// callers and tokens without a company).
func (d *describedRoutes) serve(deps Deps) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, err := apidoc.New(deps.Version)
		if err != nil {
			return err
		}
		if err := b.AddHost(d.routes); err != nil {
			return err
		}
		if p, ok := auth.FromContext(r.Context()); ok && p.CompanyID != uuid.Nil && deps.Plugins != nil {
			for _, info := range deps.Plugins.List() {
				ok, err := enabled(deps, r, info.Name)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				man, ok := deps.Plugins.Manifest(info.Name)
				if !ok {
					continue
				}
				if err := b.AddVertical(apidoc.Vertical{Name: man.GetName(), Version: man.GetVersion(), Routes: man.GetRoutes()}); err != nil {
					return err
				}
			}
		}
		httpx.WriteJSON(w, http.StatusOK, b.Document())
		return nil
	}
}

// enabled reports whether r's company has vertical name enabled, through
// the vertical gate: its refusal (a 4xx) is false, another error returned.
func enabled(d Deps, r *http.Request, name string) (bool, error) {
	_, err := d.VerticalGate(r, name)
	if refused := (*httpx.Error)(nil); errors.As(err, &refused) && refused.Status() < 500 {
		return false, nil
	}
	return err == nil, err
}
