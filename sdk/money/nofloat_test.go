package money_test

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoFloatInMoneyCode fails if a float type appears anywhere in the
// package's non-test code.
func TestNoFloatInMoneyCode(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	sources := map[string]string{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		sources[p] = string(b)
	}
	require.NotEmpty(t, sources)
	uses, err := floatUses("github.com/nexuspos/nexus/sdk/money", sources)
	require.NoError(t, err)
	require.Empty(t, uses, "float types in money code")
}

// TestFloatUsesDetects proves the checker above catches the ways a float
// can sneak in, including through decimal's float API.
func TestFloatUsesDetects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		found bool
	}{
		{"clean", `func f(d decimal.Decimal) decimal.Decimal { return d.Round(2) }`, false},
		{"float64 variable", `var x float64`, true},
		{"float32 conversion", `func f(i int) any { return float32(i) }`, true},
		{"NewFromFloat value", `var f = decimal.NewFromFloat`, true},
		{"InexactFloat64 call", `func f(d decimal.Decimal) any { return d.InexactFloat64() }`, true},
		{"untyped float constant", `const half = 0.5`, true},
		{"complex", `var c complex128`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "package p\n\nimport \"github.com/shopspring/decimal\"\n\nvar _ decimal.Decimal\n\n" + tc.body + "\n"
			uses, err := floatUses("example.com/p", map[string]string{"p.go": src})
			require.NoError(t, err)
			require.Equal(t, tc.found, len(uses) > 0, "uses: %v", uses)
		})
	}
}

var floatNames = map[string]bool{"float32": true, "float64": true, "complex64": true, "complex128": true}

// floatUses type-checks the given files and lists every place where a float
// (or complex) type is named or where an expression's type involves one.
func floatUses(path string, sources map[string]string) ([]string, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for name, src := range sources {
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		files = append(files, f)
	}
	var uses []string
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && floatNames[id.Name] {
				uses = append(uses, fmt.Sprintf("%s: %s", fset.Position(id.Pos()), id.Name))
			}
			return true
		})
	}
	exports, err := exportData()
	if err != nil {
		return nil, err
	}
	lookup := func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
	pkg, err := conf.Check(path, fset, files, info)
	if err != nil {
		return nil, fmt.Errorf("type-check %s: %w", path, err)
	}
	for expr, tv := range info.Types {
		if hasFloat(tv.Type, pkg, map[types.Type]bool{}) {
			uses = append(uses, fmt.Sprintf("%s: expression of type %s", fset.Position(expr.Pos()), tv.Type))
		}
	}
	return uses, nil
}

// exportData maps every package the money code depends on to its compiler
// export data, built (or taken from the build cache) by the go command once
// per test binary.
var exportData = sync.OnceValues(func() (map[string]string, error) {
	out, err := exec.Command("go", "list", "-export", "-deps",
		"-f", "{{.ImportPath}}={{.Export}}", ".").Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %w", err)
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(out)) {
		path, file, _ := strings.Cut(strings.TrimSpace(line), "=")
		if file != "" {
			exports[path] = file
		}
	}
	return exports, nil
})

// hasFloat reports whether t is or is built from a float or complex type.
// Named types are looked into only when they belong to pkg: a dependency's
// private fields are not money code.
func hasFloat(t types.Type, pkg *types.Package, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Basic:
		return t.Info()&(types.IsFloat|types.IsComplex) != 0
	case *types.Pointer:
		return hasFloat(t.Elem(), pkg, seen)
	case *types.Slice:
		return hasFloat(t.Elem(), pkg, seen)
	case *types.Array:
		return hasFloat(t.Elem(), pkg, seen)
	case *types.Map:
		return hasFloat(t.Key(), pkg, seen) || hasFloat(t.Elem(), pkg, seen)
	case *types.Chan:
		return hasFloat(t.Elem(), pkg, seen)
	case *types.Tuple:
		for i := range t.Len() {
			if hasFloat(t.At(i).Type(), pkg, seen) {
				return true
			}
		}
	case *types.Signature:
		return hasFloat(t.Params(), pkg, seen) || hasFloat(t.Results(), pkg, seen)
	case *types.Struct:
		for i := range t.NumFields() {
			if hasFloat(t.Field(i).Type(), pkg, seen) {
				return true
			}
		}
	case *types.Named:
		if t.Obj().Pkg() == pkg {
			return hasFloat(t.Underlying(), pkg, seen)
		}
	}
	return false
}
