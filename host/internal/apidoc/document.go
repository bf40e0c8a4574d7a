// Package apidoc builds the host's API description, an OpenAPI 3.1
// document: the host's own routes, as its router mounts them and as each
// area documents them (Op, with Go values whose JSON Schemas describe the
// bodies), and the routes of verticals, with the schemas their manifests
// carry. It only assembles documents; it must not decide who may see which
// vertical (the caller does) and performs no I/O.
package apidoc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/nexuspos/nexus/internal/envelope"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
)

// Version is the OpenAPI version of the documents built here.
const Version = "3.1.0"

// Op documents one host route.
type Op struct {
	// Method and Pattern name the route as its area mounts it (a chi
	// pattern, relative to the area's mount point).
	Method  string
	Pattern string
	Summary string
	// Request and Response are values of the Go types the handler reads
	// and answers (nil: no JSON body, or none described).
	Request  any
	Response any
	// Status is the success status (default 200).
	Status int
	// Query names the query parameters the route reads.
	Query []string
	// Public routes take no bearer token.
	Public bool
}

// Route is one mounted host route, as the router reports it, with its
// documentation when its area gave one.
type Route struct {
	Method string
	// Path is the full chi pattern, e.g. /api/v1/companies/{id}.
	Path string
	Doc  *Op
}

// Vertical is a vertical's routes, mounted under
// /api/v1/verticals/<Name>.
type Vertical struct {
	Name    string
	Version string
	Routes  []*nexusv1.Route
}

// Document is an OpenAPI 3.1 document.
type Document struct {
	OpenAPI    string                           `json:"openapi"`
	Info       Info                             `json:"info"`
	Paths      map[string]map[string]*Operation `json:"paths"`
	Components Components                       `json:"components"`
	Security   []map[string][]string            `json:"security"`
	Tags       []Tag                            `json:"tags,omitempty"`
}

// Info is the document's info object.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// Tag groups operations: "host" and one per vertical.
type Tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Components holds the schemas operations refer to and the bearer scheme.
type Components struct {
	Schemas         map[string]json.RawMessage `json:"schemas"`
	SecuritySchemes map[string]SecurityScheme  `json:"securitySchemes"`
}

// SecurityScheme is an HTTP authentication scheme.
type SecurityScheme struct {
	Type         string `json:"type"`
	Scheme       string `json:"scheme"`
	BearerFormat string `json:"bearerFormat,omitempty"`
}

// Operation is one method of one path.
type Operation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary,omitempty"`
	Description string                `json:"description,omitempty"`
	Tags        []string              `json:"tags"`
	Parameters  []Parameter           `json:"parameters,omitempty"`
	RequestBody *RequestBody          `json:"requestBody,omitempty"`
	Responses   map[string]Response   `json:"responses"`
	Security    []map[string][]string `json:"security,omitempty"`
	// MinRole is the least company role the route needs (verticals).
	MinRole string `json:"x-nexus-min-role,omitempty"`
}

// Parameter is a path or query parameter.
type Parameter struct {
	Name     string          `json:"name"`
	In       string          `json:"in"`
	Required bool            `json:"required,omitempty"`
	Schema   json.RawMessage `json:"schema"`
}

// RequestBody is an operation's JSON body.
type RequestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]MediaType `json:"content"`
}

// Response is one response of an operation.
type Response struct {
	Description string               `json:"description"`
	Content     map[string]MediaType `json:"content,omitempty"`
}

// MediaType is a body's schema and example.
type MediaType struct {
	Schema  json.RawMessage `json:"schema,omitempty"`
	Example json.RawMessage `json:"example,omitempty"`
}

const (
	jsonType     = "application/json"
	bearer       = "bearer"
	errorSchema  = "Error"
	hostTag      = "host"
	verticalRoot = "/api/v1/verticals/"
	// hooksRoot is where the verticals' public webhooks are mounted.
	hooksRoot = "/api/v1/hooks/"
)

// Builder assembles documents. It is not safe for concurrent use: build
// each document with a fresh Builder (New).
type Builder struct {
	doc     Document
	sources map[string]string // component name → the definition it came from
	opIDs   map[string]int
}

