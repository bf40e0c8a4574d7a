// Package sdktest runs a vertical's handlers in-process, without building a
// plugin binary: requests are routed, checked for the route's role and
// converted exactly as the host does, then handed to the SDK's server.
package sdktest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/internal/envelope"
	"github.com/nexuspos/nexus/internal/manifest"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/internal/bridge"
)

// Harness serves one vertical in-process.
type Harness struct {
	t        testing.TB
	manifest *nexusv1.Manifest
	server   nexusv1.VerticalServer
	router   *chi.Mux
	host     *host
	as       sdk.Principal
	company  sdk.Company
	config   []byte
}

// New validates v's manifest as the host would and returns a harness whose
// requests run as an owner of a fresh company.
func New(t testing.TB, v sdk.Vertical) *Harness {
	t.Helper()
	h := &Harness{t: t, host: &host{t: t, calls: map[string]callInfo{}}}
	h.as = sdk.Principal{UserID: uuid.NewString(), Email: "owner@example.com", CompanyID: uuid.NewString(), Role: sdk.RoleOwner}
	h.company = sdk.Company{ID: h.as.CompanyID, Name: "Test Company", Country: "MX", Currency: "MXN",
		Timezone: "America/Mexico_City", TaxID: "EKU9003173C9"}
	h.config = []byte("{}")
	log := hclog.New(&hclog.LoggerOptions{Name: "sdktest", Output: testWriter{t}, Level: hclog.Debug})
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
	h.router, err = manifest.Router(m, h.routeHandler)
	if err != nil {
		t.Fatalf("sdktest: %v", err)
	}
	return h
}

// As returns a copy of the harness whose requests run as p.
func (h *Harness) As(p sdk.Principal) *Harness {
	c := *h
	c.as = p
	return &c
}

