package sdk_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

type line struct {
	SKU   string          `json:"sku"`
	Qty   int             `json:"qty"`
	Price decimal.Decimal `json:"price"`
	Note  string          `json:"note,omitempty" jsonschema:"description=free text"`
}

type order struct {
	ID       uuid.UUID  `json:"id"`
	Lines    []line     `json:"lines"`
	PlacedAt time.Time  `json:"placed_at"`
	Paid     *time.Time `json:"paid_at,omitempty"`
}

// compile checks that schema is a valid draft 2020-12 schema and returns it
// ready to validate instances.
func compile(t *testing.T, schema string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	require.NoError(t, c.AddResource("mem:///schema.json", doc))
	s, err := c.Compile("mem:///schema.json")
	require.NoError(t, err, schema)
	return s
}

func validates(t *testing.T, s *jsonschema.Schema, instance string) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(instance))
	require.NoError(t, err)
	return s.Validate(v)
}

func TestJSONSchemaDescribesWhatEncodingJSONWrites(t *testing.T) {
	t.Parallel()
	raw, err := sdk.JSONSchema(order{})
	require.NoError(t, err)
	s := compile(t, raw)

	ok, err := json.Marshal(order{ID: uuid.New(), PlacedAt: time.Now(),
		Lines: []line{{SKU: "A-1", Qty: 2, Price: decimal.RequireFromString("1160.00")}}})
	require.NoError(t, err)
	require.NoError(t, validates(t, s, string(ok)), "what encoding/json writes must validate")

	for name, bad := range map[string]string{
		"float price":      `{"id":"6f1c2b9e-4a55-4b1e-9b8a-2d2f7c1e0a11","placed_at":"2026-12-05T10:00:00Z","lines":[{"sku":"A","qty":1,"price":11.6}]}`,
		"unknown field":    `{"id":"6f1c2b9e-4a55-4b1e-9b8a-2d2f7c1e0a11","placed_at":"2026-12-05T10:00:00Z","lines":[],"extra":1}`,
		"missing required": `{"id":"6f1c2b9e-4a55-4b1e-9b8a-2d2f7c1e0a11","lines":[]}`,
		"qty as string":    `{"id":"6f1c2b9e-4a55-4b1e-9b8a-2d2f7c1e0a11","placed_at":"2026-12-05T10:00:00Z","lines":[{"sku":"A","qty":"1","price":"1"}]}`,
	} {
		require.Error(t, validates(t, s, bad), name)
	}
	require.Contains(t, raw, `"description":"free text"`)
}

func TestJSONSchemaOfPagesAndExamples(t *testing.T) {
	t.Parallel()
	raw, err := sdk.JSONSchema(sdk.Page[line]{})
	require.NoError(t, err)
	s := compile(t, raw)
	require.NoError(t, validates(t, s, `{"data":[{"sku":"A","qty":1,"price":"1.00"}],"next_cursor":null}`))
	require.Contains(t, raw, `"#/$defs/line"`, "named element types are definitions")

	raw, err = sdk.JSONSchema(map[string]string{"message": "hi"})
	require.NoError(t, err)
	require.NoError(t, validates(t, compile(t, raw), `{"message":"anything"}`))

	none, err := sdk.JSONSchema(nil)
	require.NoError(t, err)
	require.Empty(t, none)

	_, err = sdk.JSONSchema(struct{ F func() }{})
	require.Error(t, err, "a type JSON cannot encode has no schema")
}

func ExampleJSONSchema() {
	type newNote struct {
		Body string `json:"body" jsonschema:"minLength=1"`
	}
	schema, err := sdk.JSONSchema(newNote{})
	if err != nil {
		panic(err)
	}
	fmt.Println(schema)
	// Output:
	// {"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/newNote","$defs":{"newNote":{"properties":{"body":{"type":"string","minLength":1}},"additionalProperties":false,"type":"object","required":["body"]}}}
}

func ExampleRoute_Takes() {
	type newNote struct {
		Body string `json:"body"`
	}
	type note struct {
		ID   string `json:"id"`
		Body string `json:"body"`
	}
	route := sdk.POST("/notes", sdk.RoleCashier, "Write a note", func(c *sdk.Context) error {
		var in newNote
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.JSON(201, note{ID: "n1", Body: in.Body})
	}).Takes(newNote{}).Returns(note{})
	fmt.Printf("%T %T\n", route.RequestType, route.ResponseType)
	// Output:
	// sdk_test.newNote sdk_test.note
}
