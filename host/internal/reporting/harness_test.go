package reporting

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// t0 is the fake clock's start: 2025-06-01 06:00 in Mexico City.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// fakeAfter hands Run one channel for every debounce timer; a send on it
// fires the armed timer. armed counts the timers asked for.
type fakeAfter struct {
	c     chan time.Time
	armed atomic.Int64
}

func (f *fakeAfter) After(time.Duration) <-chan time.Time {
	f.armed.Add(1)
	return f.c
}

// env is one test's database, companies, sources and Service.
type env struct {
	t     testing.TB
	url   string
	pool  *pgxpool.Pool
	svc   *Service
	clock *fakeClock
	after *fakeAfter
	// a is in Mexico City (MXN), b in Buenos Aires (ARS).
	a, b uuid.UUID
}

// testSchemaSQL creates the fake vertical's tables, shaped like the CPG
// vertical's sales, returns and consignments.
const testSchemaSQL = `
CREATE SCHEMA tv;
GRANT USAGE ON SCHEMA tv TO nexus_tenant;
CREATE TABLE tv.sales (
    company_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), occurred_at timestamptz NOT NULL,
    total numeric(18, 2) NOT NULL, currency text NOT NULL, status text NOT NULL DEFAULT 'completed',
    PRIMARY KEY (company_id, id));
CREATE TABLE tv.returns (
    company_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), sale_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL, total numeric(18, 2) NOT NULL,
    PRIMARY KEY (company_id, id));
CREATE TABLE tv.consignments (
    company_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), sent_at timestamptz NOT NULL,
    value numeric(18, 2) NOT NULL, currency text NOT NULL, status text NOT NULL,
    PRIMARY KEY (company_id, id));`

// The fake vertical's point-of-sale transaction type and sale topics.
const (
	posType           = "cpg_pos"
	topicSaleCreated  = "tv.sale.created"
	topicSaleVoided   = "tv.sale.voided"
	topicSaleReturned = "tv.sale.returned"
)

// saleRules keep the fake vertical's sales in the rollup, as a vertical's
// manifest declares them.
var saleRules = []RollupRule{
	{Topic: topicSaleCreated, Source: posType, Type: posType, Key: "sale_id"},
	{Topic: topicSaleVoided, Source: posType, Type: posType, Key: "sale_id", Remove: true},
	{Topic: topicSaleReturned, Source: posType, Type: posType, Key: "return_id"},
}

// posSource and consignmentSource are the fake vertical's sources.
var (
	posSource = Source{Name: posType, SQL: `SELECT company_id, 'cpg_pos'::text AS transaction_type, id AS source_id, occurred_at,
       total AS amount, currency, status
FROM tv.sales
UNION ALL
SELECT r.company_id, 'cpg_pos'::text, r.id, r.occurred_at, -r.total, s.currency, 'refund'::text
FROM tv.returns r JOIN tv.sales s ON s.company_id = r.company_id AND s.id = r.sale_id`}
	consignmentSource = Source{Name: "tv_consignment", SQL: `SELECT company_id, 'tv_consignment'::text AS transaction_type,
       id AS source_id, sent_at AS occurred_at, value AS amount, currency, status
FROM tv.consignments;`}
)

// newEnv returns a fresh database with the host's migrations, the fake
// vertical's schema, two companies and a Service on a fake clock (at t0)
// and debounce timer; configure adjusts its Config.
func newEnv(t testing.TB, configure func(*Config)) *env {
	t.Helper()
	url := pgtest.NewDatabase(t)
	e := &env{t: t, url: url, pool: storetest.OpenPool(t, url, true), clock: &fakeClock{t: t0},
		after: &fakeAfter{c: make(chan time.Time)}}
	e.exec(testSchemaSQL)
	require.NoError(t, migrate.EnforceTenancy(t.Context(), e.pool, "tv"))
	e.a = e.company("Alfa", "MX", "MXN", "AAA010101AAA", "America/Mexico_City")
	e.b = e.company("Beta", "AR", "ARS", "20123456786", "America/Argentina/Buenos_Aires")
	e.svc = e.newService(e.pool, configure)
	return e
}

// newService returns a Service on pool with the env's fake clock and
// timer.
func (e *env) newService(pool *pgxpool.Pool, configure func(*Config)) *Service {
	cfg := Config{
		Pool:     pool,
		Rules:    saleRules,
		Now:      e.clock.Now,
		After:    e.after.After,
		LockWait: 2 * time.Second,
	}
	if configure != nil {
		configure(&cfg)
	}
	svc, err := New(cfg)
	require.NoError(e.t, err)
	return svc
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	_, err := e.pool.Exec(e.t.Context(), sql, args...)
	require.NoError(e.t, err)
}

func (e *env) company(name, country, currency, taxID, zone string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		name, country, currency, taxID, zone).Scan(&id))
	return id
}

