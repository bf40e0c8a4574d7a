// Package hosttest runs the real Nexus host in tests: it builds the host and
// plugin binaries, starts the host on a fresh PostgreSQL database with a
// bootstrap platform admin, and offers HTTP helpers to create tenants, log
// in and call routes. End-to-end tests of the host and of verticals use it;
// production code must never import it.
package hosttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/internal/pgtest"
	"github.com/nexuspos/nexus/internal/role"
)

// Platform admin created by every host this package starts.
const (
	AdminEmail    = "admin@hosttest.local"
	AdminPassword = "admin-password-1"
)

// SecretsKey is the secrets key (NEXUS_SECRETS_KEY, id "hosttest") of
// every host this package starts: 32 bytes, base64.
const SecretsKey = "aG9zdHRlc3Qgc2VjcmV0cyBrZXkgMzIgYnl0ZXMhISE="

// HostPackage is the host's main package.
const HostPackage = "github.com/nexuspos/nexus/host/cmd/nexus"

var builds sync.Map // package path → *build

type build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the main package pkg once per test binary and returns the
// executable's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &build{})
	b := v.(*build)
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "nexus-hosttest-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(pkg))
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatalf("hosttest: %v", b.err)
	}
	return b.path
}

// PluginDir returns a fresh plugin directory holding copies of binaries
// under the given vertical names (vertical name → executable path).
func PluginDir(t testing.TB, plugins map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range plugins {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatalf("hosttest: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, "nexus-vertical-"+name), data, 0o755); err != nil {
			t.Fatalf("hosttest: %v", err)
		}
	}
	return dir
}

// Host is a host process started by a test.
type Host struct {
	t         testing.TB
	Cmd       *exec.Cmd
	URL       string
	PluginDir string
	// ProbeDir is passed to plugins as NEXUS_VERTICAL_PROBE_DIR.
	ProbeDir string
	// DatabaseURL is the host's own fresh database.
	DatabaseURL string
	// Done is closed when the process has exited.
	Done chan struct{}
	log  *syncBuffer
}

// Start runs the host against a fresh database with the plugins in dir,
// extra NEXUS_* settings in env, and waits until it answers. The host is
// stopped (SIGTERM, then SIGKILL) when the test ends, and its log is shown
// if the test failed.
func Start(t testing.TB, dir string, env ...string) *Host {
	t.Helper()
	return StartOn(t, pgtest.NewDatabase(t), dir, env...)
}

