package apidoc

import (
	"embed"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// page holds the API reference page: plain HTML, CSS and JavaScript kept in
// this repository and served from the binary, so the page needs no network
// beyond the host itself.
//
//go:embed page
var page embed.FS

var pageTypes = map[string]string{
	"index.html": "text/html; charset=utf-8",
	"app.js":     "text/javascript; charset=utf-8",
	"style.css":  "text/css; charset=utf-8",
}

// Page serves the reference page at /api/docs and its assets at
// /api/docs/{asset}. The page reads /api/v1/openapi.json, with the bearer
// token the reader pastes into it, if any.
func Page(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "asset")
	if name == "" {
		name = "index.html"
	}
	typ, ok := pageTypes[name]
	body, err := page.ReadFile(path.Join("page", name))
	if !ok || err != nil {
		httpx.WriteError(w, r, httpx.NotFound("asset_not_found", "no asset "+name+" in the reference page"))
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(body)
}
