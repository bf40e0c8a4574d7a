// Package sdktest runs a vertical's handlers in-process, without building a
// plugin binary: requests are routed, checked for the route's role and
// converted exactly as the host does, then handed to the SDK's server.
//
// Without options the harness has no database: handlers that need none
// (input validation, role checks, pure computations) run anywhere. With
// WithDatabase the harness gets a fresh PostgreSQL database of its own,
// built the way the host builds one — the host's migrations, then the
// vertical's from its manifest into its schema, with row-level security on
// every company_id table — and each request runs in a unit of work of the
// host's data access layer for the caller's company, the vertical's
// statements fenced in its own database role as on the host: committed
// when the handler answers below 400, rolled back otherwise. Tenant isolation is therefore real: a request made through
// WithCompany or As for another company sees none of the first company's
// rows.
//
//	func TestNotes(t *testing.T) {
//		t.Parallel()
//		h := sdktest.New(t, notes.New(), sdktest.WithDatabase())
//		res := h.Do("POST", "/notes", `{"body":"hi"}`)
//		require.Equal(t, http.StatusCreated, res.Status, string(res.Body))
//		var n struct{ ID string `json:"id"` }
//		res.Decode(t, &n)
//		require.Len(t, h.Events(), 1) // published by the committed request
//
//		other := h.WithCompany(sdktest.NewCompany())
//		require.Equal(t, http.StatusNotFound, other.Do("GET", "/notes/"+n.ID, "").Status)
//	}
//
// The test server is $NEXUS_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); the
// database is dropped when the test ends. An unreachable server fails the
// test, naming it.
//
// The vertical's revenue declaration is checked as the host checks it when
// the harness starts (a revenue event must name one of its universal
// sources; with WithDatabase, each universal source must return the
// universal columns): what the host would leave out fails the test.
// Revenue reads the rows the vertical contributes to its company's revenue
// report.
//
// Events published by a committed request are recorded (Events), not
// delivered: the harness runs no subscriptions. The cache is in memory and
// per harness; locks are in memory too. Idempotency-Key requests are
// claimed, stored and replayed with the host's code (so they need
// WithDatabase). Anything the harness cannot serve fails loudly, with a
// message that says so.
package sdktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/manifest"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/internal/bridge"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Harness serves one vertical in-process. Its copies (As, WithCompany,
// WithConfig) share its database, events and cache.
type Harness struct {
	t        testing.TB
	manifest *nexusv1.Manifest
	server   nexusv1.VerticalServer
	routes   *manifest.Routes
	webhooks *manifest.Routes
	host     *host
	as       sdk.Principal
	company  sdk.Company
	config   []byte
}

// Option configures a harness.
type Option func(*options)

type options struct {
	database bool
}

// WithDatabase gives the harness a fresh database of its own on the test
// server ($NEXUS_TEST_DATABASE_URL, default the local PostgreSQL), migrated
// as the host migrates one, and serves the vertical's DB calls from it.
func WithDatabase() Option {
	return func(o *options) { o.database = true }
}

// New validates v's manifest as the host would and returns a harness whose
// requests run as an owner of a fresh company (see NewCompany).
func New(t testing.TB, v sdk.Vertical, opts ...Option) *Harness {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "sdktest", Output: testWriter{t}, Level: hclog.Debug})
	h := &Harness{t: t, host: newHost(t, log)}
	h.company = NewCompany()
	h.as = sdk.Principal{UserID: uuid.NewString(), Email: "owner@example.com", CompanyID: h.company.ID, Role: sdk.RoleOwner}
	h.config = []byte("{}")
	srv, err := bridge.NewServer(v, log, h.host)
	if err != nil {
		t.Fatalf("sdktest: %v", err)
	}
	h.server = srv
	m, err := srv.Describe(context.Background(), &nexusv1.DescribeRequest{ProtocolVersion: wire.ProtocolVersion})
	if err != nil {
		t.Fatalf("sdktest: describe: %v", err)
	}
	if err := manifest.Validate(m); err != nil {
		t.Fatalf("sdktest: manifest refused: %v", err)
	}
	h.manifest = m
	h.host.vertical = m.GetName()
	h.routes = manifest.Compile(m)
	h.webhooks = compileWebhooks(m)
	if o.database {
		h.host.openDatabase(t, m)
		h.host.ensureCompany(t, h.company)
	}
	h.host.checkRevenue(t, m)
	checkUI(t, m)
	return h
}

// NewCompany returns a Mexican company in MXN with a fresh id, the default
// company of a harness; give it to WithCompany to act for another tenant.
func NewCompany() sdk.Company {
	id := uuid.NewString()
	return sdk.Company{ID: id, Name: "Test Company " + id[:8], Country: "MX", Currency: "MXN",
		Timezone: "America/Mexico_City", TaxID: "EKU9003173C9"}
}

