package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/apidoc/apidoctest"
)

// TestOpenAPIDescribesTheHostAndTheCompanysVerticals fetches the real
// host's API description as an anonymous caller and as members of two
// companies with different verticals enabled: each is valid OpenAPI 3.1,
// each described route is mounted (never route_not_found), every route of
// an enabled vertical is there with the schemas its Go types give, and no
// route of a vertical the company did not enable is.
func TestOpenAPIDescribesTheHostAndTheCompanysVerticals(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"hello": hello(t), "probe": probe(t)}))
	a := h.NewTenant("MX", "hello", "probe")
	b := h.NewTenant("AR", "hello")

	fetch := func(token string) apidoc.Document {
		t.Helper()
		res := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/openapi.json", token, nil)
		apidoctest.Validate(t, res.Body)
		var doc apidoc.Document
		res.Decode(t, &doc)
		return doc
	}
	anon, docA, docB := fetch(""), fetch(a.Tokens["viewer"]), fetch(b.Tokens["viewer"])

	routes := map[string]int{}
	var list struct {
		Data []struct {
			Name   string `json:"name"`
			Routes int    `json:"routes"`
		} `json:"data"`
	}
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals", a.Tokens["viewer"], nil).Decode(t, &list)
	for _, v := range list.Data {
		routes[v.Name] = v.Routes
	}
	count := func(doc apidoc.Document, prefix string) int {
		n := 0
		for path, item := range doc.Paths {
			if strings.HasPrefix(path, prefix) {
				n += len(item)
			}
		}
		return n
	}
	require.Zero(t, count(anon, "/api/v1/verticals/"), "anonymous callers see host routes only")
	require.Equal(t, routes["hello"], count(docA, "/api/v1/verticals/hello/"), "every hello route is described")
	require.Equal(t, routes["probe"], count(docA, "/api/v1/verticals/probe/"), "every probe route is described")
	require.Equal(t, routes["hello"], count(docB, "/api/v1/verticals/hello/"))
	require.Zero(t, count(docB, "/api/v1/verticals/probe/"), "a vertical the company did not enable is not described")
	require.Equal(t, count(anon, "/"), count(docA, "/")-routes["hello"]-routes["probe"], "the host's routes are the same for everyone")

	echo := docA.Paths["/api/v1/verticals/hello/echo"]["post"]
	require.Equal(t, "cashier", echo.MinRole)
	require.JSONEq(t, `{"$ref":"#/components/schemas/hello.echoRequest"}`, string(echo.RequestBody.Content["application/json"].Schema))
	require.JSONEq(t, `{"properties":{"message":{"type":"string"}},"additionalProperties":false,"type":"object","required":["message"]}`,
		string(docA.Components.Schemas["hello.echoRequest"]))
	var note struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(docA.Components.Schemas["probe.note"], &note))
	require.Equal(t, "string", note.Properties["amount"]["type"], "decimals are strings")
	require.Equal(t, "Log in with email and password; company_id picks the company (default: the first)",
		anon.Paths["/api/v1/auth/login"]["post"].Summary)

	// Every described route is mounted: calling it never answers
	// route_not_found or method_not_allowed.
	param := regexp.MustCompile(`\{[^}]+\}`)
	owner := a.Tokens["owner"]
	for path, item := range docA.Paths {
		for method := range item {
			concrete := param.ReplaceAllString(path, "00000000-0000-0000-0000-000000000000")
			res := h.Call(strings.ToUpper(method), concrete, owner, nil)
			code := res.ErrorCode()
			require.NotContains(t, []string{"route_not_found", "method_not_allowed"}, code, "%s %s is described but not mounted", method, path)
			if code == "" {
				require.NotEqual(t, http.StatusNotFound, res.Status, "%s %s", method, path)
			}
		}
	}

	page := h.Expect(http.StatusOK, http.MethodGet, "/api/docs", "", nil)
	require.Contains(t, string(page.Body), "/api/docs/app.js")
	require.Equal(t, http.StatusUnauthorized, h.Call(http.MethodGet, "/api/v1/openapi.json", "not-a-token", nil).Status,
		"a bad token is refused, not treated as anonymous")
}