// StartOn is Start on an existing database, such as the DatabaseURL of a
// host stopped before: a restart.
func StartOn(t testing.TB, databaseURL, dir string, env ...string) *Host {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("hosttest: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	h := &Host{t: t, URL: "http://" + addr, PluginDir: dir, ProbeDir: t.TempDir(), log: &syncBuffer{}, Done: make(chan struct{}),
		DatabaseURL: databaseURL}
	h.Cmd = exec.Command(Build(t, HostPackage), "serve")
	h.Cmd.Env = append(os.Environ(),
		"NEXUS_HTTP_ADDR="+addr,
		"NEXUS_DATABASE_URL="+h.DatabaseURL,
		"NEXUS_PLUGIN_DIR="+dir,
		"NEXUS_ENV=test",
		"NEXUS_JWT_SECRET=hosttest-secret-that-is-at-least-32-bytes",
		"NEXUS_SECRETS_KEY=hosttest:"+SecretsKey,
		"NEXUS_BOOTSTRAP_ADMIN_EMAIL="+AdminEmail,
		"NEXUS_BOOTSTRAP_ADMIN_PASSWORD="+AdminPassword,
		"NEXUS_LOG_LEVEL=debug",
		"NEXUS_VERTICAL_PROBE_DIR="+h.ProbeDir,
		"NEXUS_EVENTS_PREFIX=test."+strings.ToLower(rand.Text()[:12])+".",
		// Tests log in and call far faster than people; rate limits have
		// their own tests.
		"NEXUS_RATE_LIMIT_ANONYMOUS=off",
		"NEXUS_RATE_LIMIT_AUTHENTICATED=off",
		"NEXUS_RATE_LIMIT_WRITE=off",
		"NEXUS_RATE_LIMIT_API_KEY=off",
		"NEXUS_RATE_LIMIT_LOGIN_IP=100000/1m",
		"NEXUS_RATE_LIMIT_LOGIN_EMAIL=100000/1m",
	)
	h.Cmd.Env = append(h.Cmd.Env, env...)
	h.Cmd.Stdout, h.Cmd.Stderr = h.log, h.log
	if err := h.Cmd.Start(); err != nil {
		t.Fatalf("hosttest: start host: %v", err)
	}
	go func() {
		_ = h.Cmd.Wait()
		close(h.Done)
	}()
	t.Cleanup(func() {
		_ = h.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.Done:
		case <-time.After(20 * time.Second):
			_ = h.Cmd.Process.Kill()
		}
		for _, pid := range PluginPIDs(dir) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		h.deleteBrokerTopology()
		if t.Failed() {
			t.Logf("host log:\n%s", h.log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(h.URL + "/healthz")
		if err == nil {
			_ = res.Body.Close()
			return h
		}
		select {
		case <-h.Done:
			t.Fatalf("hosttest: host exited during start:\n%s", h.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hosttest: host did not answer within 60s:\n%s", h.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the host as an operator would (SIGTERM) and waits until it and
// its plugins have exited.
func (h *Host) Stop() {
	h.t.Helper()
	_ = h.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-h.Done:
	case <-time.After(20 * time.Second):
		h.t.Fatalf("hosttest: host did not stop within 20s:\n%s", h.log.String())
	}
	Eventually(h.t, 10*time.Second, "plugins of the stopped host exit", func() bool { return len(PluginPIDs(h.PluginDir)) == 0 })
}

// Log returns what the host printed so far.
func (h *Host) Log() string { return h.log.String() }

// Response is a complete HTTP response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object, failing the test otherwise.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("hosttest: body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v, failing the test otherwise.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("hosttest: decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the error envelope's code, or "".
func (r Response) ErrorCode() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// Do sends a request with an optional bearer token and body (a string or
// []byte is sent as is, anything else as JSON) and extra header pairs.
func (h *Host) Do(ctx context.Context, method, path, token string, body any, headers ...string) (Response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return Response{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.URL+path, rd)
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: data}, err
}

// Call is Do that fails the test on a transport error.
func (h *Host) Call(method, path, token string, body any, headers ...string) Response {
	h.t.Helper()
	res, err := h.Do(context.Background(), method, path, token, body, headers...)
	if err != nil {
		h.t.Fatalf("hosttest: %s %s: %v", method, path, err)
	}
	return res
}

// Expect is Call that fails the test unless the status is want.
func (h *Host) Expect(want int, method, path, token string, body any, headers ...string) Response {
	h.t.Helper()
	res := h.Call(method, path, token, body, headers...)
	if res.Status != want {
		h.t.Fatalf("hosttest: %s %s: status %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	return res
}

// Login returns an access token.
func (h *Host) Login(email, password string) string {
	h.t.Helper()
	res := h.Expect(http.StatusOK, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password})
	return res.JSON(h.t)["access_token"].(string)
}

// Join invites a new user with email and role to company as inviter (a
// token of an admin or platform admin), accepts the invitation setting
// password, and returns the access token of the session the acceptance
// opens.
func (h *Host) Join(company, inviter, email, password, role string) string {
	h.t.Helper()
	inv := h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/companies/"+company+"/invitations", inviter,
		map[string]string{"email": email, "role": role}).JSON(h.t)
	res := h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/invitations/accept", "",
		map[string]string{"token": inv["token"].(string), "password": password}).JSON(h.t)
	return res["session"].(map[string]any)["access_token"].(string)
}

// Tenant is a company created by NewTenant with one user per role.
type Tenant struct {
	ID string
	// Tokens holds an access token per role: owner, admin, manager,
	// cashier, viewer.
	Tokens map[string]string
}

// Roles are the company roles NewTenant creates a user for.
var Roles = []string{role.Owner, role.Admin, role.Manager, role.Cashier, role.Viewer}

// NewTenant creates a company (country "MX" or "AR") with one user per role
// and enables the given verticals with an empty configuration.
func (h *Host) NewTenant(country string, verticals ...string) Tenant {
	h.t.Helper()
	taxID := NewCUIT()
	if country == "MX" {
		taxID = NewRFC()
	}
	return h.NewTenantWithTaxID(country, taxID, verticals...)
}

// NewTenantWithTaxID is NewTenant for the company of tax id taxID (an RFC
// in MX, a CUIT elsewhere), such as the taxpayer a fake authority's
// credentials name.
func (h *Host) NewTenantWithTaxID(country, taxID string, verticals ...string) Tenant {
	h.t.Helper()
	admin := h.Login(AdminEmail, AdminPassword)
	body := map[string]string{"name": "Tenant", "country": country, "tax_id": taxID}
	switch country {
	case "MX":
		body["currency"], body["timezone"] = "MXN", "America/Mexico_City"
	default:
		body["currency"], body["timezone"] = "ARS", "America/Argentina/Buenos_Aires"
	}
	res := h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/companies", admin, body)
	tn := Tenant{ID: res.JSON(h.t)["id"].(string), Tokens: map[string]string{}}
	for _, role := range Roles {
		email := fmt.Sprintf("%s-%s@hosttest.local", role, tn.ID)
		tn.Tokens[role] = h.Join(tn.ID, admin, email, "password-"+role, role)
	}
	for _, v := range verticals {
		h.Expect(http.StatusOK, http.MethodPut, "/api/v1/companies/"+tn.ID+"/verticals/"+v, tn.Tokens["owner"], map[string]any{})
	}
	return tn
}

// PluginPIDs lists the processes whose executable lies in dir.
func PluginPIDs(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && strings.HasPrefix(exe, dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Eventually polls cond every 20 ms until it holds, failing the test after
// within; it returns how long it took.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
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

// deleteBrokerTopology deletes the RabbitMQ queues and exchange of a host
// that ran with NEXUS_AMQP_URL, so that test runs leave nothing on a shared
// broker: the subscriptions are those the host registered in its database.
func (h *Host) deleteBrokerTopology() {
	amqpURL, prefix := envValue(h.Cmd.Env, "NEXUS_AMQP_URL"), envValue(h.Cmd.Env, "NEXUS_EVENTS_PREFIX")
	if amqpURL == "" || prefix == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, h.DatabaseURL)
	if err != nil {
		h.t.Errorf("hosttest: read subscriptions: %v", err)
		return
	}
	defer func() { _ = conn.Close(ctx) }()
	rows, err := conn.Query(ctx, `SELECT name FROM public.event_subscriptions`)
	if err != nil {
		h.t.Errorf("hosttest: read subscriptions: %v", err)
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		h.t.Errorf("hosttest: read subscriptions: %v", err)
		return
	}
	if err := events.DeleteTopology(ctx, amqpURL, prefix, events.DefaultRetryDelays(), names...); err != nil {
		h.t.Errorf("hosttest: %v", err)
	}
}

// envValue returns the last value of key in env (KEY=value entries).
func envValue(env []string, key string) string {
	v := ""
	for _, e := range env {
		if k, val, ok := strings.Cut(e, "="); ok && k == key {
			v = val
		}
	}
	return v
}
