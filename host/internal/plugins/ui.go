package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/internal/manifest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// CheckUI: a UI declaration the host leaves out (manifest.UIProblems).
const CheckUI = "ui"

// UI is what a running vertical contributes to the browser app, as the
// host serves it: its bundle's files by path, the bundle's hash, and its
// menu entries and dashboard widgets.
type UI struct {
	Vertical string
	Version  string
	// Hash identifies the bundle's content: it changes whenever a file
	// does, so a URL carrying it may be cached for good.
	Hash    string
	Menu    []*nexusv1.MenuEntry
	Widgets []*nexusv1.Widget
	files   map[string]UIFile
}

// UIFile is one file of a vertical's UI bundle.
type UIFile struct {
	Body []byte
	// ETag is the file's strong entity tag, quoted (a hash of Body).
	ETag        string
	ContentType string
}

// File returns the bundle's file at p.
func (u *UI) File(p string) (UIFile, bool) {
	f, ok := u.files[p]
	return f, ok
}

// newUI caches man's UI declaration for serving, or returns nil with the
// reasons the host leaves it out; nil and none when man declares none.
func newUI(man *nexusv1.Manifest) (*UI, map[string]string) {
	if man.GetUi() == nil {
		return nil, nil
	}
	if problems := manifest.UIProblems(man); len(problems) > 0 {
		return nil, map[string]string{"ui": strings.Join(problems, "; ")}
	}
	ui := &UI{Vertical: man.GetName(), Version: man.GetVersion(), Menu: man.GetUi().GetMenu(),
		Widgets: man.GetUi().GetWidgets(), files: map[string]UIFile{}}
	assets := slices.Clone(man.GetUi().GetAssets())
	slices.SortFunc(assets, func(a, b *nexusv1.Asset) int { return strings.Compare(a.GetPath(), b.GetPath()) })
	all := sha256.New()
	for _, a := range assets {
		sum := sha256.Sum256(a.GetContent())
		tag := hex.EncodeToString(sum[:16])
		all.Write([]byte(a.GetPath() + "\x00" + tag + "\x00"))
		ui.files[a.GetPath()] = UIFile{Body: a.GetContent(), ETag: `"` + tag + `"`, ContentType: manifest.UITypes[path.Ext(a.GetPath())]}
	}
	ui.Hash = hex.EncodeToString(all.Sum(nil)[:8])
	return ui, nil
}

// UI returns the UI of vertical name's running process; false when it
// declares none, its declaration was left out, or it is not running.
func (m *Manager) UI(name string) (*UI, bool) {
	v, ok := m.get(name)
	if !ok {
		return nil, false
	}
	proc, ok := v.running()
	if !ok || proc.ui == nil {
		return nil, false
	}
	return proc.ui, true
}