// New starts a document for a host of the given version, holding the
// error envelope and the bearer scheme.
func New(hostVersion string) (*Builder, error) {
	b := &Builder{
		doc: Document{
			OpenAPI: Version,
			Info: Info{Title: "Nexus API", Version: hostVersion,
				Description: "The host's routes and those of the verticals the caller's company has enabled. " +
					"Errors answer the JSON envelope (Error). Lists answer {\"data\",\"next_cursor\"}."},
			Paths: map[string]map[string]*Operation{},
			Components: Components{
				Schemas:         map[string]json.RawMessage{},
				SecuritySchemes: map[string]SecurityScheme{bearer: {Type: "http", Scheme: "bearer", BearerFormat: "JWT"}},
			},
			Security: []map[string][]string{{bearer: {}}},
			Tags:     []Tag{{Name: hostTag, Description: "The platform's own routes."}},
		},
		sources: map[string]string{},
		opIDs:   map[string]int{},
	}
	ref, err := b.schema("host", envelope.Envelope{})
	if err != nil {
		return nil, err
	}
	b.doc.Components.Schemas[errorSchema] = ref
	return b, nil
}

// AddHost adds the host's routes. The catch-alls that forward to
// verticals (their routes, their public webhooks) are left out: AddVertical
// adds each vertical's own routes instead.
func (b *Builder) AddHost(routes []Route) error {
	for _, r := range routes {
		if strings.HasSuffix(r.Path, "/*") && (strings.HasPrefix(r.Path, verticalRoot+"{") || strings.HasPrefix(r.Path, hooksRoot+"{")) {
			continue
		}
		op := &Operation{Tags: []string{hostTag}}
		doc := Op{}
		if r.Doc != nil {
			doc = *r.Doc
		}
		op.Summary = doc.Summary
		if doc.Public {
			op.Security = []map[string][]string{}
		}
		var err error
		var req, res json.RawMessage
		if req, err = b.schema("host", doc.Request); err != nil {
			return fmt.Errorf("%s %s: request: %w", r.Method, r.Path, err)
		}
		if res, err = b.schema("host", doc.Response); err != nil {
			return fmt.Errorf("%s %s: response: %w", r.Method, r.Path, err)
		}
		status := "200"
		if doc.Status != 0 {
			status = fmt.Sprint(doc.Status)
		}
		for _, q := range doc.Query {
			op.Parameters = append(op.Parameters, Parameter{Name: q, In: "query", Schema: json.RawMessage(`{"type":"string"}`)})
		}
		if err := b.add(r.Method, r.Path, op, req, nil, res, nil, status); err != nil {
			return err
		}
	}
	return nil
}

// AddVertical adds a vertical's routes, with the schemas and examples its
// manifest carries, under /api/v1/verticals/<name>.
func (b *Builder) AddVertical(v Vertical) error {
	b.doc.Tags = append(b.doc.Tags, Tag{Name: v.Name, Description: "Vertical " + v.Name + " " + v.Version + "."})
	for _, r := range v.Routes {
		op := &Operation{Summary: r.GetSummary(), Tags: []string{v.Name}, MinRole: r.GetMinRole(),
			Description: "Needs the company role " + r.GetMinRole() + " or higher."}
		req, err := b.rawSchema(v.Name, r.GetRequestSchema())
		if err != nil {
			return fmt.Errorf("vertical %s route %s: request schema: %w", v.Name, r.GetId(), err)
		}
		res, err := b.rawSchema(v.Name, r.GetResponseSchema())
		if err != nil {
			return fmt.Errorf("vertical %s route %s: response schema: %w", v.Name, r.GetId(), err)
		}
		path := verticalRoot + v.Name + strings.TrimSuffix(r.GetPattern(), "/")
		if err := b.add(r.GetMethod(), path, op, req, example(r.GetRequestExample()), res, example(r.GetResponseExample()), "2XX"); err != nil {
			return err
		}
	}
	return nil
}

// Document returns the document built so far.
func (b *Builder) Document() *Document { return &b.doc }

