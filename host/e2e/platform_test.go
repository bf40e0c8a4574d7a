package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestAPIKeys drives machine clients' keys through the real host: a key
// works on host and vertical routes within its role and company, is
// listed with its last use, stops at once when revoked or expired, and
// another company never sees or uses it.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("MX", "probe")
	b := h.NewTenant("AR", "probe")
	keys := "/api/v1/companies/" + a.ID + "/api-keys"

	// An admin creates a manager key; the key is shown once, and only
	// its SHA-256 is stored.
	created := h.Expect(http.StatusCreated, http.MethodPost, keys, a.Tokens["admin"],
		map[string]any{"name": "Caja 3", "role": "manager"}).JSON(t)
	key := created["key"].(string)
	require.True(t, strings.HasPrefix(key, "nxk_"), key)
	require.NotEmpty(t, created["id"])
	keyID := created["id"].(string)
	stored := queryString(t, h, `SELECT encode(key_hash, 'hex') FROM api_keys WHERE id = $1`, keyID)
	sum := sha256.Sum256([]byte(key))
	require.Equal(t, hex.EncodeToString(sum[:]), stored)

	// It works wherever a user token does, within its role.
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/items/7", key, nil)
	res := h.Expect(http.StatusOK, http.MethodPost, "/api/v1/verticals/probe/echo", key, "x")
	require.Equal(t, a.ID, res.JSON(t)["company_id"])
	require.Equal(t, keyID, res.JSON(t)["user_id"], "a key's calls are recorded under its id")
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+a.ID, key, nil)
	require.Equal(t, "insufficient_role", h.Expect(http.StatusForbidden, http.MethodGet, keys, key, nil).ErrorCode())
	// Never in another company.
	require.Equal(t, "company_not_found", h.Expect(http.StatusNotFound, http.MethodGet, "/api/v1/companies/"+b.ID, key, nil).ErrorCode())

	// Listed with its last use, never with the key.
	list := h.Expect(http.StatusOK, http.MethodGet, keys, a.Tokens["admin"], nil)
	require.NotContains(t, string(list.Body), key)
	var page struct {
		Data []map[string]any `json:"data"`
	}
	list.Decode(t, &page)
	require.Len(t, page.Data, 1)
	require.NotNil(t, page.Data[0]["last_used_at"])
	require.Equal(t, key[:12], page.Data[0]["prefix"])

	// Another company's admin neither lists nor revokes it.
	require.Equal(t, http.StatusNotFound, h.Call(http.MethodGet, keys, b.Tokens["owner"], nil).Status)
	require.Equal(t, http.StatusNotFound, h.Call(http.MethodDelete, keys+"/"+keyID, b.Tokens["owner"], nil).Status)
	require.Equal(t, http.StatusNotFound, h.Call(http.MethodDelete, "/api/v1/companies/"+b.ID+"/api-keys/"+keyID, b.Tokens["owner"], nil).Status)
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/pid", key, nil)

	// Role limits: an admin grants at most admin; a key creates no keys.
	require.Equal(t, "insufficient_role", h.Expect(http.StatusForbidden, http.MethodPost, keys, a.Tokens["admin"],
		map[string]any{"name": "x", "role": "owner"}).ErrorCode())
	h.Expect(http.StatusForbidden, http.MethodPost, keys, a.Tokens["manager"], map[string]any{"name": "x", "role": "viewer"})
	admin := h.Expect(http.StatusCreated, http.MethodPost, keys, a.Tokens["owner"], map[string]any{"name": "sync", "role": "admin"}).JSON(t)
	require.Equal(t, "user_required", h.Expect(http.StatusForbidden, http.MethodPost, keys, admin["key"].(string),
		map[string]any{"name": "x", "role": "viewer"}).ErrorCode())
	for _, bad := range []map[string]any{
		{"role": "viewer"}, {"name": "x"}, {"name": "x", "role": "boss"},
		{"name": "x", "role": "viewer", "expires_at": "2020-01-01T00:00:00Z"},
		{"name": "x", "role": "viewer", "expires_at": "tomorrow"},
	} {
		require.Equal(t, http.StatusBadRequest, h.Call(http.MethodPost, keys, a.Tokens["owner"], bad).Status, "%v", bad)
	}

	// Revoked: 401 on the very next request.
	h.Expect(http.StatusNoContent, http.MethodDelete, keys+"/"+keyID, a.Tokens["admin"], nil)
	require.Equal(t, http.StatusUnauthorized, h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", key, nil).Status)
	require.Equal(t, http.StatusUnauthorized, h.Call(http.MethodGet, "/api/v1/companies/"+a.ID, key, nil).Status)
	h.Expect(http.StatusNoContent, http.MethodDelete, keys+"/"+keyID, a.Tokens["admin"], nil)

	// Expired: 401 as soon as its time passes.
	soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	expiring := h.Expect(http.StatusCreated, http.MethodPost, keys, a.Tokens["admin"],
		map[string]any{"name": "temp", "role": "viewer", "expires_at": soon}).JSON(t)["key"].(string)
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/pid", expiring, nil)
	time.Sleep(time.Until(mustTime(t, soon)) + 100*time.Millisecond)
	require.Equal(t, http.StatusUnauthorized, h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", expiring, nil).Status)
	require.Equal(t, http.StatusUnauthorized, h.Call(http.MethodGet, "/api/v1/verticals/probe/pid", "nxk_not-a-key", nil).Status)

	// The audit log names who created and revoked it.
	audit := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+a.ID+"/audit?action=api_key.", a.Tokens["admin"], nil)
	var entries struct {
		Data []struct {
			Action string `json:"action"`
			Target string `json:"target"`
			Actor  struct {
				Type string `json:"type"`
			} `json:"actor"`
		} `json:"data"`
	}
	audit.Decode(t, &entries)
	actions := map[string]int{}
	for _, e := range entries.Data {
		actions[e.Action]++
		require.Equal(t, "user", e.Actor.Type)
	}
	require.Equal(t, map[string]int{"api_key.created": 3, "api_key.revoked": 1}, actions)
	require.NotContains(t, string(audit.Body), key)
}

