package manifest

import (
	"net/http"
	"net/http/httptest"
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

func TestRouter(t *testing.T) {
	t.Parallel()
	m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("get", "GET", "/p/{id}"), route("post", "POST", "/p")}}
	require.NoError(t, Validate(m))
	mux, err := Router(m, func(r *nexusv1.Route) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(r.GetId())) })
	})
	require.NoError(t, err)
	for path, want := range map[string]string{"/p/9": "get", "/p": ""} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, want, rec.Body.String(), path)
	}
}

func FuzzValidatePattern(f *testing.F) {
	for _, s := range []string{"/a", "/a/{id}", "/a/{id:[0-9]+}", "{", "/{a}/{b}/{c:.*}", "/a/{id}}", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{route("a", "GET", pattern)}}
		if Validate(m) != nil {
			return
		}
		if _, err := Router(m, func(*nexusv1.Route) http.Handler { return http.NotFoundHandler() }); err != nil {
			t.Fatalf("valid pattern %q rejected by chi: %v", pattern, err)
		}
	})
}
