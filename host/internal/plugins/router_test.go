package plugins

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/manifest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// routeMethods are the methods a manifest route may have.
var routeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// matchBoth matches one request with the host's router and with
// manifest.Routes (what sdktest routes with) and requires the same answer:
// the same route and parameters, or the same methods allowed.
func matchBoth(t *testing.T, m *nexusv1.Manifest, method, path string) {
	t.Helper()
	mux, err := newRouter(m, func(r *nexusv1.Route) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			rctx := chi.RouteContext(req.Context())
			params := map[string]string{}
			for i, k := range rctx.URLParams.Keys {
				params[k] = rctx.URLParams.Values[i]
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"id": r.GetId(), "params": params})
		})
	})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, "/", nil)
	req.URL.Path = path
	mux.ServeHTTP(rec, req)

	route, params, allowed := manifest.Compile(m).Match(method, path)
	if rec.Code != http.StatusOK {
		require.Nil(t, route, "%s %s: chi found no route, manifest.Routes found %q", method, path, route.GetId())
		var chiAllowed []string
		for _, x := range routeMethods {
			if mux.Match(chi.NewRouteContext(), x, path) {
				chiAllowed = append(chiAllowed, x)
			}
		}
		slices.Sort(chiAllowed)
		slices.Sort(allowed)
		require.Equal(t, chiAllowed, allowed, "%s %s: allowed methods", method, path)
		return
	}
	var got struct {
		ID     string            `json:"id"`
		Params map[string]string `json:"params"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.NotNil(t, route, "%s %s: chi found %q, manifest.Routes none", method, path, got.ID)
	require.Equal(t, got.ID, route.GetId(), "%s %s", method, path)
	require.Equal(t, got.Params, params, "%s %s", method, path)
}

func testRoute(id, method, pattern string) *nexusv1.Route {
	return &nexusv1.Route{Id: id, Method: method, Pattern: pattern, MinRole: "viewer"}
}

func TestRouterMatchesManifestRoutes(t *testing.T) {
	t.Parallel()
	m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{
		testRoute("list", "GET", "/p"), testRoute("create", "POST", "/p"),
		testRoute("get", "GET", "/p/{id}"), testRoute("new", "GET", "/p/new"),
		testRoute("scan", "GET", `/p/{code:[0-9]+}`), testRoute("del", "DELETE", "/p/{id}"),
		testRoute("sub", "GET", "/p/{id}/lines/{line}"), testRoute("deep", "GET", "/p/new/lines/{n}"),
		testRoute("alt", "GET", `/q/{v:a|b}`), testRoute("slash", "GET", "/r/"),
		testRoute("two", "PATCH", "/s/{a}/{b}"), testRoute("twofix", "PATCH", "/s/{a}/x"),
	}}
	require.NoError(t, manifest.Validate(m))
	for _, method := range routeMethods {
		for _, path := range []string{"/", "/p", "/p/", "/p/9", "/p/x9", "/p/new", "/p/new/", "/p/new/lines/3",
			"/p/old/lines/3", "/p//lines/3", "/p/1/lines/", "/q/a", "/q/b", "/q/xb", "/q/ax", "/r", "/r/",
			"/s/1/x", "/s/1/y", "/s//x", "/s/1/", "/nope", "/p/a%2Fb"} {
			matchBoth(t, m, method, path)
		}
	}
}

func FuzzRouterMatchesManifestRoutes(f *testing.F) {
	for _, s := range []string{"/a", "/a/{id}", "/a/{id:[0-9]+}", "{", "/{a}/{b}/{c:.*}", "/a/{id}}", "", "/a/"} {
		f.Add(s, "/a/1")
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		m := &nexusv1.Manifest{Name: "x", Routes: []*nexusv1.Route{testRoute("a", "GET", pattern), testRoute("b", "POST", "/a/{x}")}}
		if manifest.Validate(m) != nil || len(path) == 0 || path[0] != '/' {
			return
		}
		matchBoth(t, m, http.MethodGet, path)
	})
}