// sale inserts a sale and returns its id.
func (e *env) sale(company uuid.UUID, at time.Time, total, currency, status string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(),
		`INSERT INTO tv.sales (company_id, occurred_at, total, currency, status) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		company, at, total, currency, status).Scan(&id))
	return id
}

// saleReturn inserts a return of sale and returns its id.
func (e *env) saleReturn(company, sale uuid.UUID, at time.Time, total string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(),
		`INSERT INTO tv.returns (company_id, sale_id, occurred_at, total) VALUES ($1, $2, $3, $4) RETURNING id`,
		company, sale, at, total).Scan(&id))
	return id
}

func (e *env) consignment(company uuid.UUID, at time.Time, value, currency, status string) {
	e.t.Helper()
	e.exec(`INSERT INTO tv.consignments (company_id, sent_at, value, currency, status) VALUES ($1, $2, $3, $4, $5)`,
		company, at, value, currency, status)
}

// invoice inserts a CFDI with the columns the invoices source reads and
// returns its id.
func (e *env) invoice(company uuid.UUID, at time.Time, tipo, direction, total, currency, status string) uuid.UUID {
	e.t.Helper()
	var id uuid.UUID
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(), `INSERT INTO sat_invoices (company_id, uuid, version, fecha, tipo, direction, emisor_rfc, receptor_rfc,
    moneda, subtotal, total, fecha_timbrado, status, raw_xml, raw_sha256)
VALUES ($1, gen_random_uuid(), '4.0', $2, $3, $4, 'AAA010101AAA', 'XAXX010101000', $5, $6, $6, $2, $7, '<x/>', '\x00')
RETURNING id`, company, at, tipo, direction, currency, total, status).Scan(&id))
	return id
}

// setSources builds the views from the fake vertical's sources.
func (e *env) setSources(extra ...Source) {
	e.t.Helper()
	e.setSourcesOf(e.svc, extra...)
}

// setSourcesOf gives svc the fake vertical's sources.
func (e *env) setSourcesOf(svc *Service, extra ...Source) {
	e.t.Helper()
	require.NoError(e.t, svc.SetSources(e.t.Context(), append([]Source{posSource, consignmentSource}, extra...)))
}

// logCount counts mv_refresh_log rows of trigger (successful ones when ok).
func (e *env) logCount(trigger Trigger, ok bool) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(),
		`SELECT count(*) FROM mv_refresh_log WHERE trigger = $1 AND (error IS NULL) = $2`, string(trigger), ok).Scan(&n))
	return n
}

// run starts Run until the test ends.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		require.NoError(e.t, <-done)
	})
}

// check runs the scheduled job's check once, as the scheduler does.
func (e *env) check() {
	e.t.Helper()
	require.NoError(e.t, e.svc.Job().Run(e.t.Context(), jobs.Run{Job: JobName, Attempt: 1}))
}

// fire fires the armed debounce timer and waits until Run has handled it.
func (e *env) fire() {
	e.t.Helper()
	before := e.svc.rounds.Load()
	select {
	case e.after.c <- e.clock.Now():
	case <-time.After(30 * time.Second):
		e.t.Fatal("no debounce timer is armed")
	}
	require.Eventually(e.t, func() bool { return e.svc.rounds.Load() > before }, 30*time.Second, time.Millisecond,
		"Run did not finish the event-driven round")
}

// armedTo waits until Run has armed n debounce timers in all.
func (e *env) armedTo(n int64) {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return e.after.armed.Load() == n }, 30*time.Second, time.Millisecond,
		"debounce timers armed: %d, want %d", e.after.armed.Load(), n)
}

// local is a wall-clock time in loc.
func local(loc string, y int, m time.Month, d, hh, mm int) time.Time {
	l, err := time.LoadLocation(loc)
	if err != nil {
		panic(err)
	}
	return time.Date(y, m, d, hh, mm, 0, 0, l)
}

const (
	mexico = "America/Mexico_City"
	baires = "America/Argentina/Buenos_Aires"
)

// admin, viewerOf and noCompany are callers of the HTTP API.
var admin = auth.Principal{UserID: uuid.New(), PlatformAdmin: true, Role: auth.RolePlatformAdmin}

func viewerOf(company uuid.UUID) *auth.Principal {
	return &auth.Principal{UserID: uuid.New(), CompanyID: company, Role: auth.RoleViewer}
}

// call serves one request as p through Routes and decodes the JSON answer.
func (e *env) call(p *auth.Principal, method, target string) (int, map[string]any) {
	e.t.Helper()
	w := e.serve(e.svc, p, method, target)
	var body map[string]any
	require.NoError(e.t, json.Unmarshal(w.Body.Bytes(), &body), w.Body.String())
	return w.Code, body
}

// serve serves one request as p through svc's Routes.
func (e *env) serve(svc *Service, p *auth.Principal, method, target string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if p != nil {
				req = req.WithContext(auth.WithPrincipal(req.Context(), *p))
			}
			next.ServeHTTP(w, req)
		})
	})
	svc.Routes(r)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequestWithContext(e.t.Context(), method, target, nil))
	return w
}

// errorCode is the code of an error envelope.
func errorCode(body map[string]any) string {
	if e, ok := body["error"].(map[string]any); ok {
		code, _ := e["code"].(string)
		return code
	}
	return ""
}
