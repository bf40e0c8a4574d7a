package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestVerticalUI: GET /api/v1/ui lists, for the caller's company, the
// enabled verticals that contribute a UI, with the menu entries and
// widgets the caller's role reaches; a company that did not enable the
// vertical sees none of it. The bundle's files are served publicly at
// /ui/v/<vertical>/ with a strong ETag (304 on a match), their content
// type and, at the listed URL, cached for good; nothing else is. A bundle
// over the size cap is left out and its vertical listed as degraded.
func TestVerticalUI(t *testing.T) {
	t.Parallel()
	bin := probe(t)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": bin, "badui": bin, "hello": hello(t)}))
	a := h.NewTenant("MX", "probe", "badui", "hello")
	b := h.NewTenant("AR", "hello")

	type entry struct {
		Page, Path, Section string
		Label               map[string]string
		MinRole             string `json:"min_role"`
	}
	type vertical struct {
		Name, Version, Bundle, Hash string
		Menu                        []entry
		Widgets                     []struct{ Key string }
	}
	list := func(token string) []vertical {
		var out struct{ Verticals []vertical }
		h.Expect(http.StatusOK, "GET", "/api/v1/ui", token, nil).Decode(t, &out)
		return out.Verticals
	}
	pages := func(v vertical) []string {
		var out []string
		for _, e := range v.Menu {
			out = append(out, e.Page)
		}
		return out
	}

	viewer := list(a.Tokens["viewer"])
	require.Len(t, viewer, 1, "hello has no UI, badui's is left out: %+v", viewer)
	probeUI := viewer[0]
	require.Equal(t, "probe", probeUI.Name)
	require.Equal(t, "0.0.1", probeUI.Version)
	require.Equal(t, "/ui/v/probe/index.js?v="+probeUI.Hash, probeUI.Bundle)
	require.Equal(t, []string{"notes"}, pages(probeUI), "a viewer does not see the manager's page")
	require.Equal(t, entry{Page: "notes", Path: "/v/probe/notes", Section: "operate", MinRole: "viewer",
		Label: map[string]string{"es": "Notas", "en": "Notes"}}, probeUI.Menu[0])
	require.Empty(t, probeUI.Widgets, "nor the manager's card")
	cashier := list(a.Tokens["cashier"])
	require.Equal(t, []string{"notes"}, pages(cashier[0]))
	for _, role := range []string{"manager", "owner"} {
		got := list(a.Tokens[role])
		require.Len(t, got, 1)
		require.Equal(t, []string{"notes", "settings"}, pages(got[0]), role)
		require.Len(t, got[0].Widgets, 1, role)
		require.Equal(t, "count", got[0].Widgets[0].Key)
	}
	require.Empty(t, list(b.Tokens["owner"]), "a company that did not enable probe is not shown its pages")
	require.Empty(t, list(h.Login(hosttest.AdminEmail, hosttest.AdminPassword)), "a token without a company sees no vertical")
	require.Equal(t, http.StatusUnauthorized, h.Call("GET", "/api/v1/ui", "", nil).Status)

	// The bundle's files, public.
	js := h.Expect(http.StatusOK, "GET", probeUI.Bundle, "", nil)
	require.Equal(t, "text/javascript; charset=utf-8", js.Header.Get("Content-Type"))
	require.Contains(t, string(js.Body), "export const pages")
	require.Equal(t, "public, max-age=31536000, immutable", js.Header.Get("Cache-Control"))
	etag := js.Header.Get("ETag")
	require.Regexp(t, `^"[0-9a-f]{32}"$`, etag)
	notModified := h.Call("GET", probeUI.Bundle, "", nil, "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, notModified.Status)
	require.Empty(t, notModified.Body)
	require.Equal(t, http.StatusOK, h.Call("GET", probeUI.Bundle, "", nil, "If-None-Match", `"other"`).Status)
	unversioned := h.Expect(http.StatusOK, "GET", "/ui/v/probe/index.js", "", nil)
	require.Equal(t, "no-cache", unversioned.Header.Get("Cache-Control"), "only the hashed URL is cached for good")
	require.Equal(t, etag, unversioned.Header.Get("ETag"))
	css := h.Expect(http.StatusOK, "GET", "/ui/v/probe/assets/style.css", "", nil)
	require.Equal(t, "text/css; charset=utf-8", css.Header.Get("Content-Type"))
	require.Equal(t, "nosniff", css.Header.Get("X-Content-Type-Options"))
	require.NotEqual(t, etag, css.Header.Get("ETag"))
	require.JSONEq(t, `{"version":"0.0.1"}`, string(h.Expect(http.StatusOK, "GET", "/ui/v/probe/version.json", "", nil).Body))
	head := h.Expect(http.StatusOK, "HEAD", "/ui/v/probe/index.js", "", nil)
	require.Empty(t, head.Body)
	require.Equal(t, etag, head.Header.Get("ETag"))

	for path, code := range map[string]string{
		"/ui/v/probe/missing.js":        "asset_not_found",
		"/ui/v/probe/.keep":             "asset_not_found",
		"/ui/v/probe/.hidden/secret.js": "asset_not_found",
		"/ui/v/probe/../hello/index.js": "asset_not_found",
		"/ui/v/probe/":                  "asset_not_found",
		"/ui/v/hello/index.js":          "ui_not_found",
		"/ui/v/badui/index.js":          "ui_not_found",
		"/ui/v/nope/index.js":           "ui_not_found",
		"/ui/v/":                        "ui_not_found",
	} {
		res := h.Call("GET", path, "", nil)
		require.Equal(t, http.StatusNotFound, res.Status, path)
		require.Equal(t, code, res.ErrorCode(), "%s: %s", path, res.Body)
	}
	require.Equal(t, http.StatusNotFound, h.Call("GET", "/api/v1/ui/v/probe/index.js", a.Tokens["owner"], nil).Status, "never under /api/")

	// badui runs, degraded, naming why its UI is left out.
	for _, v := range h.Expect(http.StatusOK, "GET", "/api/v1/verticals", a.Tokens["viewer"], nil).JSON(t)["data"].([]any) {
		info := v.(map[string]any)
		switch info["name"] {
		case "badui":
			require.Equal(t, "degraded", info["state"])
			require.True(t, strings.HasPrefix(info["reason"].(string), "ui: the bundle's files total"), info["reason"])
			require.Contains(t, info["reason"], "more than 2097152")
		case "probe":
			require.Equal(t, "running", info["state"])
		}
	}
	h.Expect(http.StatusOK, "GET", "/api/v1/verticals/badui/pid", a.Tokens["viewer"], nil)
}
