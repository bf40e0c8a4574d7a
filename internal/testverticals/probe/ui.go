package probe

import (
	"strings"
	"testing/fstest"

	"github.com/nexuspos/nexus/sdk"
)

// ui is the probe's browser bundle: a page for viewers, one for managers
// and a manager's dashboard card; version.json carries the binary's
// version, so a rebuilt binary serves a new bundle. badui's holds a file
// over the host's size cap, and must be left out.
func (p probe) ui() *sdk.UI {
	files := fstest.MapFS{
		"index.js": {Data: []byte(`export const pages = {
  notes(el, ctx) { el.textContent = "notes of " + ctx.company.name; },
  settings(el) { el.textContent = "settings"; },
};
export const widgets = { count(el) { el.textContent = "0 notes"; } };
`)},
		"assets/style.css":  {Data: []byte(".probe { color: #123; }\n")},
		"version.json":      {Data: []byte(`{"version":"` + version + `"}`)},
		".keep":             {Data: []byte{}},
		".hidden/secret.js": {Data: []byte("never served")},
	}
	if p.name == "badui" {
		files["assets/huge.js"] = &fstest.MapFile{Data: []byte(strings.Repeat("x", 2<<20))}
	}
	return &sdk.UI{
		Assets: files,
		Menu: []sdk.MenuEntry{
			{Page: "notes", Label: sdk.Labels{"es": "Notas", "en": "Notes"}, Section: "operate", MinRole: sdk.RoleViewer},
			{Page: "settings", Label: sdk.Labels{"es": "Ajustes de notas", "en": "Notes settings"}, Section: "admin", MinRole: sdk.RoleManager},
		},
		Widgets: []sdk.Widget{{Key: "count", Title: sdk.Labels{"es": "Notas abiertas", "en": "Open notes"}, MinRole: sdk.RoleManager}},
	}
}
