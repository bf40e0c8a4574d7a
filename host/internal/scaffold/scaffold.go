// Package scaffold writes a new vertical from the templates in vertical/:
// a manifest with a route set, a migration, a state machine, a
// subscription and a revenue declaration, sdktest tests (tenant isolation
// included), the plugin's main package and a README. It only renders
// files; it must not build, test or run what it writes.
package scaffold

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

//go:embed all:vertical
var templates embed.FS

// Modules of a Nexus checkout: the core (internal packages and proto),
// and the SDK when it is a module of its own (sdk/go.mod).
const (
	coreModule = "github.com/nexuspos/nexus"
	sdkModule  = "github.com/nexuspos/nexus/sdk"
	// unversioned is the version a module required through a replace
	// directive carries.
	unversioned = "v0.0.0-00010101000000-000000000000"
)

// nameRE is what a scaffolded vertical's name may be: a valid vertical
// name that is also a Go package name and a plain SQL identifier.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,29}$`)

// reserved are the names of the packages the templates import (and main):
// a vertical named so would not compile.
var reserved = map[string]bool{
	"main": true, "sdk": true, "sdktest": true, "require": true, "http": true, "testing": true, "json": true,
	"strings": true, "time": true, "uuid": true, "decimal": true, "embed": true, "fs": true,
}

// Options say what to write where.
type Options struct {
	// Name is the vertical's name, e.g. "tickets".
	Name string
	// Dir receives the files; it must not exist or be empty.
	Dir string
	// Module is the module path written to go.mod when Dir is in no Go
	// module (default: Name). Inside a module Dir's import path follows
	// from the module's.
	Module string
	// SDKDir, for a vertical in no module, is a local Nexus checkout the
	// SDK comes from (replace directives); without it go.mod requires the
	// published SDK module.
	SDKDir string
}

// Result tells what Vertical wrote.
type Result struct {
	// Files are the paths written, relative to Options.Dir.
	Files []string
	// OwnModule is set when the vertical is a module of its own (a go.mod
	// was written): run go mod tidy in it before building.
	OwnModule bool
	// Workspace is the directory of the go.work of the Nexus checkout the
	// vertical belongs to; the vertical joins it with go work use. "" when
	// none.
	Workspace string
}

// Vertical writes a new vertical. Inside a Nexus checkout whose SDK is a
// module of its own (sdk/go.mod, a go.work) the vertical is a module of the
// workspace, like the first-party ones; inside another Go module it is a
// package of that module; elsewhere a module of its own requiring the SDK.
func Vertical(o Options) (Result, error) {
	var res Result
	written, err := write(o, &res)
	res.Files = written
	return res, err
}

func write(o Options, res *Result) ([]string, error) {
	if !nameRE.MatchString(o.Name) {
		return nil, fmt.Errorf("vertical name %q must be lowercase letters and digits, starting with a letter (at most 30)", o.Name)
	}
	if token.IsKeyword(o.Name) || reserved[o.Name] {
		return nil, fmt.Errorf("vertical name %q is taken by Go or by a package the vertical imports", o.Name)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s exists and is not empty", o.Dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	data := struct{ Name, Package, Import string }{Name: o.Name, Package: o.Name}
	modFile := ""
	root, module, inModule, err := enclosing(dir, "go.mod")
	if err != nil {
		return nil, err
	}
	ws, _, inWorkspace, err := enclosing(dir, "go.work")
	if err != nil {
		return nil, err
	}
	switch {
	case inWorkspace && exists(filepath.Join(ws, "sdk", "go.mod")):
		rel, err := filepath.Rel(ws, dir)
		if err != nil {
			return nil, err
		}
		wsModule, err := moduleOf(filepath.Join(ws, "go.mod"))
		if err != nil {
			return nil, err
		}
		data.Import = path.Join(wsModule, filepath.ToSlash(rel))
		modFile = goMod(data.Import, ws, dir)
		res.Workspace = ws
	case inModule:
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		data.Import = path.Join(module, filepath.ToSlash(rel))
	default:
		data.Import = o.Module
		if data.Import == "" {
			data.Import = o.Name
		}
		modFile = goMod(data.Import, o.SDKDir, dir)
	}
	res.OwnModule = modFile != ""

	var written []string
	err = fs.WalkDir(templates, "vertical", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "vertical/"), ".tmpl")
		rel = strings.ReplaceAll(rel, "NAME", o.Name)
		src, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		out, err := render(p, string(src), data)
		if err != nil {
			return err
		}
		written = append(written, rel)
		return writeFile(filepath.Join(dir, filepath.FromSlash(rel)), out)
	})
	if err != nil {
		return nil, err
	}
	if modFile != "" {
		if err := writeFile(filepath.Join(dir, "go.mod"), []byte(modFile)); err != nil {
			return nil, err
		}
		written = append(written, "go.mod")
	}
	return written, nil
}

// render executes a template, and gofmt-formats Go output.
func render(name, src string, data any) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	if !strings.HasSuffix(name, ".go.tmpl") {
		return b.Bytes(), nil
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("template %s renders invalid Go: %w", name, err)
	}
	return out, nil
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// enclosing finds the file name (go.mod or go.work) at or above dir and
// returns its directory and, for go.mod, the module path.
func enclosing(dir, name string) (at, module string, ok bool, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, name)) {
			if name == "go.mod" {
				module, err = moduleOf(filepath.Join(d, name))
			}
			return d, module, err == nil, err
		}
		if filepath.Dir(d) == d {
			return "", "", false, nil
		}
	}
}

// moduleOf reads the module path of a go.mod file.
func moduleOf(goModPath string) (string, error) {
	f, err := os.Open(goModPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if m, found := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); found {
			return strings.Trim(strings.TrimSpace(m), `"`), nil
		}
	}
	return "", fmt.Errorf("%s names no module", goModPath)
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// goMod is the go.mod of a vertical in a module of its own: with a Nexus
// checkout at nexus it requires the SDK from there (replace directives,
// relative to the vertical's directory dir); go mod tidy adds the rest.
func goMod(module, nexus, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo 1.26\n\n", module)
	if nexus == "" {
		return b.String() // go mod tidy requires the SDK's latest version
	}
	rel, err := filepath.Rel(dir, nexus)
	if err != nil {
		rel = nexus
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasPrefix(rel, ".") && !strings.HasPrefix(rel, "/") {
		rel = "./" + rel
	}
	if exists(filepath.Join(nexus, "sdk", "go.mod")) {
		fmt.Fprintf(&b, "require %s %s\n\nreplace %s => %s/sdk\n\nreplace %s => %s\n",
			sdkModule, unversioned, sdkModule, rel, coreModule, rel)
		return b.String()
	}
	fmt.Fprintf(&b, "require %s %s\n\nreplace %s => %s\n", coreModule, unversioned, coreModule, rel)
	return b.String()
}
