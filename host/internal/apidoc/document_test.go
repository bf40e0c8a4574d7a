package apidoc_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/apidoc/apidoctest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
)

type item struct {
	SKU   string          `json:"sku"`
	Price decimal.Decimal `json:"price"`
}

type newOrder struct {
	Lines []item `json:"lines"`
}

type order struct {
	ID    string `json:"id"`
	Lines []struct {
		Item item `json:"item"`
	} `json:"lines"`
	Next *order `json:"next,omitempty"`
}

func schema(t *testing.T, v any) string {
	t.Helper()
	s, err := sdk.JSONSchema(v)
	require.NoError(t, err)
	return s
}

func build(t *testing.T) (*apidoc.Document, []byte) {
	t.Helper()
	b, err := apidoc.New("test")
	require.NoError(t, err)
	require.NoError(t, b.AddHost([]apidoc.Route{
		{Method: http.MethodGet, Path: "/healthz", Doc: &apidoc.Op{Summary: "alive", Public: true, Response: map[string]string{}}},
		{Method: http.MethodPost, Path: "/api/v1/things/", Doc: &apidoc.Op{Summary: "make", Request: newOrder{}, Response: order{}, Status: 201}},
		{Method: http.MethodGet, Path: "/api/v1/things/{id:[0-9]+}/", Doc: &apidoc.Op{Summary: "one", Query: []string{"expand"}, Response: order{}}},
		{Method: http.MethodDelete, Path: "/api/v1/things/{id:[0-9]+}"},
		{Method: http.MethodGet, Path: "/api/v1/verticals/{vertical}/*"},
	}))
	require.NoError(t, b.AddVertical(apidoc.Vertical{Name: "shop", Version: "1.2.0", Routes: []*nexusv1.Route{
		{Id: "create", Method: "POST", Pattern: "/orders", MinRole: "cashier", Summary: "Create an order",
			RequestSchema: schema(t, newOrder{}), ResponseSchema: schema(t, order{}),
			RequestExample: `{"lines":[{"sku":"A","price":"1.00"}]}`},
		{Id: "list", Method: "GET", Pattern: "/orders", MinRole: "viewer", Summary: "List orders",
			ResponseSchema: schema(t, sdk.Page[order]{})},
		{Id: "get", Method: "GET", Pattern: "/orders/{id}", MinRole: "viewer", Summary: "An order", ResponseExample: `{"id":"x"}`},
	}}))
	raw, err := json.Marshal(b.Document())
	require.NoError(t, err)
	return b.Document(), raw
}

func TestDocumentIsValidOpenAPI31(t *testing.T) {
	t.Parallel()
	doc, raw := build(t)
	apidoctest.Validate(t, raw)

	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.NotContains(t, doc.Paths, "/api/v1/verticals/{vertical}/*", "the forwarding catch-all is replaced by the verticals' routes")
	require.Contains(t, doc.Paths, "/api/v1/things", "chi's trailing slash is dropped")
	one := doc.Paths["/api/v1/things/{id}"]["get"]
	require.Equal(t, "one", one.Summary)
	require.Equal(t, `{"pattern":"^[0-9]+$","type":"string"}`, string(one.Parameters[0].Schema))
	require.Equal(t, "expand", one.Parameters[1].Name)
	require.Contains(t, doc.Paths["/api/v1/things/{id}"], "delete", "an undocumented route is still described")
	require.Contains(t, doc.Paths["/api/v1/things"]["post"].Responses, "201")
	require.NotNil(t, doc.Paths["/healthz"]["get"].Security, "public routes need no token")
	require.Empty(t, doc.Paths["/healthz"]["get"].Security)

	create := doc.Paths["/api/v1/verticals/shop/orders"]["post"]
	require.Equal(t, "cashier", create.MinRole)
	require.Equal(t, []string{"shop"}, create.Tags)
	require.JSONEq(t, `{"lines":[{"sku":"A","price":"1.00"}]}`, string(create.RequestBody.Content["application/json"].Example))
	require.JSONEq(t, `{"$ref":"#/components/schemas/shop.newOrder"}`, string(create.RequestBody.Content["application/json"].Schema),
		"definitions move into components under the vertical's name")
	require.Contains(t, string(doc.Components.Schemas["shop.newOrder"]), `"#/components/schemas/shop.item"`)
	require.Contains(t, string(doc.Components.Schemas["shop.order"]), `"#/components/schemas/shop.order"`, "recursive types refer to themselves")
	require.Contains(t, doc.Components.Schemas, "host.item")
	get := doc.Paths["/api/v1/verticals/shop/orders/{id}"]["get"]
	require.JSONEq(t, `{"id":"x"}`, string(get.Responses["2XX"].Content["application/json"].Example))
}

