package manifest

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/internal/role"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Limits of a vertical's UI bundle.
const (
	// MaxUIBytes caps the total size of a UI bundle's files.
	MaxUIBytes = 2 << 20
	// MaxUIFiles caps how many files a UI bundle holds.
	MaxUIFiles = 200
	// UIEntry is the module the app imports: it exports pages and widgets.
	UIEntry = "index.js"
)

// UISections are the menu sections a menu entry may name, in the order
// the app shows them.
var UISections = []string{"operate", "catalog", "inventory", "purchasing", "billing", "reports", "admin"}

// UILanguages are the languages every label and title must be given in.
var UILanguages = []string{"es", "en"}

// UITypes are the content types of the files a UI bundle may hold, by
// extension; the host serves each with its type.
var UITypes = map[string]string{
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".webp":  "image/webp",
	".ico":   "image/x-icon",
	".woff2": "font/woff2",
	".txt":   "text/plain; charset=utf-8",
}

var (
	// uiKeyRE is what a page or widget key may be (it is a path segment).
	uiKeyRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	// uiPathRE is what an asset path may hold.
	uiPathRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$`)
	langRE   = regexp.MustCompile(`^[a-z]{2}$`)
)

// UIProblems returns why the host leaves out m's UI declaration, or nil
// when it serves it (and when m declares none): every asset path clean,
// relative, unique and of a known type; index.js present; the bundle
// within MaxUIFiles and MaxUIBytes; every menu entry and widget with a
// unique key, a known section, a label or title in each of UILanguages
// and a known min_role. The host and sdktest both check the UI with it.
func UIProblems(m *nexusv1.Manifest) []string {
	ui := m.GetUi()
	if ui == nil {
		return nil
	}
	var problems []string
	paths := map[string]bool{}
	var size int
	for _, a := range ui.GetAssets() {
		p := a.GetPath()
		size += len(a.GetContent())
		switch {
		case !uiPathRE.MatchString(p) || path.Clean(p) != p || strings.Contains(p, ".."):
			problems = append(problems, fmt.Sprintf("asset %q: the path must be relative, clean and made of letters, digits, '.', '_', '-' (no hidden files)", p))
		case paths[p]:
			problems = append(problems, fmt.Sprintf("asset %q: declared twice", p))
		case UITypes[path.Ext(p)] == "":
			problems = append(problems, fmt.Sprintf("asset %q: unknown file type %q", p, path.Ext(p)))
		}
		paths[p] = true
	}
	if !paths[UIEntry] {
		problems = append(problems, "the bundle holds no "+UIEntry+" (was it built? make web builds the verticals' bundles)")
	}
	if n := len(ui.GetAssets()); n > MaxUIFiles {
		problems = append(problems, fmt.Sprintf("the bundle holds %d files, more than %d", n, MaxUIFiles))
	}
	if size > MaxUIBytes {
		problems = append(problems, fmt.Sprintf("the bundle's files total %d bytes, more than %d", size, MaxUIBytes))
	}
	pages := map[string]bool{}
	for _, e := range ui.GetMenu() {
		where := fmt.Sprintf("menu entry %q", e.GetPage())
		if !uiKeyRE.MatchString(e.GetPage()) {
			problems = append(problems, fmt.Sprintf("%s: the page must match %s", where, uiKeyRE))
		} else if pages[e.GetPage()] {
			problems = append(problems, where+": declared twice")
		}
		pages[e.GetPage()] = true
		if !slices.Contains(UISections, e.GetSection()) {
			problems = append(problems, fmt.Sprintf("%s: section %q is not one of %s", where, e.GetSection(), strings.Join(UISections, ", ")))
		}
		problems = append(problems, textProblems(where, "label", e.GetLabel())...)
		if !role.Known(e.GetMinRole()) {
			problems = append(problems, fmt.Sprintf("%s: unknown min_role %q", where, e.GetMinRole()))
		}
	}
	widgets := map[string]bool{}
	for _, w := range ui.GetWidgets() {
		where := fmt.Sprintf("widget %q", w.GetKey())
		if !uiKeyRE.MatchString(w.GetKey()) {
			problems = append(problems, fmt.Sprintf("%s: the key must match %s", where, uiKeyRE))
		} else if widgets[w.GetKey()] {
			problems = append(problems, where+": declared twice")
		}
		widgets[w.GetKey()] = true
		problems = append(problems, textProblems(where, "title", w.GetTitle())...)
		if !role.Known(w.GetMinRole()) {
			problems = append(problems, fmt.Sprintf("%s: unknown min_role %q", where, w.GetMinRole()))
		}
	}
	return problems
}

// textProblems checks a text given per language: one in each of
// UILanguages, none empty, language codes of two letters.
func textProblems(where, what string, text map[string]string) []string {
	var problems []string
	for _, lang := range UILanguages {
		if strings.TrimSpace(text[lang]) == "" {
			problems = append(problems, fmt.Sprintf("%s: no %s in %q", where, what, lang))
		}
	}
	for lang := range text {
		if !langRE.MatchString(lang) {
			problems = append(problems, fmt.Sprintf("%s: %s language %q is not a two-letter code", where, what, lang))
		}
	}
	slices.Sort(problems)
	return problems
}
