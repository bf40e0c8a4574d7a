// Package apidoctest checks API descriptions in tests: it validates a
// document against the OpenAPI 3.1 meta-schemas (vendored in oas31/, as
// published) with the OpenAPI schema dialect, and compiles every schema the
// document holds as JSON Schema draft 2020-12. Production code must never
// import it.
package apidoctest

import (
	"bytes"
	"embed"
	"fmt"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed oas31/*.json
var metaSchemas embed.FS

// documentSchema is the meta-schema of OpenAPI 3.1 documents whose Schema
// Objects use the OpenAPI dialect (schema-base.json).
const documentSchema = "https://spec.openapis.org/oas/3.1/schema-base/2022-10-07"

var ids = map[string]string{
	"oas31/schema.json":       "https://spec.openapis.org/oas/3.1/schema/2022-10-07",
	"oas31/schema-base.json":  documentSchema,
	"oas31/dialect-base.json": "https://spec.openapis.org/oas/3.1/dialect/base",
	"oas31/meta-base.json":    "https://spec.openapis.org/oas/3.1/meta/base",
}

// Validate fails t unless doc is a valid OpenAPI 3.1 document whose
// schemas (components and inline) are valid JSON Schemas.
func Validate(t testing.TB, doc []byte) {
	t.Helper()
	if err := validate(doc); err != nil {
		t.Fatalf("API description: %v", err)
	}
}

func validate(doc []byte) error {
	c := jsonschema.NewCompiler()
	for file, id := range ids {
		raw, err := metaSchemas.ReadFile(file)
		if err != nil {
			return err
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(id, v); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	meta, err := c.Compile(documentSchema)
	if err != nil {
		return fmt.Errorf("compile the OpenAPI 3.1 meta-schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := meta.Validate(v); err != nil {
		return fmt.Errorf("not valid OpenAPI 3.1: %w", err)
	}
	return compileSchemas(v)
}

// compileSchemas compiles the document's component schemas and every
// inline schema of a parameter or body as draft 2020-12, resolving
// references against the document itself.
func compileSchemas(doc any) error {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const base = "mem:///openapi.json"
	if err := c.AddResource(base, doc); err != nil {
		return err
	}
	root, _ := doc.(map[string]any)
	var locs []string
	if comps, ok := root["components"].(map[string]any); ok {
		if schemas, ok := comps["schemas"].(map[string]any); ok {
			for name := range schemas {
				locs = append(locs, "#/components/schemas/"+escape(name))
			}
		}
	}
	paths, _ := root["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, op := range ops {
			at := "#/paths/" + escape(path) + "/" + method
			o, _ := op.(map[string]any)
			params, _ := o["parameters"].([]any)
			for i := range params {
				locs = append(locs, fmt.Sprintf("%s/parameters/%d/schema", at, i))
			}
			if rb, ok := o["requestBody"].(map[string]any); ok {
				locs = append(locs, mediaSchemas(at+"/requestBody", rb)...)
			}
			responses, _ := o["responses"].(map[string]any)
			for status, res := range responses {
				if r, ok := res.(map[string]any); ok {
					locs = append(locs, mediaSchemas(at+"/responses/"+escape(status), r)...)
				}
			}
		}
	}
	for _, loc := range locs {
		if _, err := c.Compile(base + loc); err != nil {
			return fmt.Errorf("schema %s: %w", loc, err)
		}
	}
	return nil
}

func mediaSchemas(at string, holder map[string]any) []string {
	var out []string
	content, _ := holder["content"].(map[string]any)
	for typ, media := range content {
		if m, ok := media.(map[string]any); ok && m["schema"] != nil {
			out = append(out, at+"/content/"+escape(typ)+"/schema")
		}
	}
	return out
}

// escape makes s one JSON pointer token inside a URI fragment.
func escape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '~':
			b.WriteString("~0")
		case '/':
			b.WriteString("~1")
		case '{':
			b.WriteString("%7B")
		case '}':
			b.WriteString("%7D")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
