package fiscal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// stubIssuer is a test issuer for the core: it numbers in one series per
// kind and answers what the test scripts, recording what it was asked.
type stubIssuer struct {
	country string

	mu sync.Mutex
	// last is the last number the "authority" authorized per series.
	last map[string]int64
	// before, when set, runs before the attempt is recorded; its error is
	// the issuer's, nothing sent (a document refused while it is built).
	before func(doc *Document) error
	// issue and status, when set, answer instead of authorizing.
	issue  func(doc *Document, a Attempt) (Outcome, error)
	status func(doc *Document) (Outcome, error)
	calls  []string
}

func newStub(country string) *stubIssuer {
	return &stubIssuer{country: country, last: map[string]int64{}}
}

func (s *stubIssuer) Country() string { return s.country }

func (s *stubIssuer) CheckConfig(_ context.Context, _ Company, cfg json.RawMessage) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err != nil {
		return nil, InvalidConfig("", "a JSON object")
	}
	if v, ok := m["point_of_sale"]; ok {
		if n, ok := v.(float64); !ok || n < 1 {
			return nil, InvalidConfig("point_of_sale", "a positive number")
		}
	}
	return cfg, nil
}

func (s *stubIssuer) Plan(_ context.Context, _ *Env, doc *Document) (Plan, error) {
	return Plan{Series: "stub-" + string(doc.Kind)}, nil
}

func (s *stubIssuer) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *stubIssuer) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func (s *stubIssuer) Issue(ctx context.Context, env *Env, doc *Document) (Outcome, error) {
	series := "stub-" + string(doc.Kind)
	s.mu.Lock()
	n := s.last[series] + 1
	issue, before := s.issue, s.before
	s.mu.Unlock()
	if before != nil {
		if err := before(doc); err != nil {
			return Outcome{}, err
		}
	}
	a := Attempt{Series: series, Number: n, Facts: map[string]any{"total": doc.Total.String()}}
	if err := env.Attempt(ctx, a); err != nil {
		return Outcome{}, err
	}
	s.record(fmt.Sprintf("issue %s %d", doc.SourceID, n))
	if issue != nil {
		return issue(doc, a)
	}
	return s.authorize(series, n), nil
}

func (s *stubIssuer) authorize(series string, n int64) Outcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[series] = n
	return Outcome{Result: Authorized, Series: series, Number: n, AuthorizationCode: fmt.Sprintf("%014d", n),
		AuthorizationExpires: "2026-12-15", Details: map[string]any{"n": n}}
}

func (s *stubIssuer) Status(_ context.Context, _ *Env, doc *Document) (Outcome, error) {
	s.record(fmt.Sprintf("status %s %d", doc.SourceID, doc.Attempt.Number))
	s.mu.Lock()
	status := s.status
	s.mu.Unlock()
	if status != nil {
		return status(doc)
	}
	return Outcome{Result: NotIssued}, nil
}

func (s *stubIssuer) Cancel(_ context.Context, _ *Env, doc *Document, reason string) (CancelOutcome, error) {
	s.record("cancel " + doc.SourceID + " " + reason)
	return CancelOutcome{Result: CancelDone}, nil
}

func (s *stubIssuer) Printable(_ context.Context, _ *Env, doc *Document) (Printable, error) {
	return Printable{ContentType: "text/plain", Body: []byte("receipt " + *doc.AuthorizationCode)}, nil
}

// env is one test database with the service and its routes behind a
// stand-in for authentication: a bearer token names a Principal.
type env struct {
	pool    *pgxpool.Pool
	svc     *Service
	stub    *stubIssuer
	secrets *secrets.Service
	handler http.Handler

	mu     sync.Mutex
	tokens map[string]auth.Principal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := storetest.NewPool(t)
	e := &env{pool: pool, stub: newStub("AR"), tokens: map[string]auth.Principal{}}
	e.secrets = secrets.NewService(pool, secrets.DevKeyring(), func(name string) bool { return name == SecretsNamespace })
	e.svc = New(Config{Pool: pool, Secrets: e.secrets, Credentials: e.secrets, Issuers: []Issuer{e.stub}, Logger: hclog.NewNullLogger()})
	r := chi.NewRouter()
	r.With(e.authenticate).Route("/api/v1/fiscal", e.svc.Routes)
	e.handler = r
	return e
}

func (e *env) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		e.mu.Lock()
		p, ok := e.tokens[tok]
		e.mu.Unlock()
		if !ok {
			httpx.WriteError(w, r, httpx.Unauthorized("missing or invalid token"))
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// company inserts an Argentine company with fiscal settings and returns
// an admin's token of it.
func (e *env) company(t *testing.T, configured bool) (uuid.UUID, string) {
	t.Helper()
	var id uuid.UUID
	cuit := fmt.Sprintf("30%08d", len(e.tokens)+10)
	require.NoError(t, e.pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ('Almacén', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`, cuit).Scan(&id))
	if configured {
		_, err := e.svc.PutSettings(t.Context(), id, Settings{Environment: Homologation, Config: json.RawMessage(`{"point_of_sale":1}`)})
		require.NoError(t, err)
	}
	tok := uuid.NewString()
	e.mu.Lock()
	e.tokens[tok] = auth.Principal{UserID: uuid.New(), Email: "admin@example.com", CompanyID: id, Role: auth.RoleAdmin}
	e.mu.Unlock()
	return id, tok
}

// do sends a request with token tok and returns the response.
func (e *env) do(t *testing.T, tok, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// sale is a valid input: two lines at 21 % and 10.5 % IVA.
func sale(source string) fiscal.Input {
	d := decimal.RequireFromString
	return fiscal.Input{
		SourceID: source, Kind: fiscal.KindInvoice, Currency: "ARS",
		Customer: fiscal.Customer{Condition: "consumidor_final"},
		Lines: []fiscal.Line{
			{Description: "Yerba 1 kg", Quantity: d("2"), UnitPrice: d("100"), Net: d("200"),
				Taxes: []fiscal.Tax{{Type: "iva", Rate: d("0.21"), Base: d("200"), Amount: d("42")}}, Total: d("242")},
			{Description: "Pan", Quantity: d("1"), UnitPrice: d("50"), Discount: d("10"), Net: d("40"),
				Taxes: []fiscal.Tax{{Type: "iva", Rate: d("0.105"), Base: d("40"), Amount: d("4.2")}}, Total: d("44.2")},
		},
		Totals: fiscal.Totals{Net: d("240"), Discount: d("10"), Tax: d("46.2"), Total: d("286.2"),
			Taxes: []fiscal.Tax{{Type: "iva", Rate: d("0.21"), Base: d("200"), Amount: d("42")},
				{Type: "iva", Rate: d("0.105"), Base: d("40"), Amount: d("4.2")}}},
		PaymentForm: "cash",
	}
}

// auditActions returns the fiscal actions of the company's audit log, in
// order.
func (e *env) auditActions(t *testing.T, companyID uuid.UUID) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(),
		`SELECT action FROM audit_log WHERE company_id = $1 AND action LIKE 'fiscal.%' ORDER BY at, id`, companyID)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		out = append(out, a)
	}
	require.NoError(t, rows.Err())
	return out
}