func TestValidateRefusesBrokenDocuments(t *testing.T) {
	t.Parallel()
	_, raw := build(t)
	for name, mutate := range map[string]func(map[string]any){
		"OpenAPI 3.0": func(d map[string]any) { d["openapi"] = "3.0.3" },
		"response without text": func(d map[string]any) {
			path(d, "/healthz", "get")["responses"] = map[string]any{"200": map[string]any{}}
		},
		"dangling reference": func(d map[string]any) {
			delete(d["components"].(map[string]any)["schemas"].(map[string]any), "shop.item")
		},
		"schema that is no schema": func(d map[string]any) {
			d["components"].(map[string]any)["schemas"].(map[string]any)["bad"] = map[string]any{"type": 7}
		},
	} {
		var d map[string]any
		require.NoError(t, json.Unmarshal(raw, &d))
		mutate(d)
		broken, err := json.Marshal(d)
		require.NoError(t, err)
		ft := &fakeT{}
		apidoctest.Validate(ft, broken)
		require.True(t, ft.failed, "%s must not validate", name)
	}
}

func path(d map[string]any, p, method string) map[string]any {
	return d["paths"].(map[string]any)[p].(map[string]any)[method].(map[string]any)
}

func TestComponentNamesDoNotCollide(t *testing.T) {
	t.Parallel()
	b, err := apidoc.New("test")
	require.NoError(t, err)
	first := `{"type":"object","properties":{"v":{"$ref":"#/$defs/thing"}},"$defs":{"thing":{"type":"string"}}}`
	second := `{"type":"object","properties":{"v":{"$ref":"#/$defs/thing"}},"$defs":{"thing":{"type":"integer"}}}`
	require.NoError(t, b.AddVertical(apidoc.Vertical{Name: "v", Routes: []*nexusv1.Route{
		{Id: "1", Method: "GET", Pattern: "/one", MinRole: "viewer", ResponseSchema: first},
		{Id: "2", Method: "GET", Pattern: "/two", MinRole: "viewer", ResponseSchema: second},
		{Id: "3", Method: "GET", Pattern: "/three", MinRole: "viewer", ResponseSchema: first},
	}}))
	doc := b.Document()
	require.JSONEq(t, `{"type":"string"}`, string(doc.Components.Schemas["v.thing"]))
	require.JSONEq(t, `{"type":"integer"}`, string(doc.Components.Schemas["v.thing2"]))
	require.Contains(t, string(doc.Paths["/api/v1/verticals/v/two"]["get"].Responses["2XX"].Content["application/json"].Schema), "v.thing2")
	require.Contains(t, string(doc.Paths["/api/v1/verticals/v/three"]["get"].Responses["2XX"].Content["application/json"].Schema), `v.thing"`)

	require.Error(t, b.AddVertical(apidoc.Vertical{Name: "w", Routes: []*nexusv1.Route{
		{Id: "1", Method: "GET", Pattern: "/x", MinRole: "viewer", ResponseSchema: "not json"},
	}}))
}

// fakeT records a failure instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }
