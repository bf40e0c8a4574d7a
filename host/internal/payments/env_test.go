package payments_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakemp"
	"github.com/nexuspos/nexus/host/internal/payments"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Credentials of the test companies: the tests assert neither reaches a
// log.
const (
	accessToken   = "APP_USR-test-token-4c1d"
	webhookSecret = "whsec-test-9a8b7c"
)

// env is a payments service on a company set up for Mercado Pago, talking
// to a fake.
type env struct {
	pool    *pgxpool.Pool
	svc     *payments.Service
	cfg     payments.Config
	mp      *fakemp.Server
	company uuid.UUID
	logs    *syncBuffer
	webhook http.Handler
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEnv sets a fresh company up on pool (each test has its own
// companies).
func newEnv(t *testing.T, pool *pgxpool.Pool) *env {
	t.Helper()
	mp := fakemp.New(t, accessToken)
	logs := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Trace})
	sec := secrets.NewService(pool, secrets.DevKeyring(), func(name string) bool { return name == payments.SecretNamespace })
	cfg := payments.Config{
		Pool: pool, Secrets: sec, BaseURL: mp.URL, Log: log,
		Outbound: outbound.NewPool(outbound.Config{Timeout: 500 * time.Millisecond, MaxAttempts: 2, BaseDelay: time.Millisecond,
			MaxDelay: 2 * time.Millisecond, FailureThreshold: 4, OpenTimeout: time.Hour, Logger: log}),
	}
	e := &env{pool: pool, svc: payments.New(cfg), cfg: cfg, mp: mp, company: newCompany(t, pool), logs: logs}
	token, secret := accessToken, webhookSecret
	_, err := e.svc.PutConfig(t.Context(), e.company, payments.ConfigInput{Environment: payments.EnvTest, CardEnabled: true,
		QREnabled: true, QRUserID: "123456", QRExternalPOSID: "CAJA01", AccessToken: &token, WebhookSecret: &secret})
	require.NoError(t, err)
	r := chi.NewRouter()
	r.Route(payments.WebhookMount, e.svc.WebhookRoutes)
	e.webhook = r
	t.Cleanup(func() {
		require.NotContains(t, logs.String(), accessToken, "the access token reached a log")
		require.NotContains(t, logs.String(), webhookSecret, "the webhook secret reached a log")
	})
	return e
}

// with returns a service like e's with the changes of fn.
func (e *env) with(fn func(*payments.Config)) *payments.Service {
	cfg := e.cfg
	fn(&cfg)
	return payments.New(cfg)
}

func testPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	return storetest.NewPool(t)
}

func newCompany(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone) VALUES ('S', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`,
		uuid.NewString()).Scan(&id))
	return id
}

func card(doc, key, token, amount string) payments.CreateInput {
	return payments.CreateInput{Vertical: "shop", DocumentID: doc, Method: payments.MethodCard, Amount: decimal.RequireFromString(amount),
		Currency: "ARS", IdempotencyKey: key, CardToken: token, PaymentMethodID: "visa", Installments: 1}
}

// notify delivers a signed notification of payment dataID at ts.
func (e *env) notify(t *testing.T, company uuid.UUID, secret, dataID, requestID string, ts time.Time) *httptest.ResponseRecorder {
	t.Helper()
	req, err := fakemp.Notification("/hooks/payments/mercadopago/"+company.String(), secret, dataID, requestID, ts)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	e.webhook.ServeHTTP(rec, req)
	return rec
}

// topics lists the company's outbox topics, in order.
func (e *env) topics(t *testing.T) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), `SELECT topic FROM event_outbox WHERE company_id = $1 ORDER BY occurred_at, id`, e.company)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	require.NoError(t, rows.Err())
	return out
}

// count counts rows of a table for the company.
func (e *env) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM `+table+` WHERE company_id = $1`, e.company).Scan(&n))
	return n
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
