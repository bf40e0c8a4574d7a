package cpg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// base is where the host mounts the vertical's routes.
const base = "/api/v1/verticals/cpg"

// pluginPackage is the vertical's main package.
const pluginPackage = "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"

// platform is one host running the real cpg plugin, shared by the
// parallel subtests of a test, with a superuser pool on its database for
// checks the API does not expose (outbox rows, raw counts).
type platform struct {
	h    *hosttest.Host
	pool *pgxpool.Pool

	adminOnce sync.Once
	admin     string
}

func startPlatform(t testing.TB, env ...string) *platform {
	t.Helper()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"cpg": hosttest.Build(t, pluginPackage)}), env...)
	pool, err := pgxpool.New(context.Background(), h.DatabaseURL)
	require.NoError(t, err, "postgresql at %s", h.DatabaseURL)
	t.Cleanup(pool.Close)
	return &platform{h: h, pool: pool}
}

// company is a tenant with the cpg vertical enabled.
type company struct {
	t testing.TB
	p *platform
	hosttest.Tenant
	principal string
}

// newTenant creates a company in country with one user per role and
// enables cpg with config. Unlike hosttest.NewTenant it logs the platform
// admin in once, so many companies can be created in parallel without
// tripping the host's login limits; each user joins by invitation and uses
// the session accepting it opens, without logging in.
func (p *platform) newTenant(t testing.TB, country string, config map[string]any) hosttest.Tenant {
	t.Helper()
	admin := p.adminToken(t)
	body := map[string]string{"name": "Tenant", "country": country}
	switch country {
	case "MX":
		body["currency"], body["tax_id"], body["timezone"] = "MXN", hosttest.NewRFC(), "America/Mexico_City"
	default:
		body["currency"], body["tax_id"], body["timezone"] = "ARS", hosttest.NewCUIT(), "America/Argentina/Buenos_Aires"
	}
	res := p.h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/companies", admin, body)
	tn := hosttest.Tenant{ID: res.JSON(t)["id"].(string), Tokens: map[string]string{}}
	for _, role := range hosttest.Roles {
		email := fmt.Sprintf("%s-%s@cpg.test", role, tn.ID)
		tn.Tokens[role] = p.h.Join(tn.ID, admin, email, "password-"+role, role)
	}
	p.h.Expect(http.StatusOK, http.MethodPut, "/api/v1/companies/"+tn.ID+"/verticals/cpg", tn.Tokens["owner"], config)
	return tn
}

// adminToken logs the platform admin in once per platform.
func (p *platform) adminToken(t testing.TB) string {
	t.Helper()
	p.adminOnce.Do(func() {
		p.admin = login(t, clientFrom(addressSeq.Add(1)), p.h.URL, hosttest.AdminEmail, hosttest.AdminPassword)
	})
	require.NotEmpty(t, p.admin, "platform admin login")
	return p.admin
}

// addressSeq hands out loopback source addresses.
var addressSeq atomic.Int64

// clientFrom returns an HTTP client whose connections come from the n-th
// address of 127.0.0.0/8 (127.0.1.1, 127.0.1.2, ...).
func clientFrom(n int64) *http.Client {
	ip := net.IPv4(127, byte(n>>16), byte(n>>8)+1, byte(n))
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}, Timeout: time.Minute}
}

