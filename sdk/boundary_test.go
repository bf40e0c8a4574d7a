package sdk

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// protoPath is the import path of the host ⇄ plugin contract.
const protoPath = "github.com/nexuspos/nexus/proto/nexus/v1"

// TestProtobufStaysInConvert keeps convert.go's promise: besides it, only
// server.go (the generated Vertical service's methods) and bridge.go
// (sdktest's way to them) import the protobuf package, and no exported
// declaration of the package mentions a protobuf type.
func TestProtobufStaysInConvert(t *testing.T) {
	t.Parallel()
	allowed := map[string]bool{"convert.go": true, "server.go": true, "bridge.go": true}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		alias := ""
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == protoPath {
				require.True(t, allowed[name], "%s imports %s: build and read messages in convert.go", name, protoPath)
				alias = "nexusv1"
				if imp.Name != nil {
					alias = imp.Name.Name
				}
			}
		}
		if alias == "" {
			continue
		}
		for _, d := range f.Decls {
			for _, n := range exportedAPI(d) {
				ast.Inspect(n, func(x ast.Node) bool {
					if sel, ok := x.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == alias {
							t.Errorf("%s: exported API mentions %s.%s", fset.Position(sel.Pos()), alias, sel.Sel.Name)
						}
					}
					return true
				})
			}
		}
	}
}

// exportedAPI returns the parts of d that an importer of the package sees:
// an exported function's signature (a method's when its receiver type is
// exported too), an exported type's definition, an exported constant's or
// variable's type.
func exportedAPI(d ast.Decl) []ast.Node {
	var out []ast.Node
	switch d := d.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() {
			return nil
		}
		if d.Recv != nil && !exportedReceiver(d.Recv.List[0].Type) {
			return nil
		}
		out = append(out, d.Type)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if s.Name.IsExported() {
					out = append(out, exportedFields(s.Type))
				}
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.IsExported() && s.Type != nil {
						out = append(out, s.Type)
					}
				}
			}
		}
	}
	return out
}

// exportedReceiver reports whether a method's receiver type is exported.
func exportedReceiver(t ast.Expr) bool {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}

// exportedFields is t without a struct's unexported fields, which an
// importer cannot see.
func exportedFields(t ast.Expr) ast.Node {
	st, ok := t.(*ast.StructType)
	if !ok {
		return t
	}
	visible := &ast.FieldList{}
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.IsExported() {
				visible.List = append(visible.List, f)
				break
			}
		}
		if len(f.Names) == 0 {
			visible.List = append(visible.List, f) // embedded: promoted
		}
	}
	return &ast.StructType{Fields: visible}
}
