package sdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
)

// Context is what a handler gets for one request: its parameters, body and
// caller, the response being built, and the host's services. A Context is
// used by one goroutine and must not outlive its handler.
type Context struct {
	ctx       context.Context
	host      *hostClient
	log       hclog.Logger
	hostLog   hclog.InterceptLogger
	params    map[string]string
	query     map[string][]string
	headers   http.Header
	body      []byte
	principal Principal
	requestID string
	method    string
	path      string
	company   Company
	config    json.RawMessage

	status    int
	resHeader http.Header
	resBody   []byte
	written   bool
	// effects holds the call's events and cache invalidations for the
	// response when the host defers them (nil otherwise).
	effects *effects
	// copied counts the rows CopyRows wrote per table in a Seed call.
	copied map[string]int64
}

// effects are a call's events and cache invalidations, returned to the host
// with the response instead of one callback each.
type effects struct {
	// vertical is the manifest's name, which every topic starts with.
	vertical string
	events   []outEvent
	keys     []string
	tags     []string
}

// outEvent is an event a call publishes.
type outEvent struct {
	// id is set when the SDK names the event (deferred effects); the host
	// names the others.
	id            string
	topic         string
	payload       []byte
	schemaVersion int
}

// publish records ev, with an id of its own, and returns the id. It
// refuses a topic outside the vertical's namespace, as the host would.
func (f *effects) publish(ev outEvent) (string, error) {
	if !strings.HasPrefix(ev.topic, f.vertical+".") {
		return "", fmt.Errorf("publish: topic %q must start with %q", ev.topic, f.vertical+".")
	}
	ev.id = uuid.NewString()
	f.events = append(f.events, ev)
	return ev.id, nil
}

// invalidate records keys and tags to drop.
func (f *effects) invalidate(keys, tags []string) {
	f.keys = append(f.keys, keys...)
	f.tags = append(f.tags, tags...)
}

// Context returns the request's context: cancelled when the client goes
// away or the request's deadline passes. Pass it to anything that blocks.
func (c *Context) Context() context.Context { return c.ctx }

// Param returns the path parameter name ("" when absent).
func (c *Context) Param(name string) string { return c.params[name] }

// Query returns the first value of the query parameter name.
func (c *Context) Query(name string) string {
	if v := c.query[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// QueryValues returns every value of the query parameter name.
func (c *Context) QueryValues(name string) []string { return c.query[name] }

// Header returns the first value of the request header name.
func (c *Context) Header(name string) string { return c.headers.Get(name) }

// Body returns the raw request body.
func (c *Context) Body() []byte { return c.body }

// Method returns the HTTP method.
func (c *Context) Method() string { return c.method }

// Path returns the request path below the vertical's mount point.
func (c *Context) Path() string { return c.path }

// Principal returns the authenticated caller.
func (c *Context) Principal() Principal { return c.principal }

// RequestID returns the request id, also present in every log line and
// error envelope of this request.
func (c *Context) RequestID() string { return c.requestID }

// Company returns the caller's company (its currency, country and time zone
// drive money and reports).
func (c *Context) Company() Company { return c.company }

// Config returns the company's configuration of this vertical, as accepted
// by ConfigureCompany (a JSON object, "{}" when none).
func (c *Context) Config() json.RawMessage { return c.config }

// Logger returns a logger for this call. Its lines go to the host through
// the Log callback, which tags them with the vertical, the request id and
// the company as the host knows them; they land in the host log.
func (c *Context) Logger() hclog.Logger {
	if c.hostLog == nil {
		l := hclog.NewInterceptLogger(&hclog.LoggerOptions{Output: io.Discard, Level: hclog.Trace})
		l.RegisterSink(hostSink{c: c})
		c.hostLog = l
	}
	return c.hostLog
}

// hostSink forwards log lines to the host's Log callback.
type hostSink struct{ c *Context }

// Accept implements hclog.SinkAdapter.
func (s hostSink) Accept(_ string, level hclog.Level, msg string, args ...any) {
	fields := make(map[string]string, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		fields[fmt.Sprint(args[i])] = fmt.Sprint(args[i+1])
	}
	if err := s.c.host.log(s.c.ctx, level.String(), msg, fields); err != nil {
		s.c.log.Log(level, msg, args...)
	}
}

// Bind decodes the JSON body into v. Malformed JSON, unknown fields, wrong
// types, an empty body or trailing data give a 400 *Error naming the problem.
func (c *Context) Bind(v any) error {
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bindError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return BadRequest("invalid_json", "request body must hold a single JSON value")
	}
	return nil
}

func bindError(err error) error {
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		sdkErr    *Error
	)
	switch {
	case errors.Is(err, io.EOF):
		return BadRequest("invalid_json", "request body is empty")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("invalid_json", "request body is not valid JSON")
	case errors.As(err, &typeErr) && typeErr.Type == amountType && typeErr.Value == "string":
		e, _ := ValidationError(&money.Error{Err: money.ErrInvalidNumber, Line: money.NoLine,
			Field: typeErr.Field, Detail: money.AmountSyntax})
		return e
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return BadRequest("invalid_json", "request body must be a JSON "+typeErr.Type.Kind().String())
		}
		return BadRequest("invalid_field", fmt.Sprintf("field %q has the wrong type", typeErr.Field)).
			WithDetails(map[string]any{"field": typeErr.Field})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return BadRequest("unknown_field", fmt.Sprintf("unknown field %q", field)).
			WithDetails(map[string]any{"field": field})
	case errors.As(err, &sdkErr):
		return sdkErr
	default:
		return BadRequest("invalid_json", "request body is not valid JSON: "+err.Error())
	}
}

// SetHeader sets a response header.
func (c *Context) SetHeader(name, value string) { c.resHeader.Set(name, value) }

// JSON writes v as the JSON response with status. It returns nil so a
// handler can end with `return c.JSON(200, v)`.
func (c *Context) JSON(status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.resHeader.Set("Content-Type", "application/json")
	return c.Blob(status, body)
}

// Blob writes body as the response with status; set Content-Type first.
func (c *Context) Blob(status int, body []byte) error {
	c.status, c.resBody, c.written = status, body, true
	return nil
}

// NoContent answers with status and no body.
func (c *Context) NoContent(status int) error {
	c.status, c.resBody, c.written = status, nil, true
	return nil
}

// EchoResult is the host's view of the current call, returned by Echo.
type EchoResult struct {
	Message   string
	RequestID string
	CompanyID string
	UserID    string
	Vertical  string
}

// Echo calls the host back with message and returns what the host knows of
// this request. It exists to prove the host callback path.
func (c *Context) Echo(message string) (EchoResult, error) {
	return c.host.echo(c.ctx, message)
}

// EchoError asks the host to fail an Echo callback with an error of kind
// k and returns that error as every host call returns one: an *Error of
// kind k (code "echo_<kind>", details naming the kind), or for
// kind.Internal a plain error that answers 500 showing nothing. It exists
// to prove that each kind crosses the callback path; a handler that
// returns the error answers with the kind's status and code. An unknown
// kind is an Invalid *Error (unknown_kind).
func (c *Context) EchoError(k kind.Kind) error {
	return c.host.echoError(c.ctx, k)
}

// Events returns the publisher of this call.
func (c *Context) Events() *Events { return &Events{c: c} }

// Events publishes events through the transactional outbox: an event is
// delivered only if the call's unit of work commits.
type Events struct{ c *Context }

// Publish records an event with a JSON payload on topic
// (<vertical>.<aggregate>.<event>) and returns its id.
func (e *Events) Publish(topic string, payload any) (string, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("publish %s: %w", topic, err)
	}
	ev := outEvent{topic: topic, payload: data, schemaVersion: 1}
	if e.c.effects != nil {
		return e.c.effects.publish(ev)
	}
	ids, err := e.c.host.publish(e.c.ctx, []outEvent{ev})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}
