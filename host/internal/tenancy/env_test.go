package tenancy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/envelope"
)

const base = "/api/v1/companies"

// testPassword is a valid password for users the tests create.
const testPassword = "correct horse battery"

// env is one test database with the service mounted behind a test
// authenticator: a bearer token names a Principal registered with token,
// standing in for the auth service's JWTs.
type env struct {
	pool      *pgxpool.Pool
	svc       *Service
	verticals *fakeVerticals
	handler   http.Handler

	mu     sync.Mutex
	tokens map[string]auth.Principal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := storetest.NewPool(t)
	e := &env{pool: pool, verticals: newFakeVerticals(), tokens: map[string]auth.Principal{}}
	e.svc = NewService(pool, e.verticals, hclog.NewNullLogger())
	e.svc.hash = func(p string) (string, error) {
		h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		return string(h), err
	}
	sessions, err := auth.NewService(pool, auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef-test"), BcryptCost: bcrypt.MinCost}, nil, nil)
	require.NoError(t, err)
	r := chi.NewRouter()
	r.Route(base, func(r chi.Router) { e.svc.Routes(r, e.authenticate) })
	r.Route("/api/v1/invitations", func(r chi.Router) { e.svc.InvitationRoutes(r, e.authenticateOptional, sessions) })
	e.handler = r
	return e
}

// authenticateOptional is the test stand-in for
// auth.Service.AuthenticateOptional.
func (e *env) authenticateOptional(next http.Handler) http.Handler {
	withToken := e.authenticate(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			next.ServeHTTP(w, r)
			return
		}
		withToken.ServeHTTP(w, r)
	})
}

// authenticate is the test stand-in for auth.Service.Authenticate.
func (e *env) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		e.mu.Lock()
		p, known := e.tokens[tok]
		e.mu.Unlock()
		if !ok || !known {
			httpx.WriteError(w, r, httpx.Unauthorized("missing or invalid token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

func (e *env) token(p auth.Principal) string {
	tok := uuid.NewString()
	e.mu.Lock()
	e.tokens[tok] = p
	e.mu.Unlock()
	return tok
}

// raw is a request body sent exactly as written.
type raw string

// do sends a request as p (nil: unauthenticated). body is nil, a raw, or
// anything else to be encoded as JSON.
func (e *env) do(t *testing.T, p *auth.Principal, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case raw:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if p != nil {
		req.Header.Set("Authorization", "Bearer "+e.token(*p))
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// requireStatus checks the status and, for errors, the envelope's code.
func requireStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	if code == "" {
		return
	}
	var env envelope.Envelope
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &env), "body: %s", rec.Body.String())
	require.Equal(t, code, env.Error.Code, "body: %s", rec.Body.String())
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "body: %s", rec.Body.String())
	return v
}

// randomRFC returns a well-formed persona-moral RFC that is unique with
// overwhelming probability; its check digit may not match, which is only a
// warning.
func randomRFC() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWYZ"
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for range 3 {
		b.WriteByte(letters[rand.IntN(len(letters))])
	}
	fmt.Fprintf(&b, "%02d%02d%02d", rand.IntN(100), 1+rand.IntN(12), 1+rand.IntN(28))
	b.WriteByte(alnum[rand.IntN(len(alnum))])
	b.WriteByte(alnum[rand.IntN(len(alnum))])
	b.WriteByte(byte('0' + rand.IntN(10)))
	return b.String()
}

// company creates a Mexican company through the service.
func (e *env) company(t *testing.T, name string) Company {
	t.Helper()
	c, _, err := e.svc.CreateCompany(context.Background(), NewCompany{Name: name, Country: "MX", TaxID: randomRFC()})
	require.NoError(t, err)
	return c
}

// member creates a new user with role in company c and returns the
// principal of a token scoped to c, as the auth middleware would build it.
func (e *env) member(t *testing.T, c Company, role auth.Role) auth.Principal {
	t.Helper()
	email := fmt.Sprintf("%s-%s@example.com", role, uuid.NewString()[:8])
	m, created, err := e.svc.AddMember(context.Background(), c.ID, email, testPassword, role)
	require.NoError(t, err)
	require.True(t, created)
	return auth.Principal{UserID: m.UserID, Email: m.Email, CompanyID: c.ID, Role: role}
}

// platformAdmin is a platform admin's principal (token without a company).
func platformAdmin() auth.Principal {
	return auth.Principal{UserID: uuid.New(), Email: "ops@example.com", Role: auth.RolePlatformAdmin, PlatformAdmin: true}
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// fakeVerticals stands in for the plugin runtime: "cpg" and "hello" are
// installed and accept any config without a "reject" key; "down" is
// installed but its plugin is not running.
type fakeVerticals struct {
	mu    sync.Mutex
	calls []configureCall
}

type configureCall struct {
	name    string
	company uuid.UUID
	config  string
}

func newFakeVerticals() *fakeVerticals { return &fakeVerticals{} }

func (f *fakeVerticals) Known(name string) bool {
	return name == "cpg" || name == "hello" || name == "down"
}

func (f *fakeVerticals) Configure(_ context.Context, name string, c Company, config json.RawMessage) error {
	f.mu.Lock()
	f.calls = append(f.calls, configureCall{name: name, company: c.ID, config: string(config)})
	f.mu.Unlock()
	if name == "down" {
		return httpx.Unavailable("vertical_unavailable", "vertical down is restarting")
	}
	var m map[string]any
	if err := json.Unmarshal(config, &m); err != nil {
		return fmt.Errorf("fake configure: %w", err)
	}
	if reason, ok := m["reject"]; ok {
		return httpx.Unprocessable("invalid_config", "configuration is invalid").
			WithDetails(map[string]any{"errors": []any{reason}})
	}
	return nil
}

func (f *fakeVerticals) callsFor(company uuid.UUID) []configureCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []configureCall
	for _, c := range f.calls {
		if c.company == company {
			out = append(out, c)
		}
	}
	return out
}
