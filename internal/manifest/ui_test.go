package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func TestUIProblems(t *testing.T) {
	t.Parallel()
	valid := func() *nexusv1.UI {
		return &nexusv1.UI{
			Assets: []*nexusv1.Asset{
				{Path: "index.js", Content: []byte("export const pages = {};")},
				{Path: "assets/style-1a2b.css", Content: []byte("a{}")},
			},
			Menu: []*nexusv1.MenuEntry{{Page: "contracts", Label: map[string]string{"es": "Contratos", "en": "Contracts"},
				Section: "billing", MinRole: "viewer"}},
			Widgets: []*nexusv1.Widget{{Key: "aging", Title: map[string]string{"es": "Antigüedad", "en": "Aging"}, MinRole: "manager"}},
		}
	}
	for _, c := range []struct {
		name   string
		mutate func(*nexusv1.UI)
		want   string
	}{
		{"valid", func(*nexusv1.UI) {}, ""},
		{"no index.js", func(u *nexusv1.UI) { u.Assets = u.Assets[1:] }, "holds no index.js"},
		{"no files at all", func(u *nexusv1.UI) { u.Assets = nil }, "holds no index.js"},
		{"parent directory", func(u *nexusv1.UI) { u.Assets[1].Path = "../secret.js" }, "must be relative"},
		{"absolute path", func(u *nexusv1.UI) { u.Assets[1].Path = "/etc/x.js" }, "must be relative"},
		{"hidden file", func(u *nexusv1.UI) { u.Assets[1].Path = "assets/.env.js" }, "no hidden files"},
		{"unclean path", func(u *nexusv1.UI) { u.Assets[1].Path = "assets//x.js" }, "must be relative"},
		{"duplicate path", func(u *nexusv1.UI) { u.Assets[1].Path = "index.js" }, "declared twice"},
		{"unknown type", func(u *nexusv1.UI) { u.Assets[1].Path = "run.sh" }, `unknown file type ".sh"`},
		{"too large", func(u *nexusv1.UI) { u.Assets[1].Content = make([]byte, MaxUIBytes) }, "more than 2097152"},
		{"too many files", func(u *nexusv1.UI) {
			for i := range MaxUIFiles {
				u.Assets = append(u.Assets, &nexusv1.Asset{Path: "f" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".js"})
			}
		}, "more than 200"},
		{"bad page key", func(u *nexusv1.UI) { u.Menu[0].Page = "Contracts/list" }, "the page must match"},
		{"duplicate page", func(u *nexusv1.UI) { u.Menu = append(u.Menu, u.Menu[0]) }, `menu entry "contracts": declared twice`},
		{"unknown section", func(u *nexusv1.UI) { u.Menu[0].Section = "misc" }, `section "misc" is not one of`},
		{"no English label", func(u *nexusv1.UI) { delete(u.Menu[0].Label, "en") }, `no label in "en"`},
		{"blank Spanish label", func(u *nexusv1.UI) { u.Menu[0].Label["es"] = " " }, `no label in "es"`},
		{"bad language", func(u *nexusv1.UI) { u.Menu[0].Label["es-MX"] = "x" }, "not a two-letter code"},
		{"menu role", func(u *nexusv1.UI) { u.Menu[0].MinRole = "" }, `unknown min_role ""`},
		{"bad widget key", func(u *nexusv1.UI) { u.Widgets[0].Key = "" }, "the key must match"},
		{"duplicate widget", func(u *nexusv1.UI) { u.Widgets = append(u.Widgets, u.Widgets[0]) }, `widget "aging": declared twice`},
		{"widget title", func(u *nexusv1.UI) { u.Widgets[0].Title = nil }, `widget "aging": no title in "en"`},
		{"widget role", func(u *nexusv1.UI) { u.Widgets[0].MinRole = "root" }, `unknown min_role "root"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ui := valid()
			c.mutate(ui)
			problems := UIProblems(&nexusv1.Manifest{Name: "x", Ui: ui})
			if c.want == "" {
				require.Empty(t, problems)
				return
			}
			require.NotEmpty(t, problems)
			require.Contains(t, strings.Join(problems, "\n"), c.want)
		})
	}
	require.Empty(t, UIProblems(&nexusv1.Manifest{Name: "x"}), "a manifest without a UI has no UI problems")
}
