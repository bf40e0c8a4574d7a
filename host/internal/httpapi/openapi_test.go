package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/apidoc/apidoctest"
)

type pinger struct{}

func (pinger) Ping(context.Context) error { return nil }

type widget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TestOpenAPIDescribesEveryMountedRoute walks the router as chi mounted it
// and finds each route in the served document, with the summary its area
// gave it.
func TestOpenAPIDescribesEveryMountedRoute(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }
	pass := func(next http.Handler) http.Handler { return next }
	router := NewRouter(Deps{
		Log: hclog.NewNullLogger(), DB: pinger{}, Authenticate: pass, Version: "v-test", MaxBodyBytes: 1 << 20,
		Mounts: []Mount{
			{Path: "/widgets", Docs: []apidoc.Op{
				{Method: http.MethodGet, Pattern: "/", Summary: "list widgets", Query: []string{"limit"}},
				{Method: http.MethodPost, Pattern: "/", Summary: "make a widget", Request: widget{}, Response: widget{}, Status: 201},
				{Method: http.MethodGet, Pattern: "/{id}/parts/{part}", Summary: "a part"},
			}, Routes: func(r chi.Router) {
				r.Get("/", ok)
				r.Post("/", ok)
				r.Route("/{id}", func(r chi.Router) {
					r.With(pass).Get("/parts/{part}", ok)
					r.Delete("/", ok)
				})
			}},
			{Docs: []apidoc.Op{{Method: http.MethodGet, Pattern: "/reports/x", Summary: "report x"}},
				Routes: func(r chi.Router) {
					r.Group(func(r chi.Router) { r.Get("/reports/x", ok) })
				}},
		},
	})

	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	apidoctest.Validate(t, rec.Body.Bytes())
	var doc apidoc.Document
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "v-test", doc.Info.Version)

	mounted := 0
	require.NoError(t, chi.Walk(router.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !apidoc.Methods[method] || strings.HasSuffix(route, "/*") && strings.Contains(route, "{vertical}") {
			return nil // the verticals' own routes and webhooks, described by each vertical
		}
		mounted++
		path := route
		if path != "/" {
			path = strings.TrimSuffix(path, "/")
		}
		op := doc.Paths[path][strings.ToLower(method)]
		require.NotNil(t, op, "%s %s is mounted but not described", method, route)
		if !strings.HasPrefix(path, "/api/v1/widgets/{id}") || method != http.MethodDelete {
			require.NotEmpty(t, op.Summary, "%s %s has docs", method, route)
		}
		return nil
	}))
	described := 0
	for _, item := range doc.Paths {
		described += len(item)
	}
	require.Equal(t, mounted, described, "the document describes what is mounted, nothing else")
	require.Equal(t, "a part", doc.Paths["/api/v1/widgets/{id}/parts/{part}"]["get"].Summary)
	require.Equal(t, "report x", doc.Paths["/api/v1/reports/x"]["get"].Summary)
	require.Contains(t, doc.Paths["/api/v1/widgets"]["post"].Responses, "201")
	require.NotContains(t, doc.Paths, "/api/v1/verticals/{vertical}/*")
	require.NotContains(t, doc.Paths, "/api/v1/hooks/{vertical}/{company_id}/*")

	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/docs", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `<script src="/api/docs/app.js">`)
	for asset, typ := range map[string]string{"app.js": "text/javascript", "style.css": "text/css"} {
		rec = httptest.NewRecorder()
		router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/docs/"+asset, nil))
		require.Equal(t, http.StatusOK, rec.Code, asset)
		require.Contains(t, rec.Header().Get("Content-Type"), typ)
	}
	rec = httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/docs/secret.go", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
}