// login returns an access token.
func login(t testing.TB, client *http.Client, baseURL, email, password string) string {
	t.Helper()
	data, err := json.Marshal(map[string]string{"email": email, "password": password})
	require.NoError(t, err)
	res, err := client.Post(baseURL+"/api/v1/auth/login", "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer res.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
	require.Equal(t, http.StatusOK, res.StatusCode, "login %s: %v", email, out)
	return out["access_token"].(string)
}

// newCompany creates a tenant in country with cpg enabled, configured with
// config when given.
func (p *platform) newCompany(t testing.TB, country string, config ...map[string]any) *company {
	t.Helper()
	cfg := map[string]any{}
	if len(config) > 0 {
		cfg = config[0]
	}
	c := &company{t: t, p: p, Tenant: p.newTenant(t, country, cfg)}
	c.principal = c.ok(http.StatusOK, "viewer", "GET", "/settings", nil)["principal_location_id"].(string)
	return c
}

// call sends a request to the vertical as role.
func (c *company) call(role, method, path string, body any, headers ...string) hosttest.Response {
	c.t.Helper()
	return c.p.h.Call(method, base+path, c.Tokens[role], body, headers...)
}

// ok sends a request and requires status, returning the JSON object.
func (c *company) ok(status int, role, method, path string, body any, headers ...string) map[string]any {
	c.t.Helper()
	res := c.call(role, method, path, body, headers...)
	require.Equal(c.t, status, res.Status, "%s %s: %s", method, path, res.Body)
	return res.JSON(c.t)
}

// fail sends a request and requires an error envelope with status and code.
func (c *company) fail(status int, code, role, method, path string, body any, headers ...string) map[string]any {
	c.t.Helper()
	res := c.call(role, method, path, body, headers...)
	require.Equal(c.t, status, res.Status, "%s %s: %s", method, path, res.Body)
	require.Equal(c.t, code, res.ErrorCode(), "%s %s: %s", method, path, res.Body)
	env := res.JSON(c.t)
	require.NotEmpty(c.t, env["request_id"])
	return env
}

// product creates a one-variant product and returns the variant id.
func (c *company) product(sku, price, cost string, extra ...map[string]any) string {
	c.t.Helper()
	v := map[string]any{"sku": sku, "price": price, "cost": cost}
	body := map[string]any{"name": "Producto " + sku, "tax_rate": "16", "variants": []any{v}}
	if c.countryAR() {
		body["tax_rate"] = "21"
	}
	for _, e := range extra {
		for k, val := range e {
			body[k] = val
		}
	}
	p := c.ok(http.StatusCreated, "manager", "POST", "/products", body)
	return p["variants"].([]any)[0].(map[string]any)["id"].(string)
}

func (c *company) countryAR() bool {
	return c.ok(http.StatusOK, "viewer", "GET", "/settings", nil)["country"] == "AR"
}

// stock adds quantity of variant at location (default Principal).
func (c *company) stock(variant, quantity string, location ...string) {
	c.t.Helper()
	loc := c.principal
	if len(location) > 0 {
		loc = location[0]
	}
	c.ok(http.StatusCreated, "manager", "POST", "/stock/adjustments", map[string]any{
		"location_id": loc, "reason": "initial count", "lines": []any{map[string]any{"variant_id": variant, "quantity": quantity}},
	})
}

// onHand reads the on-hand of variant at location (default Principal).
func (c *company) onHand(variant string, location ...string) string {
	c.t.Helper()
	loc := c.principal
	if len(location) > 0 {
		loc = location[0]
	}
	res := c.ok(http.StatusOK, "viewer", "GET", "/stock?variant_id="+variant+"&location_id="+loc, nil)
	rows := res["data"].([]any)
	require.Len(c.t, rows, 1)
	return rows[0].(map[string]any)["on_hand"].(string)
}

var registerSeq atomic.Int64

// session opens a register and a cash session at Principal with float.
func (c *company) session(float string) string {
	c.t.Helper()
	reg := c.ok(http.StatusCreated, "manager", "POST", "/registers", map[string]any{"location_id": c.principal, "name": fmt.Sprintf("Caja %d", registerSeq.Add(1))})
	return c.ok(http.StatusCreated, "cashier", "POST", "/cash-sessions", map[string]any{"register_id": reg["id"], "opening_float": float})["id"].(string)
}

// sell checks out quantity of variant paid in cash.
func (c *company) sell(session, variant, quantity, cash string, headers ...string) map[string]any {
	c.t.Helper()
	return c.ok(http.StatusCreated, "cashier", "POST", "/sales", saleBody(session, cash, line(variant, quantity)), headers...)
}

func line(variant, quantity string) map[string]any {
	return map[string]any{"variant_id": variant, "quantity": quantity}
}

func saleBody(session, cash string, lines ...map[string]any) map[string]any {
	ls := make([]any, len(lines))
	for i, l := range lines {
		ls[i] = l
	}
	return map[string]any{"session_id": session, "lines": ls, "payments": []any{map[string]any{"method": "cash", "amount": cash}}}
}

// integrity requires Σ movements = on-hand for the company.
func (c *company) integrity() {
	c.t.Helper()
	res := c.ok(http.StatusOK, "admin", "GET", "/stock/integrity", nil)
	require.Equal(c.t, true, res["ok"], "integrity: %v", res["mismatches"])
}

// count counts the company's rows of a table of schema cpg (or public's
// event_outbox with a topic), bypassing row-level security.
func (c *company) count(table string, where string, args ...any) int {
	c.t.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE company_id = $1", table)
	if where != "" {
		q += " AND " + where
	}
	require.NoError(c.t, c.p.pool.QueryRow(context.Background(), q, append([]any{c.ID}, args...)...).Scan(&n))
	return n
}

// events counts the company's outbox events on topic.
func (c *company) events(topic string) int {
	c.t.Helper()
	return c.count("public.event_outbox", "topic = $2", topic)
}

// parallel runs fn n times at once and returns the responses.
func parallel(n int, fn func(i int) hosttest.Response) []hosttest.Response {
	out := make([]hosttest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fn(i)
		}()
	}
	wg.Wait()
	return out
}

// items returns the rows of a list response, which must have the
// platform's page envelope {"data":[...],"next_cursor":...}.
func items(t *testing.T, res map[string]any) []map[string]any {
	t.Helper()
	raw, ok := res["data"].([]any)
	require.True(t, ok, "no data in %v", res)
	require.Contains(t, res, "next_cursor", "a list answers next_cursor, null on the last page")
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}