// As returns a copy of the harness whose requests run as p. With a
// database, p's company gets a row of its own like the harness's company.
func (h *Harness) As(p sdk.Principal) *Harness {
	h.t.Helper()
	c := *h
	c.as = p
	if p.CompanyID != h.company.ID {
		company := h.company
		company.ID = p.CompanyID
		h.host.ensureCompany(h.t, company)
	}
	return &c
}

// WithCompany returns a copy of the harness whose requests run for company
// c (its ID also becomes the principal's company), e.g.
// h.WithCompany(sdktest.NewCompany()). With a database, c gets a row in
// the host's companies table.
func (h *Harness) WithCompany(c sdk.Company) *Harness {
	h.t.Helper()
	cp := *h
	cp.company = c
	cp.as.CompanyID = c.ID
	h.host.ensureCompany(h.t, c)
	return &cp
}

// WithConfig returns a copy of the harness whose requests carry config as
// the company's configuration of the vertical (a JSON object).
func (h *Harness) WithConfig(config string) *Harness {
	cp := *h
	cp.config = []byte(config)
	return &cp
}

// Principal returns the principal requests run as.
func (h *Harness) Principal() sdk.Principal { return h.as }

// Company returns the company requests run for.
func (h *Harness) Company() sdk.Company { return h.company }

// Events returns the events published by the requests that committed, of
// every company, in the order they committed. They are checked as the
// host checks them (the topic must start with "<vertical>.") but not
// delivered.
func (h *Harness) Events() []sdk.Event { return h.host.committedEvents() }

// Response is a recorded response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode decodes the body as JSON into v, failing the test on error.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("sdktest: decode %q: %v", r.Body, err)
	}
}

// ErrorCode returns the error envelope's code, or "" for a non-error body.
func (r *Response) ErrorCode() string {
	var env envelope.Envelope
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// Do sends a request with an optional JSON body to the path below the
// vertical's mount point, e.g. Do("GET", "/products?limit=5", "").
func (h *Harness) Do(method, path, body string) *Response {
	h.t.Helper()
	return h.DoRequest(httptest.NewRequest(method, path, strings.NewReader(body)))
}

// DoRequest sends r, whose context is propagated to the handler. It is
// routed as the host routes it: a path no route has answers 404
// route_not_found, a path served only for other methods 405
// method_not_allowed with an Allow header.
func (h *Harness) DoRequest(r *http.Request) *Response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	path := r.URL.RawPath
	if path == "" {
		path = r.URL.Path
	}
	route, params, allowed := h.routes.Match(r.Method, path)
	switch {
	case route != nil:
		h.serveRoute(rec, r, route, params)
	case len(allowed) > 0:
		rec.Header().Set("Allow", strings.Join(allowed, ", "))
		writeEnvelope(rec, http.StatusMethodNotAllowed, "method_not_allowed", "method "+r.Method+" is not allowed here", uuid.NewString())
	default:
		writeEnvelope(rec, http.StatusNotFound, "route_not_found", "no route "+r.Method+" "+r.URL.Path, uuid.NewString())
	}
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// finishTimeout bounds the end of a request's unit of work.
const finishTimeout = 10 * time.Second

// serveRoute runs route's handler for r in a unit of work of its own, as
// the host's proxy does.
func (h *Harness) serveRoute(w http.ResponseWriter, r *http.Request, route *nexusv1.Route, params map[string]string) {
	p := h.as
	requestID := uuid.NewString()
	if !p.Role.AtLeast(sdk.Role(route.GetMinRole())) {
		writeEnvelope(w, http.StatusForbidden, "insufficient_role", "this route needs role "+route.GetMinRole(), requestID)
		return
	}
	body, err := readAll(r)
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, "invalid_body", err.Error(), requestID)
		return
	}
	callID, cl := h.host.begin(requestID, p)
	idem, ok := h.idempotency(w, r, cl, route, body, requestID)
	if !ok {
		_ = h.host.end(r.Context(), callID, cl, false)
		return
	}
	res, err := h.server.HandleRoute(r.Context(), &nexusv1.RouteRequest{
		CallId:       callID,
		RouteId:      route.GetId(),
		Method:       r.Method,
		Path:         r.URL.Path,
		Params:       params,
		Query:        values(r.URL.Query()),
		Headers:      values(r.Header),
		Body:         body,
		Principal:    &nexusv1.Principal{UserId: p.UserID, Email: p.Email, CompanyId: p.CompanyID, Role: string(p.Role)},
		RequestId:    requestID,
		Company:      h.companyProto(),
		Config:       h.config,
		DeferEffects: true,
	})
	if err != nil {
		_ = h.host.end(r.Context(), callID, cl, false)
		h.t.Errorf("sdktest: HandleRoute %s: %v", route.GetId(), err)
		writeEnvelope(w, http.StatusInternalServerError, "internal", err.Error(), requestID)
		return
	}
	h.answer(r.Context(), w, callID, cl, res, requestID, func() error { return remember(r.Context(), cl, idem, res) })
}