func example(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// add puts op at method and chi pattern path, with its path parameters,
// request body and responses.
func (b *Builder) add(method, pattern string, op *Operation, req, reqExample, res, resExample json.RawMessage, status string) error {
	path, params := openAPIPath(pattern)
	op.Parameters = append(params, op.Parameters...)
	op.OperationID = b.operationID(method, path)
	if req != nil || reqExample != nil {
		if req == nil {
			req = json.RawMessage(`{}`)
		}
		op.RequestBody = &RequestBody{Required: true, Content: map[string]MediaType{jsonType: {Schema: req, Example: reqExample}}}
	}
	ok := Response{Description: "Success."}
	if res != nil || resExample != nil {
		ok.Content = map[string]MediaType{jsonType: {Schema: res, Example: resExample}}
	}
	op.Responses = map[string]Response{
		status: ok,
		"default": {Description: "An error, as the JSON envelope.",
			Content: map[string]MediaType{jsonType: {Schema: refTo(errorSchema)}}},
	}
	m := strings.ToLower(method)
	if b.doc.Paths[path] == nil {
		b.doc.Paths[path] = map[string]*Operation{}
	}
	if _, dup := b.doc.Paths[path][m]; dup {
		return fmt.Errorf("%s %s is described twice", method, path)
	}
	b.doc.Paths[path][m] = op
	return nil
}

var opIDClean = regexp.MustCompile(`[^A-Za-z0-9]+`)

// operationID derives a unique id from method and path.
func (b *Builder) operationID(method, path string) string {
	id := strings.ToLower(method) + "_" + strings.Trim(opIDClean.ReplaceAllString(strings.TrimPrefix(path, "/api/v1/"), "_"), "_")
	b.opIDs[id]++
	if n := b.opIDs[id]; n > 1 {
		id = fmt.Sprintf("%s_%d", id, n)
	}
	return id
}

// openAPIPath turns a chi pattern into an OpenAPI path and its path
// parameters: "/a/{id:[0-9]+}/" becomes "/a/{id}" with id's pattern.
func openAPIPath(pattern string) (string, []Parameter) {
	if pattern != "/" {
		pattern = strings.TrimSuffix(pattern, "/")
	}
	var out strings.Builder
	var params []Parameter
	for rest := pattern; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			out.WriteString(rest)
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			out.WriteString(rest)
			break
		}
		out.WriteString(rest[:open])
		name, re, hasRE := strings.Cut(rest[open+1:open+end], ":")
		schema := map[string]string{"type": "string"}
		if hasRE {
			schema["pattern"] = "^" + re + "$"
		}
		raw, _ := json.Marshal(schema)
		params = append(params, Parameter{Name: name, In: "path", Required: true, Schema: raw})
		out.WriteString("{" + name + "}")
		rest = rest[open+end+1:]
	}
	return out.String(), params
}

// schema returns the JSON Schema of v's type, its definitions moved into
// the document's components under owner's prefix; nil for a nil v.
func (b *Builder) schema(owner string, v any) (json.RawMessage, error) {
	raw, err := sdk.JSONSchema(v)
	if err != nil {
		return nil, err
	}
	return b.rawSchema(owner, raw)
}

// rawSchema places a JSON Schema whose definitions are in "$defs" into
// the document: each definition becomes the component owner.Name (owner.Name2
// ... when another definition took that name), and references to it are
// rewritten. "" has no schema (nil).
func (b *Builder) rawSchema(owner, raw string) (json.RawMessage, error) {
	if raw == "" {
		return nil, nil
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return nil, fmt.Errorf("schema is not a JSON object: %w", err)
	}
	defs, _ := s["$defs"].(map[string]any)
	delete(s, "$defs")
	delete(s, "$schema")
	delete(s, "$id")
	names := map[string]string{}
	for _, name := range sortedNames(defs) {
		src, _ := json.Marshal(defs[name])
		names[name] = b.componentName(owner+"."+name, string(src))
	}
	for _, name := range sortedNames(defs) {
		def := rewriteRefs(defs[name], names)
		out, err := json.Marshal(def)
		if err != nil {
			return nil, err
		}
		b.doc.Components.Schemas[names[name]] = out
	}
	return json.Marshal(rewriteRefs(s, names))
}

var componentClean = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// componentName returns the component name for a definition: want, or
// want with a number when a different definition already has it.
func (b *Builder) componentName(want, src string) string {
	want = componentClean.ReplaceAllString(want, "_")
	for n := 1; ; n++ {
		name := want
		if n > 1 {
			name = fmt.Sprintf("%s%d", want, n)
		}
		if prev, taken := b.sources[name]; !taken || prev == src {
			b.sources[name] = src
			return name
		}
	}
}

// rewriteRefs points every "#/$defs/X" reference in v at its component.
func rewriteRefs(v any, names map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if ref, ok := e.(string); ok && k == "$ref" {
				if name, ok := strings.CutPrefix(ref, "#/$defs/"); ok && names[name] != "" {
					t[k] = "#/components/schemas/" + names[name]
				}
				continue
			}
			t[k] = rewriteRefs(e, names)
		}
	case []any:
		for i, e := range t {
			t[i] = rewriteRefs(e, names)
		}
	}
	return v
}

func refTo(component string) json.RawMessage {
	raw, _ := json.Marshal(map[string]string{"$ref": "#/components/schemas/" + component})
	return raw
}

func sortedNames(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Methods are the HTTP methods a document describes; the router's other
// methods (HEAD, OPTIONS...) are not API routes.
var Methods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true,
}
