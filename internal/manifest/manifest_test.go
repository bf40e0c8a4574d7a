package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func route(id, method, pattern string) *nexusv1.Route {
	return &nexusv1.Route{Id: id, Method: method, Pattern: pattern, MinRole: "viewer"}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		m      *nexusv1.Manifest
		errMsg string
	}{
		{"good", &nexusv1.Manifest{Name: "cpg", Routes: []*nexusv1.Route{
			route("a", "GET", "/products"), route("b", "GET", "/products/{id}"),
			route("c", "POST", "/products/{id}/variants"), route("d", "GET", `/scan/{code:[0-9]+}`),
		}}, ""},
		{"bad name", &nexusv1.Manifest{Name: "Bad Name"}, "name"},
		{"duplicate id", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a"), route("a", "GET", "/b")}}, "duplicate id"},
		{"same shape", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/{id}"), route("b", "GET", "/a/{key}")}}, "duplicates route"},
		{"same path other method is fine", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a"), route("b", "POST", "/a")}}, ""},
		{"no leading slash", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "a")}}, "must start with /"},
		{"unbalanced", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/{id")}}, "unbalanced {"},
		{"stray brace", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/id}")}}, "unbalanced }"},
		{"bad param", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/{1x}")}}, "bad parameter name"},
		{"repeated param", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/{id}/{id}")}}, "appears twice"},
		{"bad regexp", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/{id:[}")}}, "parameter"},
		{"partial segment", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a-{id}")}}, "whole path segment"},
		{"wildcard", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a/*")}}, "wildcards"},
		{"empty segment", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/a//b")}}, "empty path segment"},
		{"bad method", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "TRACE", "/a")}}, "unsupported method"},
		{"bad role", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{{Id: "a", Method: "GET", Pattern: "/a", MinRole: "god"}}}, "unknown min_role"},
		{"empty id", &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("", "GET", "/a")}}, "empty id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.m)
			if tt.errMsg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.errMsg)
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{
		route("list", "GET", "/p"), route("create", "POST", "/p"),
		route("get", "GET", "/p/{id}"), route("new", "GET", "/p/new"),
		route("scan", "GET", `/p/{code:[0-9]+}`), route("del", "DELETE", "/p/{id}"),
		route("sub", "GET", "/p/{id}/lines/{line}"), route("deep", "GET", "/p/new/lines/{n}"),
		route("alt", "GET", `/q/{v:a|b}`), route("slash", "GET", "/r/"),
	}}
	require.NoError(t, Validate(m))
	rs := Compile(m)
	tests := []struct {
		method, path, want string
		params             map[string]string
		allowed            []string
	}{
		{"GET", "/p", "list", map[string]string{}, nil},
		{"POST", "/p", "create", map[string]string{}, nil},
		{"GET", "/p/9", "scan", map[string]string{"code": "9"}, nil},
		{"GET", "/p/x9", "get", map[string]string{"id": "x9"}, nil},
		{"GET", "/p/new", "new", map[string]string{}, nil},
		{"DELETE", "/p/new", "del", map[string]string{"id": "new"}, nil},
		{"GET", "/p/new/lines/3", "deep", map[string]string{"n": "3"}, nil},
		{"GET", "/p/old/lines/3", "sub", map[string]string{"id": "old", "line": "3"}, nil},
		{"GET", "/p//lines/3", "sub", map[string]string{"id": "", "line": "3"}, nil},
		{"GET", "/q/a", "alt", map[string]string{"v": "a"}, nil},
		{"GET", "/q/xb", "alt", map[string]string{"v": "xb"}, nil},
		{"GET", "/r/", "slash", map[string]string{}, nil},
		{"GET", "/r", "", nil, nil},
		{"GET", "/p/", "", nil, nil},
		{"GET", "/nope", "", nil, nil},
		{"GET", "p", "", nil, nil},
		{"PUT", "/p", "", nil, []string{"GET", "POST"}},
		{"POST", "/p/7", "", nil, []string{"GET", "DELETE"}},
	}
	for _, tt := range tests {
		r, params, allowed := rs.Match(tt.method, tt.path)
		require.Equal(t, tt.want, r.GetId(), "%s %s", tt.method, tt.path)
		require.Equal(t, tt.params, params, "%s %s", tt.method, tt.path)
		require.Equal(t, tt.allowed, allowed, "%s %s", tt.method, tt.path)
	}
}

func TestValidateRefusesSlashInRegexp(t *testing.T) {
	t.Parallel()
	m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", "/p/{x:a/b}")}}
	require.ErrorContains(t, Validate(m), "may not hold /")
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/a", "/a/{id}", "/a/{id:[0-9]+}", "{", "/{a}/{b}/{c:.*}", "/a/{id}}", ""} {
		f.Add(s, "/a/1")
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", pattern)}}
		if Validate(m) != nil {
			return
		}
		r, params, _ := Compile(m).Match("GET", path)
		if r == nil {
			return
		}
		for k, v := range params {
			if strings.Contains(v, "/") {
				t.Fatalf("pattern %q path %q: parameter %s=%q spans segments", pattern, path, k, v)
			}
		}
	})
}
