package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef-test")

const testPassword = "correct horse battery"

// clock is a settable clock shared by the service and its limiter.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness is a Service on a fresh database behind a router holding the auth
// routes at /api/v1/auth and probe routes for the middlewares.
type harness struct {
	t      *testing.T
	pool   *pgxpool.Pool
	svc    *auth.Service
	clock  *clock
	router http.Handler
}

func newHarness(t *testing.T, configure func(*auth.Config)) *harness {
	t.Helper()
	pool := storetest.NewPool(t)
	return newHarnessOn(t, pool, configure)
}

func newHarnessOn(t *testing.T, pool *pgxpool.Pool, configure func(*auth.Config)) *harness {
	t.Helper()
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	cfg := auth.Config{
		Secret:        testSecret,
		BcryptCost:    bcrypt.MinCost,
		Now:           clk.Now,
		LoginPerIP:    ratelimit.Limit{Rate: 10000, Period: time.Second, Burst: 10000},
		LoginPerEmail: ratelimit.Limit{Rate: 10000, Period: time.Second, Burst: 10000},
	}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := auth.NewService(pool, cfg, ratelimit.NewMemoryClock(clk.Now), hclog.NewNullLogger())
	require.NoError(t, err)

	r := chi.NewRouter()
	r.Route("/api/v1/auth", svc.Routes)
	principal := func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		require.True(t, ok)
		httpx.WriteJSON(w, http.StatusOK, p)
	}
	r.With(svc.Authenticate).Get("/probe", principal)
	r.With(svc.Authenticate, auth.RequireRole(auth.RoleManager)).Get("/probe/manager", principal)
	r.With(svc.Authenticate, auth.RequirePlatformAdmin).Get("/probe/admin", principal)
	r.With(svc.AuthenticateOptional).Get("/probe/optional", func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		httpx.WriteJSON(w, http.StatusOK, p)
	})
	return &harness{t: t, pool: pool, svc: svc, clock: clk, router: r}
}

func (h *harness) exec(sql string, args ...any) {
	h.t.Helper()
	_, err := h.pool.Exec(context.Background(), sql, args...)
	require.NoError(h.t, err)
}

func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func (h *harness) company(name string, active bool) uuid.UUID {
	h.t.Helper()
	var id uuid.UUID
	err := h.pool.QueryRow(context.Background(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone, active)
		 VALUES ($1, 'MX', 'MXN', $2, 'America/Mexico_City', $3) RETURNING id`,
		name, uuid.NewString(), active).Scan(&id)
	require.NoError(h.t, err)
	return id
}

func (h *harness) user(email string, platformAdmin bool) uuid.UUID {
	h.t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	require.NoError(h.t, err)
	var id uuid.UUID
	err = h.pool.QueryRow(context.Background(),
		`INSERT INTO users (email, password_hash, platform_admin) VALUES ($1, $2, $3) RETURNING id`,
		email, string(hash), platformAdmin).Scan(&id)
	require.NoError(h.t, err)
	return id
}

// member adds userID to companyID; age orders memberships (older first).
func (h *harness) member(companyID, userID uuid.UUID, role auth.Role, age time.Duration) {
	h.t.Helper()
	h.exec(`INSERT INTO memberships (company_id, user_id, role, created_at) VALUES ($1, $2, $3, now() - $4::interval)`,
		companyID, userID, string(role), age.String())
}

type request struct {
	method, path, body, token, remote string
}

func (h *harness) do(req request) *httptest.ResponseRecorder {
	h.t.Helper()
	r := httptest.NewRequest(req.method, req.path, strings.NewReader(req.body))
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.remote != "" {
		r.RemoteAddr = req.remote
	}
	rec := httptest.NewRecorder()
	h.router.ServeHTTP(rec, r)
	return rec
}

func (h *harness) post(path, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.do(request{method: http.MethodPost, path: path, body: body})
}

func (h *harness) get(path, token string) *httptest.ResponseRecorder {
	h.t.Helper()
	return h.do(request{method: http.MethodGet, path: path, token: token})
}

type companyJSON struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Role   string    `json:"role"`
	Active bool      `json:"active"`
}

type pairJSON struct {
	AccessToken  string        `json:"access_token"`
	RefreshToken string        `json:"refresh_token"`
	TokenType    string        `json:"token_type"`
	ExpiresIn    int           `json:"expires_in"`
	CompanyID    *uuid.UUID    `json:"company_id"`
	Companies    []companyJSON `json:"companies"`
}

type errorJSON struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), rec.Body.String())
	return v
}

// requireError checks status and envelope code.
func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) errorJSON {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	e := decode[errorJSON](t, rec)
	require.Equal(t, code, e.Error.Code, rec.Body.String())
	require.NotEmpty(t, e.Error.Message)
	return e
}

func (h *harness) login(body string) pairJSON {
	h.t.Helper()
	rec := h.post("/api/v1/auth/login", body)
	require.Equal(h.t, http.StatusOK, rec.Code, rec.Body.String())
	return decode[pairJSON](h.t, rec)
}

func loginBody(email string) string {
	return `{"email":"` + email + `","password":"` + testPassword + `"}`
}

func refreshBody(token string) string {
	return `{"refresh_token":"` + token + `"}`
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustRequest(t *testing.T, method, path string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, path, nil)
	require.NoError(t, err)
	return r
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// requireHTTPError checks that err is an *httpx.Error with status and code.
func requireHTTPError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *httpx.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, status, e.Status(), err.Error())
	require.Equal(t, code, e.Code)
}