// WithCompany returns a copy of the harness whose requests run for company
// c (its ID also becomes the principal's company). The default is a Mexican
// company in MXN.
func (h *Harness) WithCompany(c sdk.Company) *Harness {
	cp := *h
	cp.company = c
	cp.as.CompanyID = c.ID
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

// DoRequest sends r, whose context is propagated to the handler.
func (h *Harness) DoRequest(r *http.Request) *Response {
	h.t.Helper()
	r = r.WithContext(context.WithValue(r.Context(), settingsKey{}, settings{principal: h.as, company: h.company, config: h.config}))
	rec := httptest.NewRecorder()
	h.router.ServeHTTP(rec, r)
	return &Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// settings are what one request runs as, carried from DoRequest to the
// route handler (harness copies share one router).
type settings struct {
	principal sdk.Principal
	company   sdk.Company
	config    []byte
}

type settingsKey struct{}

var roleRank = map[sdk.Role]int{sdk.RoleViewer: 1, sdk.RoleCashier: 2, sdk.RoleManager: 3, sdk.RoleAdmin: 4, sdk.RoleOwner: 5}

func (h *Harness) routeHandler(route *nexusv1.Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := r.Context().Value(settingsKey{}).(settings)
		p := st.principal
		requestID := uuid.NewString()
		if roleRank[p.Role] < roleRank[sdk.Role(route.GetMinRole())] {
			writeEnvelope(w, http.StatusForbidden, "insufficient_role", "this route needs role "+route.GetMinRole(), requestID)
			return
		}
		body, err := readAll(r)
		if err != nil {
			writeEnvelope(w, http.StatusBadRequest, "invalid_body", err.Error(), requestID)
			return
		}
		params := map[string]string{}
		rctx := chi.RouteContext(r.Context())
		for i, k := range rctx.URLParams.Keys {
			params[k] = rctx.URLParams.Values[i]
		}
		callID := uuid.NewString()
		h.host.begin(callID, callInfo{requestID: requestID, principal: p})
		defer h.host.end(callID)
		res, err := h.server.HandleRoute(r.Context(), &nexusv1.RouteRequest{
			CallId:    callID,
			RouteId:   route.GetId(),
			Method:    r.Method,
			Path:      r.URL.Path,
			Params:    params,
			Query:     values(r.URL.Query()),
			Headers:   values(r.Header),
			Body:      body,
			Principal: &nexusv1.Principal{UserId: p.UserID, Email: p.Email, CompanyId: p.CompanyID, Role: string(p.Role)},
			RequestId: requestID,
			Company: &nexusv1.Company{Id: st.company.ID, Name: st.company.Name, Country: st.company.Country,
				Currency: st.company.Currency, Timezone: st.company.Timezone, TaxId: st.company.TaxID},
			Config: st.config,
		})
		if err != nil {
			h.t.Errorf("sdktest: HandleRoute %s: %v", route.GetId(), err)
			writeEnvelope(w, http.StatusInternalServerError, "internal", err.Error(), requestID)
			return
		}
		for k, v := range res.GetHeaders() {
			w.Header()[k] = v.GetValues()
		}
		w.Header().Set("X-Request-ID", requestID)
		w.WriteHeader(int(res.GetStatus()))
		_, _ = w.Write(res.GetBody())
	})
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

type callInfo struct {
	requestID string
	principal sdk.Principal
}

// host is the in-process stand-in for the host's callback service.
type host struct {
	t     testing.TB
	mu    sync.Mutex
	calls map[string]callInfo
}

func (h *host) begin(id string, c callInfo) {
	h.mu.Lock()
	h.calls[id] = c
	h.mu.Unlock()
}

func (h *host) end(id string) {
	h.mu.Lock()
	delete(h.calls, id)
	h.mu.Unlock()
}

func (h *host) call(ctx context.Context) callInfo {
	md, _ := metadata.FromOutgoingContext(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range md.Get(wire.CallIDMetadata) {
		if c, ok := h.calls[id]; ok {
			return c
		}
	}
	return callInfo{}
}

// Log implements nexusv1.HostClient.
func (h *host) Log(_ context.Context, in *nexusv1.LogRequest, _ ...grpc.CallOption) (*nexusv1.LogResponse, error) {
	h.t.Logf("[%s] %s %v", in.GetLevel(), in.GetMessage(), in.GetFields())
	return &nexusv1.LogResponse{}, nil
}

// Echo implements nexusv1.HostClient.
func (h *host) Echo(ctx context.Context, in *nexusv1.EchoRequest, _ ...grpc.CallOption) (*nexusv1.EchoResponse, error) {
	c := h.call(ctx)
	return &nexusv1.EchoResponse{
		Message:   in.GetMessage(),
		RequestId: c.requestID,
		CompanyId: c.principal.CompanyID,
		UserId:    c.principal.UserID,
		Vertical:  "sdktest",
	}, nil
}

// DB implements nexusv1.HostClient.
func (h *host) DB(context.Context, *nexusv1.DBRequest, ...grpc.CallOption) (*nexusv1.DBResponse, error) {
	return nil, errNoService("database")
}

// Publish implements nexusv1.HostClient.
func (h *host) Publish(context.Context, *nexusv1.PublishRequest, ...grpc.CallOption) (*nexusv1.PublishResponse, error) {
	return nil, errNoService("event bus")
}

// CacheGet implements nexusv1.HostClient.
func (h *host) CacheGet(context.Context, *nexusv1.CacheGetRequest, ...grpc.CallOption) (*nexusv1.CacheGetResponse, error) {
	return nil, errNoService("cache")
}

// CacheSet implements nexusv1.HostClient.
func (h *host) CacheSet(context.Context, *nexusv1.CacheSetRequest, ...grpc.CallOption) (*nexusv1.CacheSetResponse, error) {
	return nil, errNoService("cache")
}

// CacheInvalidate implements nexusv1.HostClient.
func (h *host) CacheInvalidate(context.Context, *nexusv1.CacheInvalidateRequest, ...grpc.CallOption) (*nexusv1.CacheInvalidateResponse, error) {
	return nil, errNoService("cache")
}

// Lock implements nexusv1.HostClient.
func (h *host) Lock(context.Context, *nexusv1.LockRequest, ...grpc.CallOption) (*nexusv1.LockResponse, error) {
	return nil, errNoService("locks")
}

// Unlock implements nexusv1.HostClient.
func (h *host) Unlock(context.Context, *nexusv1.UnlockRequest, ...grpc.CallOption) (*nexusv1.UnlockResponse, error) {
	return nil, errNoService("locks")
}

// ExtendLock implements nexusv1.HostClient.
func (h *host) ExtendLock(context.Context, *nexusv1.ExtendLockRequest, ...grpc.CallOption) (*nexusv1.ExtendLockResponse, error) {
	return nil, errNoService("locks")
}

func errNoService(what string) error {
	return status.Error(codes.Unimplemented, "sdktest: this harness has no "+what)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
