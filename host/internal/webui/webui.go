// Package webui serves the browser app built from web/ (make web) out of
// the host binary: its hashed assets under /assets/ and index.html for
// every other page path, so deep links such as /pos open the app. It owns
// no API: the app calls the same public /api/v1 routes as any client, and
// this package must not answer a path under /api/.
package webui

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// dist is the output of `make web`; a clean clone holds only .keep there,
// so the host builds before npm has run and then answers that the app is
// not built.
//
//go:embed all:dist
var dist embed.FS

// Handler serves the embedded app.
type Handler struct {
	files fs.FS
	index []byte
}

// Files is the app embedded in the binary, index.html at its root.
func Files() fs.FS {
	files, _ := fs.Sub(dist, "dist")
	return files
}

// New returns the handler of the app embedded in the binary.
func New() *Handler { return NewFS(Files()) }

// NewFS returns a handler serving the app in files (index.html at its root).
func NewFS(files fs.FS) *Handler {
	index, _ := fs.ReadFile(files, "index.html")
	return &Handler{files: files, index: index}
}

// Built reports whether the app was built into the binary.
func (h *Handler) Built() bool { return len(h.index) > 0 }

// ServeHTTP answers a GET or HEAD the host's API routes did not match: a
// file of the build by its path, or index.html for a page path (one whose
// last element has no extension); a path under /api/ stays a 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/api" {
		httpx.WriteError(w, r, httpx.NotFound("route_not_found", "no route "+r.Method+" "+p))
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name != "" && name != "index.html" && path.Ext(name) != "" {
		h.serveFile(w, r, name)
		return
	}
	if !h.Built() {
		httpx.WriteError(w, r, httpx.Unavailable("web_app_not_built", "the web app was not built into this binary: run make web, then build the host"))
		return
	}
	setHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.index)
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	hidden := strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
	body, err := fs.ReadFile(h.files, name)
	if hidden || err != nil {
		httpx.WriteError(w, r, httpx.NotFound("asset_not_found", "no file "+name+" in the web app"))
		return
	}
	setHeaders(w)
	if typ, ok := types[path.Ext(name)]; ok {
		w.Header().Set("Content-Type", typ)
	}
	if strings.HasPrefix(name, "assets/") {
		// Vite names every asset by its content's hash.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	_, _ = w.Write(body)
}

var types = map[string]string{
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".json":        "application/json",
	".txt":         "text/plain; charset=utf-8",
	".webmanifest": "application/manifest+json",
}

// setHeaders are the app's security headers: everything from the host
// itself, nothing inline but styles, no framing.
func setHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}
