package plugins

import (
	"testing"

	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// TestNewUI: the bundle's hash depends on every file's path and content,
// not on the order the plugin sent them in; each file's ETag on its own
// content; types follow the extension; a UI the host refuses comes back
// as one problem under "ui", and no UI as none.
func TestNewUI(t *testing.T) {
	t.Parallel()
	manifest := func(assets ...*nexusv1.Asset) *nexusv1.Manifest {
		return &nexusv1.Manifest{Name: "x", Version: "1.2.3", Ui: &nexusv1.UI{Assets: assets,
			Menu: []*nexusv1.MenuEntry{{Page: "p", Label: map[string]string{"es": "P", "en": "P"}, Section: "operate", MinRole: "viewer"}}}}
	}
	js := &nexusv1.Asset{Path: "index.js", Content: []byte("export const pages = {};")}
	css := &nexusv1.Asset{Path: "a/style.css", Content: []byte("a{}")}

	ui, problems := newUI(manifest(js, css))
	require.Empty(t, problems)
	require.Equal(t, "x", ui.Vertical)
	require.Equal(t, "1.2.3", ui.Version)
	require.Len(t, ui.Hash, 16)
	f, ok := ui.File("index.js")
	require.True(t, ok)
	require.Equal(t, "text/javascript; charset=utf-8", f.ContentType)
	require.Equal(t, js.GetContent(), f.Body)
	c, ok := ui.File("a/style.css")
	require.True(t, ok)
	require.Equal(t, "text/css; charset=utf-8", c.ContentType)
	require.NotEqual(t, f.ETag, c.ETag)
	_, ok = ui.File("missing.js")
	require.False(t, ok)

	reordered, _ := newUI(manifest(css, js))
	require.Equal(t, ui.Hash, reordered.Hash, "the order of the files does not matter")
	changed, _ := newUI(manifest(js, &nexusv1.Asset{Path: "a/style.css", Content: []byte("b{}")}))
	require.NotEqual(t, ui.Hash, changed.Hash, "a changed file is a new bundle")
	g, _ := changed.File("index.js")
	require.Equal(t, f.ETag, g.ETag, "an unchanged file keeps its ETag")
	moved, _ := newUI(manifest(js, &nexusv1.Asset{Path: "b/style.css", Content: css.GetContent()}))
	require.NotEqual(t, ui.Hash, moved.Hash, "a moved file is a new bundle")

	refused, problems := newUI(manifest(css))
	require.Nil(t, refused)
	require.Contains(t, problems["ui"], "holds no index.js")
	none, problems := newUI(&nexusv1.Manifest{Name: "x"})
	require.Nil(t, none)
	require.Empty(t, problems)
}