// TestSecrets stores a vertical's secret through the real host: admins
// write, list and delete it, the plugin reads it for its company only, and
// the value appears in no response, no log line and no audit entry.
func TestSecrets(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t), "hello": hello(t)}))
	a := h.NewTenant("MX", "probe")
	b := h.NewTenant("AR", "probe")
	const value = "sk_live_51H-very-secret-value-4242"
	secrets := "/api/v1/companies/" + a.ID + "/verticals/probe/secrets"
	var bodies []string
	call := func(want int, method, path, token string, body any) hosttest.Response {
		t.Helper()
		res := h.Expect(want, method, path, token, body)
		bodies = append(bodies, string(res.Body))
		return res
	}

	call(http.StatusNoContent, http.MethodPut, secrets+"/stripe.token", a.Tokens["admin"], map[string]string{"value": value})
	call(http.StatusNoContent, http.MethodPut, secrets+"/stripe.token", a.Tokens["owner"], map[string]string{"value": value + "-2"})
	list := call(http.StatusOK, http.MethodGet, secrets, a.Tokens["admin"], nil).JSON(t)
	data := list["data"].([]any)
	require.Len(t, data, 1)
	require.Equal(t, "stripe.token", data[0].(map[string]any)["name"])
	require.ElementsMatch(t, []string{"name", "created_at", "updated_at", "updated_by"}, keysOf(data[0].(map[string]any)))

	// The plugin reads it for the request's company (the digest proves
	// the value without answering it).
	digest := call(http.StatusOK, http.MethodGet, "/api/v1/verticals/probe/secrets/stripe.token", a.Tokens["viewer"], nil).JSON(t)
	sum := sha256.Sum256([]byte(value + "-2"))
	require.Equal(t, hex.EncodeToString(sum[:]), digest["sha256"])
	// Another company has no such secret, and reads none of a's.
	require.Equal(t, "secret_not_set", call(http.StatusUnprocessableEntity, http.MethodGet, "/api/v1/verticals/probe/secrets/stripe.token",
		b.Tokens["owner"], nil).ErrorCode())
	call(http.StatusNotFound, http.MethodGet, secrets, b.Tokens["owner"], nil)
	call(http.StatusNotFound, http.MethodPut, secrets+"/stripe.token", b.Tokens["owner"], map[string]string{"value": "overwrite"})
	call(http.StatusNotFound, http.MethodDelete, secrets+"/stripe.token", b.Tokens["owner"], nil)
	// Below admin, or with bad input: refused, nothing written.
	call(http.StatusForbidden, http.MethodPut, secrets+"/x", a.Tokens["manager"], map[string]string{"value": "v"})
	call(http.StatusForbidden, http.MethodGet, secrets, a.Tokens["manager"], nil)
	call(http.StatusBadRequest, http.MethodPut, secrets+"/x", a.Tokens["admin"], map[string]string{})
	call(http.StatusBadRequest, http.MethodPut, secrets+"/x", a.Tokens["admin"], map[string]string{"value": ""})
	call(http.StatusBadRequest, http.MethodPut, secrets+"/x", a.Tokens["admin"], map[string]any{"value": 7})
	call(http.StatusBadRequest, http.MethodPut, secrets+"/-bad", a.Tokens["admin"], map[string]string{"value": "v"})
	call(http.StatusBadRequest, http.MethodPut, secrets+"/x", a.Tokens["admin"], map[string]string{"value": strings.Repeat("v", 64<<10+1)})
	call(http.StatusNotFound, http.MethodPut, "/api/v1/companies/"+a.ID+"/verticals/nope/secrets/x", a.Tokens["admin"], map[string]string{"value": "v"})
	require.Len(t, call(http.StatusOK, http.MethodGet, secrets, a.Tokens["admin"], nil).JSON(t)["data"], 1)
	// Stored sealed: the ciphertext holds no plaintext.
	require.Equal(t, "hosttest", queryString(t, h, `SELECT key_id FROM secrets WHERE company_id = $1`, a.ID))
	require.NotContains(t, queryString(t, h, `SELECT encode(ciphertext, 'escape') FROM secrets WHERE company_id = $1`, a.ID), "very-secret")

	audit := call(http.StatusOK, http.MethodGet, "/api/v1/companies/"+a.ID+"/audit?action=secret.written", a.Tokens["admin"], nil).JSON(t)
	require.Len(t, audit["data"], 2)

	call(http.StatusNoContent, http.MethodDelete, secrets+"/stripe.token", a.Tokens["admin"], nil)
	call(http.StatusNotFound, http.MethodDelete, secrets+"/stripe.token", a.Tokens["admin"], nil)
	require.Equal(t, "secret_not_set", call(http.StatusUnprocessableEntity, http.MethodGet, "/api/v1/verticals/probe/secrets/stripe.token",
		a.Tokens["viewer"], nil).ErrorCode())

	for _, body := range bodies {
		require.NotContains(t, body, "very-secret", "a response carried the secret")
	}
	require.NotContains(t, h.Log(), "very-secret", "the host log (plugins' output included) carried the secret")
	require.Contains(t, h.Log(), "/secrets/stripe.token", "the log does have the requests")
}

