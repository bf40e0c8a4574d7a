package httpapi

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/internal/manifest"
	"github.com/nexuspos/nexus/internal/role"
)

// uiPrefix is where the verticals' UI bundles are served: /ui/v/<name>/<path>.
const uiPrefix = "/ui/v/"

// serveUIAsset answers GET and HEAD /ui/v/{vertical}/{path}: a file of a
// running vertical's UI bundle, with its strong ETag (304 when the client
// has it) and type. It is public — the browser's import() sends no token —
// and serves only what the vertical declared as its bundle. A URL whose
// query v is the bundle's hash may be cached for good; any other is
// revalidated.
func serveUIAsset(pm *plugins.Manager) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, file, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, uiPrefix), "/")
		ui, ok := pm.UI(name)
		if !ok {
			httpx.WriteError(w, r, httpx.NotFound("ui_not_found", "no vertical "+name+" with a UI is running"))
			return
		}
		f, ok := ui.File(file)
		if !ok {
			httpx.WriteError(w, r, httpx.NotFound("asset_not_found", "no file "+file+" in vertical "+name+"'s UI"))
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ContentType)
		h.Set("ETag", f.ETag)
		h.Set("X-Content-Type-Options", "nosniff")
		if r.URL.Query().Get("v") == ui.Hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.Body))
	}
}

// UIList is the body of GET /api/v1/ui: what the signed-in app shows for
// the caller's company.
type UIList struct {
	// Verticals are the company's enabled, running verticals that
	// contribute a UI, by name, each with what the caller's role may see.
	Verticals []VerticalUI `json:"verticals"`
}

// VerticalUI is one vertical's contribution to the app.
type VerticalUI struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Bundle is the URL of the bundle's index.js (an ES module), carrying
	// Hash so that a new build is a new URL.
	Bundle  string     `json:"bundle"`
	Hash    string     `json:"hash"`
	Menu    []UIEntry  `json:"menu"`
	Widgets []UIWidget `json:"widgets"`
}

// UIEntry is a menu entry: the bundle's page Page, opened at Path.
type UIEntry struct {
	Page    string            `json:"page"`
	Path    string            `json:"path"`
	Label   map[string]string `json:"label"`
	Section string            `json:"section"`
	MinRole string            `json:"min_role"`
}

// UIWidget is a dashboard card: the bundle's widgets[Key].
type UIWidget struct {
	Key     string            `json:"key"`
	Title   map[string]string `json:"title"`
	MinRole string            `json:"min_role"`
}

// listUI answers GET /api/v1/ui: for the token's company, every vertical
// it enabled that runs with a UI, with the menu entries and widgets the
// caller's role reaches (none of them for a token without a company).
func listUI(d Deps) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		out := UIList{Verticals: []VerticalUI{}}
		p, _ := auth.FromContext(r.Context())
		if p.CompanyID == uuid.Nil {
			httpx.WriteJSON(w, http.StatusOK, out)
			return nil
		}
		for _, info := range d.Plugins.List() {
			ui, ok := d.Plugins.UI(info.Name)
			if !ok {
				continue
			}
			ok, err := enabled(d, r, info.Name)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			out.Verticals = append(out.Verticals, visibleUI(ui, string(p.Role)))
		}
		httpx.WriteJSON(w, http.StatusOK, out)
		return nil
	}
}

// visibleUI is ui with the entries and widgets a caller of role sees.
func visibleUI(ui *plugins.UI, callerRole string) VerticalUI {
	v := VerticalUI{Name: ui.Vertical, Version: ui.Version, Hash: ui.Hash,
		Bundle: uiPrefix + ui.Vertical + "/" + manifest.UIEntry + "?v=" + ui.Hash,
		Menu:   []UIEntry{}, Widgets: []UIWidget{}}
	for _, e := range ui.Menu {
		if role.AtLeast(callerRole, e.GetMinRole()) {
			v.Menu = append(v.Menu, UIEntry{Page: e.GetPage(), Path: "/v/" + ui.Vertical + "/" + e.GetPage(),
				Label: e.GetLabel(), Section: e.GetSection(), MinRole: e.GetMinRole()})
		}
	}
	for _, wg := range ui.Widgets {
		if role.AtLeast(callerRole, wg.GetMinRole()) {
			v.Widgets = append(v.Widgets, UIWidget{Key: wg.GetKey(), Title: wg.GetTitle(), MinRole: wg.GetMinRole()})
		}
	}
	return v
}
