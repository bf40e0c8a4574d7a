// Package host_test holds checks over the whole host tree.
package host_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// knownVerticals are vertical names checked even before their plugin
// directory exists in this tree; every directory under plugins/ is one
// too.
var knownVerticals = []string{"cpg", "services"}

// verticalNames returns the names a host file must not use: each
// directory under root/plugins and knownVerticals.
func verticalNames(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "plugins"))
	if err != nil {
		t.Fatalf("read plugins/: %v", err)
	}
	names := slices.Clone(knownVerticals)
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(names, e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}

// namePattern matches any of names as a word, in any case: in code,
// strings ("cpg.sale.created") and comments ("the CPG vertical") alike.
func namePattern(names []string) *regexp.Regexp {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	return regexp.MustCompile(`(?i)\b(` + strings.Join(quoted, "|") + `)\b`)
}

// urlPattern matches a URL with its scheme: another system's address
// ("https://services.sw.com.mx", ".../ws/services/LoginCms") names that
// system, not a vertical, and is left out of the search.
var urlPattern = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.-]*://[^\s"'\x60]+`)

// repoRoot is the repository's root above the test's directory: the one
// holding go.mod and plugins/ (the host is a module of its own below it).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, errMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, errPlugins := os.Stat(filepath.Join(dir, "plugins"))
		if errMod == nil && errPlugins == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod with a plugins/ directory above the test's directory")
		}
		dir = parent
	}
}

func TestNamePattern(t *testing.T) {
	t.Parallel()
	re := namePattern([]string{"cpg", "services"})
	for _, s := range []string{`"cpg.sale.created"`, "// the CPG vertical", "cpg.sales", "plugins/cpg/migrations",
		"nexus-vertical-cpg", "shared services", `Vertical: "services"`} {
		if !re.MatchString(s) {
			t.Errorf("%q names a vertical but does not match", s)
		}
	}
	for _, s := range []string{"platformServices", "cpgx", "xcpg", "service", "// a vertical's own schema",
		`SWTestURL = "https://services.test.sw.com.mx"`, `WSAA = "https://wsaa.afip.gov.ar/ws/services/LoginCms"`} {
		if re.MatchString(urlPattern.ReplaceAllString(s, "")) {
			t.Errorf("%q names no vertical but matches", s)
		}
	}
	if s := `"https://x.example/a" + "cpg"`; !re.MatchString(urlPattern.ReplaceAllString(s, "")) {
		t.Errorf("%q names a vertical after a URL but does not match", s)
	}
}

// TestHostNamesNoVertical fails when a non-test Go file of the host
// (host/, internal/) names a vertical, even in a comment (URLs aside: they
// name other systems, see urlPattern): whatever the
// host does for verticals goes through a contract every vertical uses the
// same way (DESIGN.md, "The host knows no vertical").
func TestHostNamesNoVertical(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	names := verticalNames(t, root)
	re := namePattern(names)
	var found []string
	files := 0
	for _, dir := range []string{"host", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			files++
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for line := 1; sc.Scan(); line++ {
				if m := re.FindString(urlPattern.ReplaceAllString(sc.Text(), "")); m != "" {
					rel, _ := filepath.Rel(root, path)
					found = append(found, fmt.Sprintf("%s:%d names %q: %s", rel, line, m, strings.TrimSpace(sc.Text())))
				}
			}
			return sc.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 100 {
		t.Fatalf("scanned only %d files under host/ and internal/", files)
	}
	if len(found) > 0 {
		t.Errorf("the host names a vertical (%v) in %d places; use a platform contract instead:\n%s",
			names, len(found), strings.Join(found, "\n"))
	}
}
