package auth_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
)

func (h *harness) refresh(token string) (pairJSON, int) {
	h.t.Helper()
	rec := h.post("/api/v1/auth/refresh", refreshBody(token))
	if rec.Code != http.StatusOK {
		requireError(h.t, rec, http.StatusUnauthorized, "unauthorized")
		return pairJSON{}, rec.Code
	}
	return decode[pairJSON](h.t, rec), rec.Code
}

func (h *harness) switchCompany(token, body string) *testingRecorder {
	h.t.Helper()
	rec := h.do(request{method: http.MethodPost, path: "/api/v1/auth/switch-company", token: token, body: body})
	return &testingRecorder{code: rec.Code, body: rec.Body.String()}
}

func sessionOf(t *testing.T, access string) string {
	t.Helper()
	c := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(access, c)
	require.NoError(t, err)
	sid, _ := c["sid"].(string)
	require.NotEmpty(t, sid)
	return sid
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("rotate@example.com", false)
	h.member(co, u, auth.RoleAdmin, 0)

	first := h.login(loginBody("rotate@example.com"))
	second, code := h.refresh(first.RefreshToken)
	require.Equal(t, http.StatusOK, code)
	require.NotEqual(t, first.RefreshToken, second.RefreshToken)
	require.NotEqual(t, first.AccessToken, second.AccessToken)
	require.Equal(t, co, *second.CompanyID)
	require.Equal(t, "Bearer", second.TokenType)
	require.Len(t, second.Companies, 1)
	require.Equal(t, sessionOf(t, first.AccessToken), sessionOf(t, second.AccessToken))
	third, code := h.refresh(second.RefreshToken)
	require.Equal(t, http.StatusOK, code)

	// Tokens are stored hashed.
	require.Zero(t, h.count(`SELECT count(*) FROM refresh_tokens WHERE token_hash = convert_to($1, 'UTF8')`, third.RefreshToken))
	require.Equal(t, 3, h.count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1`, u))

	// Another session of the same user must survive what follows.
	other := h.login(loginBody("rotate@example.com"))

	// Reusing a rotated token revokes the whole session: the newest
	// refresh token and every access token of it stop working.
	_, code = h.refresh(first.RefreshToken)
	require.Equal(t, http.StatusUnauthorized, code)
	_, code = h.refresh(third.RefreshToken)
	require.Equal(t, http.StatusUnauthorized, code)
	for _, access := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
		requireError(t, h.get("/probe", access), http.StatusUnauthorized, "unauthorized")
	}
	require.Equal(t, http.StatusOK, h.get("/probe", other.AccessToken).Code)
	_, code = h.refresh(other.RefreshToken)
	require.Equal(t, http.StatusOK, code)

	_, code = h.refresh("unknown-token")
	require.Equal(t, http.StatusUnauthorized, code)
}

func TestRefreshExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *auth.Config) { c.RefreshTTL = 48 * time.Hour })
	co := h.company("Acme", true)
	u := h.user("old@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)

	p := h.login(loginBody("old@example.com"))
	h.clock.Advance(47 * time.Hour)
	q, code := h.refresh(p.RefreshToken)
	require.Equal(t, http.StatusOK, code, "rotation renews the lifetime")
	h.clock.Advance(47 * time.Hour)
	r, code := h.refresh(q.RefreshToken)
	require.Equal(t, http.StatusOK, code)
	h.clock.Advance(48 * time.Hour)
	_, code = h.refresh(r.RefreshToken)
	require.Equal(t, http.StatusUnauthorized, code)
}

func TestConcurrentRefreshOfOneToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("race@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)
	p := h.login(loginBody("race@example.com"))

	const n = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	for range n {
		wg.Go(func() {
			rec := h.post("/api/v1/auth/refresh", refreshBody(p.RefreshToken))
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	require.Equal(t, map[int]int{http.StatusOK: 1, http.StatusUnauthorized: n - 1}, codes)
	// The losers presented a used token: the session is revoked.
	require.Zero(t, h.count(`SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL`, u))
	requireError(t, h.get("/probe", p.AccessToken), http.StatusUnauthorized, "unauthorized")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("bye@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)

	first := h.login(loginBody("bye@example.com"))
	second, _ := h.refresh(first.RefreshToken)
	other := h.login(loginBody("bye@example.com"))

	rec := h.post("/api/v1/auth/logout", refreshBody(second.RefreshToken))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Empty(t, rec.Body.String())

	for _, token := range []string{first.RefreshToken, second.RefreshToken} {
		_, code := h.refresh(token)
		require.Equal(t, http.StatusUnauthorized, code)
	}
	for _, access := range []string{first.AccessToken, second.AccessToken} {
		requireError(t, h.get("/probe", access), http.StatusUnauthorized, "unauthorized")
		requireError(t, h.get("/api/v1/auth/me", access), http.StatusUnauthorized, "unauthorized")
	}

	// Logging out again, or with a token nobody issued, is harmless.
	require.Equal(t, http.StatusNoContent, h.post("/api/v1/auth/logout", refreshBody(second.RefreshToken)).Code)
	require.Equal(t, http.StatusNoContent, h.post("/api/v1/auth/logout", refreshBody("never-issued")).Code)

	// Other sessions are untouched.
	require.Equal(t, http.StatusOK, h.get("/probe", other.AccessToken).Code)
}

func TestMe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("me@example.com", false)
	h.member(co, u, auth.RoleManager, 0)
	admin := h.user("root@example.com", true)

	type meJSON struct {
		UserID        uuid.UUID     `json:"user_id"`
		Email         string        `json:"email"`
		PlatformAdmin bool          `json:"platform_admin"`
		CompanyID     *uuid.UUID    `json:"company_id"`
		Role          string        `json:"role"`
		Companies     []companyJSON `json:"companies"`
	}
	p := h.login(loginBody("me@example.com"))
	rec := h.get("/api/v1/auth/me", p.AccessToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, meJSON{
		UserID: u, Email: "me@example.com", CompanyID: &co, Role: "manager",
		Companies: []companyJSON{{ID: co, Name: "Acme", Role: "manager", Active: true}},
	}, decode[meJSON](t, rec))

	a := h.login(loginBody("root@example.com"))
	rec = h.get("/api/v1/auth/me", a.AccessToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, meJSON{UserID: admin, Email: "root@example.com", PlatformAdmin: true, Role: "platform_admin", Companies: []companyJSON{}},
		decode[meJSON](t, rec))
	require.Contains(t, rec.Body.String(), `"company_id":null`)

	requireError(t, h.get("/api/v1/auth/me", ""), http.StatusUnauthorized, "unauthorized")
}

func TestSwitchCompany(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	a := h.company("A", true)
	b := h.company("B", true)
	foreign := h.company("Foreign", true)
	u := h.user("switch@example.com", false)
	h.member(a, u, auth.RoleOwner, time.Hour)
	h.member(b, u, auth.RoleCashier, 0)
	admin := h.user("root@example.com", true)
	h.member(b, admin, auth.RoleViewer, 0)

	p := h.login(loginBody("switch@example.com"))
	require.Equal(t, a, *p.CompanyID)

	rec := h.switchCompany(p.AccessToken, `{"company_id":"`+b.String()+`"}`)
	require.Equal(t, http.StatusOK, rec.code, rec.body)
	var q pairJSON
	require.NoError(t, jsonUnmarshal(rec.body, &q))
	require.Equal(t, b, *q.CompanyID)
	require.Len(t, q.Companies, 2)
	pr := decode[principalJSON](t, h.get("/probe", q.AccessToken))
	require.Equal(t, b, pr.CompanyID)
	require.Equal(t, "cashier", pr.Role)
	require.Equal(t, sessionOf(t, p.AccessToken), sessionOf(t, q.AccessToken), "the session moves")

	// The new refresh token works; switching retired the old one.
	r, code := h.refresh(q.RefreshToken)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, b, *r.CompanyID)

	// Not a member and does not exist look the same.
	notMember := h.switchCompany(r.AccessToken, `{"company_id":"`+foreign.String()+`"}`)
	missing := h.switchCompany(r.AccessToken, `{"company_id":"`+uuid.NewString()+`"}`)
	require.Equal(t, http.StatusNotFound, notMember.code)
	require.Equal(t, notMember.body, missing.body)
	require.Contains(t, missing.body, `"company_not_found"`)

	requireError(t, h.do(request{method: http.MethodPost, path: "/api/v1/auth/switch-company", body: `{"company_id":"` + a.String() + `"}`}),
		http.StatusUnauthorized, "unauthorized")

	// Presenting a token retired by the switch is reuse: session revoked.
	_, code = h.refresh(p.RefreshToken)
	require.Equal(t, http.StatusUnauthorized, code)
	requireError(t, h.get("/probe", r.AccessToken), http.StatusUnauthorized, "unauthorized")

	// A platform admin may move between a member company and no company.
	ap := h.login(loginBody("root@example.com"))
	rec = h.switchCompany(ap.AccessToken, `{"company_id":"`+b.String()+`"}`)
	require.Equal(t, http.StatusOK, rec.code, rec.body)
	var aq pairJSON
	require.NoError(t, jsonUnmarshal(rec.body, &aq))
	require.Equal(t, "viewer", decode[principalJSON](t, h.get("/probe", aq.AccessToken)).Role)
	require.Equal(t, http.StatusNotFound, h.switchCompany(aq.AccessToken, `{"company_id":"`+foreign.String()+`"}`).code)
	rec = h.switchCompany(aq.AccessToken, `{"company_id":null}`)
	require.Equal(t, http.StatusOK, rec.code, rec.body)
	require.Contains(t, rec.body, `"company_id":null`)
}

func TestCreateAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	ctx := context.Background()

	id, created, err := h.svc.CreateAdmin(ctx, " Root@Example.com ", "s3cret-password")
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := h.svc.CreateAdmin(ctx, "root@example.com", "another-password")
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, id, again)
	require.Equal(t, 1, h.count(`SELECT count(*) FROM users WHERE email = 'root@example.com' AND platform_admin`))

	// The first password stands.
	p := h.login(`{"email":"root@example.com","password":"s3cret-password"}`)
	require.Nil(t, p.CompanyID)
	requireError(t, h.post("/api/v1/auth/login", `{"email":"root@example.com","password":"another-password"}`),
		http.StatusUnauthorized, "invalid_credentials")

	h.user("plain@example.com", false)
	tests := []struct {
		name, email, password string
		status                int
		code                  string
	}{
		{"existing non-admin user", "plain@example.com", "s3cret-password", http.StatusConflict, "user_exists"},
		{"invalid email", "not-an-email", "s3cret-password", http.StatusUnprocessableEntity, "invalid_email"},
		{"short password", "new@example.com", "short", http.StatusUnprocessableEntity, "invalid_password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := h.svc.CreateAdmin(ctx, tc.email, tc.password)
			requireHTTPError(t, err, tc.status, tc.code)
		})
	}
}

func TestCreateAdminConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ids     = map[uuid.UUID]bool{}
		created int
	)
	for range 6 {
		wg.Go(func() {
			id, c, err := h.svc.CreateAdmin(context.Background(), "boot@example.com", "s3cret-password")
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			ids[id] = true
			if c {
				created++
			}
		})
	}
	wg.Wait()
	require.Len(t, ids, 1)
	require.Equal(t, 1, created)
}
