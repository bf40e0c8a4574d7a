package money_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoFloatInMoneyCode type-checks the package's non-test files and fails
// if a float type is named or any expression, including a call such as
// decimal.NewFromFloat or Decimal.InexactFloat64, involves a float type.
func TestNoFloatInMoneyCode(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files)

	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && (id.Name == "float32" || id.Name == "float64") {
				t.Errorf("%s: float type %s in money code", fset.Position(id.Pos()), id.Name)
			}
			return true
		})
	}

	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("github.com/nexuspos/nexus/sdk/money", fset, files, info)
	require.NoError(t, err)
	for expr, tv := range info.Types {
		if hasFloat(tv.Type, pkg, map[types.Type]bool{}) {
			t.Errorf("%s: expression of type %s involves a float", fset.Position(expr.Pos()), tv.Type)
		}
	}
}

// hasFloat reports whether t is or is built from a float type. Named types
// are looked into only when they belong to pkg: a dependency's private
// fields are not money code.
func hasFloat(t types.Type, pkg *types.Package, seen map[types.Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t := t.(type) {
	case *types.Basic:
		return t.Info()&types.IsFloat != 0 || t.Info()&types.IsComplex != 0
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
