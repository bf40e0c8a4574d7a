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

// SDKModule is the Go module of the SDK; a vertical in a module of its own
// requires it and nothing else of Nexus.
const SDKModule = "github.com/nexuspos/nexus/sdk"

// coreModule is the module the SDK module requires (the repository's
// root: protocol, DAL, migrator); a vertical built from a local checkout
// replaces it too, as a replace in the SDK's go.mod does not reach the
// vertical's build.
const coreModule = "github.com/nexuspos/nexus"

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
	// SDKDir, for a vertical in no module, is a local checkout of Nexus
	// (its root directory): SDKModule and the module it requires are
	// taken from there by replace directives.
	SDKDir string
}

// Vertical writes a new vertical and returns the paths of the files
// written, relative to o.Dir.
func Vertical(o Options) ([]string, error) {
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
	if root, module, ok, err := enclosingModule(dir); err != nil {
		return nil, err
	} else if ok {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		data.Import = path.Join(module, filepath.ToSlash(rel))
	} else {
		data.Import = o.Module
		if data.Import == "" {
			data.Import = o.Name
		}
		modFile = goMod(data.Import, o.SDKDir)
	}

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

// enclosingModule finds the go.mod at or above dir and returns its
// directory and module path.
func enclosingModule(dir string) (root, module string, ok bool, err error) {
	for d := dir; ; d = filepath.Dir(d) {
		f, err := os.Open(filepath.Join(d, "go.mod"))
		if err == nil {
			defer f.Close()
			s := bufio.NewScanner(f)
			for s.Scan() {
				if m, found := strings.CutPrefix(strings.TrimSpace(s.Text()), "module "); found {
					return d, strings.Trim(strings.TrimSpace(m), `"`), true, nil
				}
			}
			return "", "", false, fmt.Errorf("%s/go.mod names no module", d)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", false, err
		}
		if filepath.Dir(d) == d {
			return "", "", false, nil
		}
	}
}

// goMod is the go.mod of a vertical in a module of its own.
func goMod(module, sdkDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo 1.26\n\nrequire %s v0.0.0\n", module, SDKModule)
	if sdkDir != "" {
		fmt.Fprintf(&b, "\nreplace %s => %s\n", SDKModule, filepath.ToSlash(filepath.Join(sdkDir, "sdk")))
		fmt.Fprintf(&b, "\nreplace %s => %s\n", coreModule, filepath.ToSlash(sdkDir))
	}
	return b.String()
}
