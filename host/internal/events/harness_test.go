package events_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// Test services.
const (
	defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/"
	envAMQPURL     = "NEXUS_TEST_AMQP_URL"
)

// buses are the two transports every behavioural test runs against.
var buses = []string{events.BusRabbitMQ, events.BusInProcess}

// amqpURL returns the test broker's URL after checking it answers; the
// test fails, naming RabbitMQ, when it does not.
func amqpURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envAMQPURL)
	if u == "" {
		u = defaultAMQPURL
	}
	conn, err := amqp.DialConfig(u, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		t.Fatalf("RabbitMQ is unreachable (set %s; default %s): %v", envAMQPURL, defaultAMQPURL, err)
	}
	_ = conn.Close()
	return u
}

// harness is one test's world: a fresh database with a company, a
// per-test prefix for broker names, and an "applied" table the test
// handlers insert into (no unique key, so a second effect would show).
type harness struct {
	t       testing.TB
	bus     string
	pool    *pgxpool.Pool
	url     string
	company uuid.UUID
	prefix  string
	amqp    string
}

func newHarness(t testing.TB, bus string, maxConns int) *harness {
	t.Helper()
	u, err := url.Parse(pgtest.NewDatabase(t))
	require.NoError(t, err)
	q := u.Query()
	q.Set("pool_max_conns", fmt.Sprint(maxConns))
	u.RawQuery = q.Encode()
	h := &harness{t: t, bus: bus, url: u.String(), pool: storetest.OpenPool(t, u.String(), true), prefix: "t" + randomHex(6) + "."}
	if bus == events.BusRabbitMQ {
		h.amqp = amqpURL(t)
	}
	ctx := t.Context()
	require.NoError(t, h.pool.QueryRow(ctx,
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ('Tienda', 'MX', 'MXN', 'XAXX010101000', 'America/Mexico_City') RETURNING id`).Scan(&h.company))
	_, err = h.pool.Exec(ctx, `CREATE TABLE applied (
		company_id uuid NOT NULL, event_id uuid NOT NULL, subscription text NOT NULL,
		attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`)
	require.NoError(t, err)
	require.NoError(t, migrate.EnforceTenancy(ctx, h.pool, "public"))
	return h
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// config is the bus configuration of the harness.
func (h *harness) config() events.Config {
	cfg := events.Config{
		Prefix:         h.prefix,
		ConnectionName: h.prefix + "nexus",
		PollInterval:   250 * time.Millisecond,
	}
	if h.bus == events.BusRabbitMQ {
		cfg.AMQPURL = h.amqp
	}
	return cfg
}

// service builds a service with cfg and subs; it is stopped and its broker
// topology deleted when the test ends. It is not started.
func (h *harness) service(cfg events.Config, subs ...events.Subscription) *events.Service {
	t := h.t
	t.Helper()
	log := hclog.New(&hclog.LoggerOptions{Name: h.bus, Level: hclog.Warn, Output: testWriter{t}})
	svc, err := events.New(h.pool, cfg, log)
	require.NoError(t, err)
	require.NoError(t, svc.Register(t.Context(), subs...))
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.FullName()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Stop(ctx); err != nil {
			t.Errorf("stop the event bus: %v", err)
		}
		if cfg.AMQPURL == h.amqp { // not a deliberately unreachable broker
			require.NoError(t, events.DeleteServiceTopology(ctx, svc, names...))
		}
	})
	return svc
}

// start builds and starts a service.
func (h *harness) start(cfg events.Config, subs ...events.Subscription) *events.Service {
	h.t.Helper()
	svc := h.service(cfg, subs...)
	require.NoError(h.t, svc.Start(h.t.Context()))
	return svc
}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// event returns a test event of the harness's company.
func (h *harness) event(topic string) events.Event {
	return events.Event{ID: uuid.New(), CompanyID: h.company, Topic: topic, Payload: json.RawMessage(`{"n":1}`)}
}

// publish publishes evs in one unit of work, as a request would, and
// commits it unless rollback is set.
func (h *harness) publish(rollback bool, evs ...events.Event) {
	t := h.t
	t.Helper()
	ctx := t.Context()
	u := dal.NewTenantUnit(h.pool, h.company, "public")
	require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error { return events.Publish(ctx, tx, evs...) }))
	require.NoError(t, u.Finish(ctx, !rollback))
}

// publishMany publishes n events on topic in transactions of perTx and
// returns their ids.
func (h *harness) publishMany(n, perTx int, topic string) []uuid.UUID {
	ids := make([]uuid.UUID, 0, n)
	for len(ids) < n {
		batch := make([]events.Event, 0, perTx)
		for i := 0; i < perTx && len(ids)+len(batch) < n; i++ {
			batch = append(batch, h.event(topic))
		}
		h.publish(false, batch...)
		for _, ev := range batch {
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

// recorder returns a handler that inserts a row into applied for every
// event it handles.
func recorder(sub string) events.Handler {
	return func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
		return u.Run(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO applied (company_id, event_id, subscription, attempt) VALUES ($1, $2, $3, $4)`,
				ev.CompanyID, ev.ID, sub, attempt)
			return err
		})
	}
}

// testSub returns a recording subscription of the test vertical.
func testSub(name, pattern string, concurrency int) events.Subscription {
	s := events.Subscription{Vertical: "testv", Name: name, Pattern: pattern, Concurrency: concurrency}
	s.Handler = recorder(s.FullName())
	return s
}

// count runs a count query.
func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(h.t.Context(), sql, args...).Scan(&n))
	return n
}

// applied counts the rows the handlers inserted for event id (or all
// when id is uuid.Nil).
func (h *harness) applied(id uuid.UUID) int {
	if id == uuid.Nil {
		return h.count(`SELECT count(*) FROM applied`)
	}
	return h.count(`SELECT count(*) FROM applied WHERE event_id = $1`, id)
}

// waitFor polls cond every 50 ms until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// adminServer serves svc's admin routes as a platform admin (or as a
// plain member when admin is false, or anonymously when anonymous is
// set).
func adminServer(t testing.TB, svc *events.Service, admin, anonymous bool) *httptest.Server {
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !anonymous {
				// As auth's middleware does: the principal, and the actor
				// of the audit entries the request records.
				p := auth.Principal{UserID: adminID, Email: "ops@nexus.test", PlatformAdmin: admin, Role: auth.RoleOwner}
				r = r.WithContext(audit.WithActor(auth.WithPrincipal(r.Context(), p), p.AuditActor()))
			}
			next.ServeHTTP(w, r)
		})
	})
	r.Route("/api/v1/admin/events", svc.Routes)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// adminID is the user id of adminServer's caller.
var adminID = uuid.MustParse("0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11")

// call sends a request and decodes the JSON answer into out (when not
// nil), returning the status.
func call(t testing.TB, method, url string, out any) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	var body bytes.Buffer
	_, err = body.ReadFrom(res.Body)
	require.NoError(t, err)
	if out != nil && body.Len() > 0 {
		require.NoError(t, json.Unmarshal(body.Bytes(), out), body.String())
	}
	return res.StatusCode
}

// rabbitctlMu serializes rabbitmqctl listings.
var rabbitctlMu sync.Mutex

// brokerConnections lists the broker's ids (pids) of the connections
// whose name starts with prefix.
func brokerConnections(t testing.TB, prefix string) []string {
	t.Helper()
	rabbitctlMu.Lock()
	defer rabbitctlMu.Unlock()
	out, err := exec.Command("rabbitmqctl", "list_connections", "pid", "client_properties", "-q", "--no-table-headers").CombinedOutput()
	require.NoError(t, err, "rabbitmqctl: %s", out)
	var pids []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		pid, props, ok := strings.Cut(sc.Text(), "\t")
		if ok && strings.Contains(props, `{"connection_name","`+prefix) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// closeBrokerConnections force-closes the connections pids from the
// broker's side, all at once.
func closeBrokerConnections(t testing.TB, pids []string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(pids))
	for i, pid := range pids {
		wg.Go(func() {
			out, err := exec.Command("rabbitmqctl", "close_connection", pid, "test: forced close").CombinedOutput()
			if err != nil {
				errs[i] = fmt.Errorf("rabbitmqctl close_connection %s: %w: %s", pid, err, out)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}