// TestAuditLog checks what the real host records and who may read it: a
// vertical's entries (kept only when its request commits), logins and
// failures, member changes; filters and paging; no tenant role may change
// a row.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a := h.NewTenant("MX", "probe")
	b := h.NewTenant("AR", "probe")
	auditPath := "/api/v1/companies/" + a.ID + "/audit"

	h.Expect(http.StatusNoContent, http.MethodPost, "/api/v1/verticals/probe/audit", a.Tokens["cashier"],
		map[string]any{"action": "probe.sale.voided", "target": "sale:1", "details": map[string]any{"total": "10.00"}},
		"User-Agent", "pos-terminal/1.0", "X-Request-ID", "req-audit-1")
	h.Expect(http.StatusUnprocessableEntity, http.MethodPost, "/api/v1/verticals/probe/audit?fail=1", a.Tokens["cashier"],
		map[string]any{"action": "probe.sale.voided", "target": "sale:2"})
	require.Equal(t, "invalid_audit_entry", h.Expect(http.StatusBadRequest, http.MethodPost, "/api/v1/verticals/probe/audit", a.Tokens["cashier"],
		map[string]any{"action": "cpg.sale.voided"}).ErrorCode(), "a vertical writes only in its own namespace")

	var page struct {
		Data []struct {
			Action    string         `json:"action"`
			Target    string         `json:"target"`
			Vertical  string         `json:"vertical"`
			UserAgent string         `json:"user_agent"`
			RequestID string         `json:"request_id"`
			IP        string         `json:"ip"`
			Details   map[string]any `json:"details"`
			Actor     struct {
				Type  string `json:"type"`
				Label string `json:"label"`
			} `json:"actor"`
		} `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	h.Expect(http.StatusOK, http.MethodGet, auditPath+"?action=probe.sale.voided", a.Tokens["admin"], nil).Decode(t, &page)
	require.Len(t, page.Data, 1, "the failed request's entry rolled back with it")
	e := page.Data[0]
	require.Equal(t, "sale:1", e.Target)
	require.Equal(t, "probe", e.Vertical)
	require.Equal(t, "pos-terminal/1.0", e.UserAgent)
	require.Equal(t, "req-audit-1", e.RequestID)
	require.Equal(t, "127.0.0.1", e.IP)
	require.Equal(t, "10.00", e.Details["total"])
	require.Equal(t, "user", e.Actor.Type)
	require.True(t, strings.HasPrefix(e.Actor.Label, "cashier-"), e.Actor.Label)

	// Logins and failures.
	email := "viewer-" + a.ID + "@hosttest.local"
	h.Expect(http.StatusUnauthorized, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": "wrong"})
	h.Login(email, "password-viewer")
	hosttest.Eventually(t, 5*time.Second, "the failed login is recorded", func() bool {
		h.Expect(http.StatusOK, http.MethodGet, auditPath+"?action=auth.login_failed", a.Tokens["admin"], nil).Decode(t, &page)
		return len(page.Data) == 1
	})
	h.Expect(http.StatusOK, http.MethodGet, auditPath+"?action=auth.", a.Tokens["admin"], nil).Decode(t, &page)
	require.GreaterOrEqual(t, len(page.Data), 2)
	require.Equal(t, email, page.Data[0].Actor.Label)

	// Member changes, invitations and vertical enablement were recorded
	// when NewTenant set the company up.
	for _, action := range []string{"invitation.created", "invitation.accepted", "vertical.enabled"} {
		h.Expect(http.StatusOK, http.MethodGet, auditPath+"?action="+action, a.Tokens["admin"], nil).Decode(t, &page)
		require.NotEmpty(t, page.Data, action)
	}

	// Paging walks the whole log without repeats.
	seen := map[string]bool{}
	next := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 100)
		var p struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		h.Expect(http.StatusOK, http.MethodGet, auditPath+"?limit=2&cursor="+next, a.Tokens["admin"], nil).Decode(t, &p)
		for _, r := range p.Data {
			require.False(t, seen[r.ID], "row %s repeated", r.ID)
			seen[r.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		next = *p.NextCursor
	}
	require.Greater(t, len(seen), 5)

	// Admins only; another company never reads it; bad filters are 400s.
	h.Expect(http.StatusForbidden, http.MethodGet, auditPath, a.Tokens["manager"], nil)
	h.Expect(http.StatusNotFound, http.MethodGet, auditPath, b.Tokens["owner"], nil)
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+b.ID+"/audit?action=probe.", b.Tokens["owner"], nil).Decode(t, &page)
	require.Empty(t, page.Data, "b's log holds none of a's entries")
	for _, q := range []string{"action=Bad", "actor=me", "since=yesterday", "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "limit=0", "cursor=zz"} {
		h.Expect(http.StatusBadRequest, http.MethodGet, auditPath+"?"+q, a.Tokens["admin"], nil)
	}
}

func queryString(t *testing.T, h *hosttest.Host, sql string, args ...any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, h.DatabaseURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var s string
	require.NoError(t, conn.QueryRow(ctx, sql, args...).Scan(&s))
	return s
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err)
	return tm
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
