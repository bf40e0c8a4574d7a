package webui_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/webui"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	h := webui.NewFS(fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>app</title>")},
		"assets/index-1.js":   {Data: []byte("console.log(1)")},
		"assets/index-1.css":  {Data: []byte("body{}")},
		".keep":               {Data: nil},
		".vite/manifest.json": {Data: []byte("{}")},
	})
	require.True(t, h.Built())
	cases := []struct {
		path   string
		status int
		typ    string
		cache  string
		body   string
	}{
		{"/", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>app</title>"},
		{"/pos", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>app</title>"},
		{"/admin/members", 200, "text/html; charset=utf-8", "no-cache", "<!doctype html><title>app</title>"},
		{"/assets/index-1.js", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "console.log(1)"},
		{"/assets/index-1.css", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{}"},
		{"/assets/missing.js", 404, "application/json", "", `"asset_not_found"`},
		{"/.keep", 404, "application/json", "", `"asset_not_found"`},
		{"/.vite/manifest.json", 404, "application/json", "", `"asset_not_found"`},
		{"/api/v1/nothing", 404, "application/json", "", `"route_not_found"`},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
			require.Equal(t, c.status, rec.Code)
			require.Contains(t, rec.Header().Get("Content-Type"), c.typ)
			require.Equal(t, c.cache, rec.Header().Get("Cache-Control"))
			require.Contains(t, rec.Body.String(), c.body)
			if rec.Code == http.StatusOK {
				require.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'self'")
			}
		})
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	t.Parallel()
	h := webui.NewFS(fstest.MapFS{".keep": {Data: nil}})
	require.False(t, h.Built())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/pos", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, rec.Body.String(), `"web_app_not_built"`)
}
