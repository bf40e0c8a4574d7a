package sdk

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/money"
)

// JSONSchema returns the JSON Schema (draft 2020-12) of the type of v as
// encoding/json writes and c.Bind reads it: fields by their json tag,
// required unless tagged omitempty, no properties beyond the declared ones
// (c.Bind refuses unknown fields), decimals and other text-encoded types
// as strings. Named struct types, v's own included, are in "$defs",
// referenced as "#/$defs/Name". A nil v has no schema (""). Field descriptions come from
// `jsonschema:"description=..."` tags.
//
// The SDK derives the schemas of a route's Request and Response types with
// it when the host asks for the manifest; the host's OpenAPI document
// (GET /api/v1/openapi.json) shows them.
func JSONSchema(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	return typeSchema(reflect.TypeOf(v))
}

func typeSchema(t reflect.Type) (schema string, err error) {
	defer func() {
		// The reflector panics on types JSON cannot encode (func, chan).
		if p := recover(); p != nil {
			err = fmt.Errorf("json schema of %s: %v", t, p)
		}
	}()
	root := reflector.ReflectFromType(t)
	markNullable(t, root, root.Definitions, map[string]bool{})
	b, err := json.Marshal(root)
	if err != nil {
		return "", fmt.Errorf("json schema of %s: %w", t, err)
	}
	return string(b), nil
}

var (
	reflector = &jsonschema.Reflector{
		Anonymous: true,
		Mapper:    textSchema,
		Namer:     schemaName,
	}
	decimalType       = reflect.TypeFor[decimal.Decimal]()
	amountType        = reflect.TypeFor[money.Amount]()
	timeType          = reflect.TypeFor[time.Time]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// textSchema maps the types encoding/json writes as strings through
// MarshalText (decimal amounts, UUIDs...) to string schemas; the reflector
// takes every other type apart itself.
func textSchema(t reflect.Type) *jsonschema.Schema {
	switch {
	case t == decimalType:
		return &jsonschema.Schema{Type: "string", Pattern: money.DecimalPattern,
			Description: "decimal number, as a string"}
	case t == amountType:
		return &jsonschema.Schema{Type: "string", Pattern: money.DecimalPattern,
			Description: "money amount, as a string with the currency's decimals (\"1160.00\")"}
	case t == timeType:
		return &jsonschema.Schema{Type: "string", Format: "date-time"}
	case t.Kind() == reflect.Array && t.Len() == 16 && t.Elem().Kind() == reflect.Uint8 && t.Implements(textMarshalerType):
		return &jsonschema.Schema{Type: "string", Format: "uuid"}
	case t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType):
		return &jsonschema.Schema{Type: "string"}
	}
	return nil
}

// schemaName names a type's definition: its Go name, with the type
// arguments of a generic type (Page[pkg.Note]) spelled into it (PageNote).
func schemaName(t reflect.Type) string {
	name := t.Name()
	head, args, generic := strings.Cut(name, "[")
	if !generic {
		return name
	}
	var b strings.Builder
	b.WriteString(head)
	for _, arg := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
		arg = arg[strings.LastIndexAny(arg, "./")+1:]
		b.WriteString(strings.Map(func(r rune) rune {
			if r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, arg))
	}
	return b.String()
}

// markNullable lets the properties encoding/json may write as null (nil
// pointers without omitempty) be null, walking t and its schema s together;
// the reflector marks only fields tagged nullable.
func markNullable(t reflect.Type, s *jsonschema.Schema, defs jsonschema.Definitions, seen map[string]bool) {
	t = derefType(t)
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
		if seen[name] || defs[name] == nil {
			return
		}
		seen[name] = true
		s = defs[name]
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if s.Items != nil {
			markNullable(t.Elem(), s.Items, defs, seen)
		}
	case reflect.Map:
		if s.AdditionalProperties != nil {
			markNullable(t.Elem(), s.AdditionalProperties, defs, seen)
		}
	case reflect.Struct:
		if s.Properties != nil {
			markFieldsNullable(t, s, defs, seen)
		}
	}
}

func markFieldsNullable(t reflect.Type, s *jsonschema.Schema, defs jsonschema.Definitions, seen map[string]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if f.Anonymous && name == "" {
			if ft := derefType(f.Type); ft.Kind() == reflect.Struct {
				markFieldsNullable(ft, s, defs, seen)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		prop, ok := s.Properties.Get(name)
		if !ok {
			continue
		}
		markNullable(f.Type, prop, defs, seen)
		if f.Type.Kind() == reflect.Pointer && !strings.Contains(","+opts+",", ",omitempty,") && prop.OneOf == nil {
			s.Properties.Set(name, &jsonschema.Schema{OneOf: []*jsonschema.Schema{prop, {Type: "null"}}})
		}
	}
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
