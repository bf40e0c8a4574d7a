package sdk

import (
	"fmt"
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

// wirePackages are the import paths, or their prefixes, of the wire: the
// protocol's generated code, gRPC and protobuf.
var wirePackages = []string{protoPath, "google.golang.org/grpc", "google.golang.org/protobuf"}

// wireMentions lists where the exported API of file f mentions a type of
// a wire package.
func wireMentions(fset *token.FileSet, f *ast.File) []string {
	aliases := map[string]bool{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		for _, w := range wirePackages {
			if path == w || strings.HasPrefix(path, w+"/") {
				name := path[strings.LastIndex(path, "/")+1:]
				if imp.Name != nil {
					name = imp.Name.Name
				}
				aliases[name] = true
			}
		}
	}
	var out []string
	for _, d := range f.Decls {
		for _, n := range exportedAPI(d) {
			ast.Inspect(n, func(x ast.Node) bool {
				if sel, ok := x.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && aliases[id.Name] {
						out = append(out, fmt.Sprintf("%s: %s.%s", fset.Position(sel.Pos()), id.Name, sel.Sel.Name))
					}
				}
				return true
			})
		}
	}
	return out
}

// TestNoWireTypeInSubpackages extends the promise to every package of the
// module a vertical imports (money, taxid, gtin, kind, outbound, sdktest
// ...): none of their exported declarations mentions a protobuf, gRPC or
// generated protocol type, though sdktest uses them inside.
func TestNoWireTypeInSubpackages(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("*/*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	packages := map[string]bool{}
	for _, name := range dirs {
		dir := filepath.Dir(name)
		if strings.HasSuffix(name, "_test.go") || dir == "internal" || dir == "testdata" {
			continue
		}
		packages[dir] = true
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		require.Empty(t, wireMentions(fset, f), "a vertical would see wire types in %s", name)
	}
	require.Contains(t, packages, "sdktest", "the check reads the sub-packages")

	src := `package x
import (
	pb "github.com/nexuspos/nexus/proto/nexus/v1"
	"google.golang.org/grpc/metadata"
)
type Exposed struct{ Req *pb.RouteRequest; hidden *pb.RouteResponse }
func Leak(md metadata.MD) {}
func fine(r *pb.RouteRequest) {}
`
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	require.NoError(t, err)
	require.Len(t, wireMentions(fset, f), 2, "the check sees an exported field and parameter, not unexported ones")
}