// answer ends a call as the host does: below 400 it applies res's effects,
// runs keep (when set) and commits the unit of work, otherwise it rolls
// it back; then it writes res, or the error that stopped it.
func (h *Harness) answer(ctx context.Context, w http.ResponseWriter, callID string, cl *call, res *nexusv1.RouteResponse, requestID string, keep func() error) {
	commit := res.GetStatus() < http.StatusBadRequest
	if commit {
		if err := h.host.effects(cl, res); err != nil {
			_ = h.host.end(ctx, callID, cl, false)
			writeEnvelope(w, http.StatusBadGateway, "vertical_error", "the vertical's answer could not be applied: "+err.Error(), requestID)
			return
		}
		if keep != nil {
			if err := keep(); err != nil {
				_ = h.host.end(ctx, callID, cl, false)
				writeEnvelope(w, http.StatusInternalServerError, "internal", err.Error(), requestID)
				return
			}
		}
	}
	if err := h.host.end(ctx, callID, cl, commit); err != nil && commit {
		status, code := http.StatusInternalServerError, "internal"
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01") {
			status, code = http.StatusConflict, "conflict_retry"
		}
		writeEnvelope(w, status, code, fmt.Sprintf("commit: %v", err), requestID)
		return
	}
	for k, v := range res.GetHeaders() {
		w.Header()[k] = v.GetValues()
	}
	w.Header().Set("X-Request-ID", requestID)
	w.WriteHeader(int(res.GetStatus()))
	_, _ = w.Write(res.GetBody())
}

// idempotency claims the request's Idempotency-Key in its unit of work as
// the host does, or answers it: with the response stored for the key, or
// with the host's error. It reports whether the handler is to run; the
// request it returns is nil when there is no key.
func (h *Harness) idempotency(w http.ResponseWriter, r *http.Request, cl *call, route *nexusv1.Route, body []byte, requestID string) (*hostcall.IdempotentRequest, bool) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method == http.MethodGet {
		return nil, true
	}
	if cl.unit == nil {
		h.t.Errorf("sdktest: %s %s: Idempotency-Key requests are stored in the database; use sdktest.WithDatabase()", r.Method, r.URL.Path)
		writeEnvelope(w, http.StatusServiceUnavailable, "database_unavailable", "sdktest: Idempotency-Key needs sdktest.WithDatabase()", requestID)
		return nil, false
	}
	var ke *hostcall.KeyError
	if err := hostcall.CheckKey(key); errors.As(err, &ke) {
		writeEnvelope(w, ke.Kind.Status(), ke.Code, ke.Message, requestID)
		return nil, false
	}
	company, _ := uuid.Parse(cl.principal.CompanyID)
	req := hostcall.NewIdempotentRequest(company, h.manifest.GetName()+":"+route.GetId(), key, r.Method, r.URL.RequestURI(), body)
	replay, err := req.Claim(r.Context(), cl.unit)
	switch {
	case errors.As(err, &ke):
		writeEnvelope(w, ke.Kind.Status(), ke.Code, ke.Message, requestID)
	case err != nil:
		h.t.Errorf("sdktest: %s %s: %v", r.Method, r.URL.Path, err)
		writeEnvelope(w, http.StatusInternalServerError, "internal", err.Error(), requestID)
	case replay != nil:
		for k, v := range replay.Headers {
			w.Header()[k] = v
		}
		w.WriteHeader(replay.Status)
		_, _ = w.Write(replay.Body)
	default:
		return &req, true
	}
	return nil, false
}

// remember stores res under the request's Idempotency-Key, if it has one,
// in its unit of work.
func remember(ctx context.Context, cl *call, req *hostcall.IdempotentRequest, res *nexusv1.RouteResponse) error {
	if req == nil {
		return nil
	}
	b := &pgx.Batch{}
	if err := req.QueueRemember(b, hostcall.StoredResponseOf(res)); err != nil {
		return err
	}
	return cl.unit.Run(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
}

func writeEnvelope(w http.ResponseWriter, status int, code, msg, requestID string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(envelope.Envelope{Error: envelope.Body{Code: code, Message: msg}, RequestID: requestID})
}

func values(m map[string][]string) map[string]*nexusv1.Values {
	out := make(map[string]*nexusv1.Values, len(m))
	for k, v := range m {
		out[k] = &nexusv1.Values{Values: v}
	}
	return out
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Breakers returns the vertical's last report of its outbound circuit
// breakers (c.HTTP), as the host lists them with the vertical.
func (h *Harness) Breakers() []outbound.Breaker {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	out := make([]outbound.Breaker, len(h.host.breakers))
	for i, b := range h.host.breakers {
		out[i] = outbound.Breaker{CompanyID: b.GetCompanyId(), Service: b.GetService(), State: b.GetState(),
			Failures: b.GetFailures(), Since: time.Unix(0, b.GetSinceUnixNano()).UTC()}
	}
	return out
}
