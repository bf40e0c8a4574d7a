package auth_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
)

func TestAccessTokenVerification(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("token@example.com", false)
	h.member(co, u, auth.RoleManager, 0)
	p := h.login(loginBody("token@example.com"))

	// The claims of the real token, to forge variants of it.
	real := jwt.MapClaims{}
	_, _, err := jwt.NewParser().ParseUnverified(p.AccessToken, real)
	require.NoError(t, err)
	require.Equal(t, u.String(), real["sub"])
	require.Equal(t, co.String(), real["cid"])
	require.Equal(t, false, real["pa"])
	require.Equal(t, "nexus", real["iss"])
	require.NotEmpty(t, real["jti"])
	require.NotEmpty(t, real["sid"])
	require.NotContains(t, real, "role", "the role is never carried by the token")

	claims := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range real {
			c[k] = v
		}
		if change != nil {
			change(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(key)
		require.NoError(t, err)
		return s
	}
	segments := strings.Split(p.AccessToken, ".")
	otherCompany := h.company("Other", true)

	tests := []struct {
		name  string
		token string
		ok    bool
	}{
		{"issued token", p.AccessToken, true},
		{"forged with the right secret and claims", sign(jwt.SigningMethodHS256, testSecret, claims(nil)), true},
		{"tampered signature", segments[0] + "." + segments[1] + "." + flipFirst(segments[2]), false},
		{"tampered payload", segments[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"`+u.String()+`","cid":"`+otherCompany.String()+`"}`)) + "." + segments[2], false},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), false},
		{"alg HS512 with the right secret", sign(jwt.SigningMethodHS512, testSecret, claims(nil)), false},
		{"alg HS384 with the right secret", sign(jwt.SigningMethodHS384, testSecret, claims(nil)), false},
		{"another secret", sign(jwt.SigningMethodHS256, []byte("another secret of thirty-two bytes!!"), claims(nil)), false},
		{"wrong issuer", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["iss"] = "evil" })), false},
		{"no expiry", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), false},
		{"expired", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["exp"] = h.clock.Now().Add(-auth.ClockSkew - time.Second).Unix() })), false},
		{"issued in the future", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["iat"] = h.clock.Now().Add(time.Hour).Unix() })), false},
		{"subject not a uuid", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["sub"] = "admin" })), false},
		{"unknown user", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["sub"] = uuid.NewString() })), false},
		{"company of which the user is not a member", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["cid"] = otherCompany.String() })), false},
		{"no company and not a platform admin", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["cid"] = ""; c["pa"] = true })), false},
		{"unknown session", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { c["sid"] = uuid.NewString() })), false},
		{"no session", sign(jwt.SigningMethodHS256, testSecret, claims(func(c jwt.MapClaims) { delete(c, "sid") })), false},
		{"garbage", "not-a-token", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := h.get("/probe", tc.token)
			if tc.ok {
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				return
			}
			requireError(t, rec, http.StatusUnauthorized, "unauthorized")
			require.Equal(t, `Bearer realm="nexus", error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
		})
	}

	headers := []struct {
		name, value string
	}{
		{"no header", ""},
		{"basic scheme", "Basic dXNlcjpwYXNz"},
		{"empty bearer", "Bearer "},
		{"token without scheme", p.AccessToken},
	}
	for _, tc := range headers {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := http.NewRequest(http.MethodGet, "/probe", nil)
			require.NoError(t, err)
			if tc.value != "" {
				r.Header.Set("Authorization", tc.value)
			}
			rec := newRecorder()
			h.router.ServeHTTP(rec, r)
			requireError(t, rec, http.StatusUnauthorized, "unauthorized")
			require.Equal(t, `Bearer realm="nexus"`, rec.Header().Get("WWW-Authenticate"))
		})
	}
}

// flipFirst changes the first character of a base64url segment (the last
// one may only carry padding bits).
func flipFirst(s string) string {
	repl := "A"
	if s[0] == 'A' {
		repl = "B"
	}
	return repl + s[1:]
}

func TestAccessTokenExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *auth.Config) { c.AccessTTL = 15 * time.Minute })
	co := h.company("Acme", true)
	u := h.user("expiry@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)
	p := h.login(loginBody("expiry@example.com"))

	h.clock.Advance(15*time.Minute + auth.ClockSkew - time.Second)
	require.Equal(t, http.StatusOK, h.get("/probe", p.AccessToken).Code)
	h.clock.Advance(time.Second)
	rec := h.get("/probe", p.AccessToken)
	requireError(t, rec, http.StatusUnauthorized, "unauthorized")
	require.Contains(t, rec.Header().Get("WWW-Authenticate"), "invalid_token")

	// The refresh token outlives it and yields a working access token.
	rec = h.post("/api/v1/auth/refresh", refreshBody(p.RefreshToken))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusOK, h.get("/probe", decode[pairJSON](t, rec).AccessToken).Code)
}

func TestPrincipalFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	other := h.company("Other", true)
	u := h.user("moving@example.com", false)
	h.member(co, u, auth.RoleCashier, time.Hour)
	h.member(other, u, auth.RoleViewer, 0)
	p := h.login(loginBody("moving@example.com"))

	// Role changes apply to existing tokens at once.
	e := requireError(t, h.get("/probe/manager", p.AccessToken), http.StatusForbidden, "insufficient_role")
	require.Equal(t, map[string]any{"required": "manager", "actual": "cashier"}, e.Error.Details)
	h.exec(`UPDATE memberships SET role = 'owner' WHERE user_id = $1 AND company_id = $2`, u, co)
	require.Equal(t, "owner", decode[principalJSON](t, h.get("/probe/manager", p.AccessToken)).Role)

	// A deleted membership ends the token's access, and refreshing it.
	h.exec(`DELETE FROM memberships WHERE user_id = $1 AND company_id = $2`, u, co)
	for _, path := range []string{"/probe", "/api/v1/auth/me"} {
		requireError(t, h.get(path, p.AccessToken), http.StatusUnauthorized, "unauthorized")
	}
	requireError(t, h.post("/api/v1/auth/refresh", refreshBody(p.RefreshToken)), http.StatusUnauthorized, "unauthorized")

	// The user can still log in to the other company; deleting the user
	// ends that too.
	q := h.login(loginBody("moving@example.com"))
	require.Equal(t, other, *q.CompanyID)
	h.exec(`DELETE FROM users WHERE id = $1`, u)
	requireError(t, h.get("/probe", q.AccessToken), http.StatusUnauthorized, "unauthorized")
	requireError(t, h.post("/api/v1/auth/refresh", refreshBody(q.RefreshToken)), http.StatusUnauthorized, "unauthorized")
}

func TestInactiveCompany(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Closing", true)
	other := h.company("Open", true)
	u := h.user("staff@example.com", false)
	h.member(co, u, auth.RoleOwner, time.Hour)
	h.member(other, u, auth.RoleViewer, 0)
	admin := h.user("ops@example.com", true)
	h.member(co, admin, auth.RoleAdmin, 0)

	p := h.login(loginBody("staff@example.com"))
	a := h.login(`{"email":"ops@example.com","password":"` + testPassword + `","company_id":"` + co.String() + `"}`)
	h.exec(`UPDATE companies SET active = false WHERE id = $1`, co)

	requireError(t, h.get("/probe", p.AccessToken), http.StatusForbidden, "company_inactive")
	require.Equal(t, http.StatusOK, h.get("/probe", a.AccessToken).Code, "platform admins are unaffected")

	// The user can still see where they are and leave.
	me := h.get("/api/v1/auth/me", p.AccessToken)
	require.Equal(t, http.StatusOK, me.Code, me.Body.String())
	rec := h.do(request{method: http.MethodPost, path: "/api/v1/auth/switch-company", token: p.AccessToken, body: `{"company_id":"` + co.String() + `"}`})
	requireError(t, rec, http.StatusForbidden, "company_inactive")
	rec = h.do(request{method: http.MethodPost, path: "/api/v1/auth/switch-company", token: p.AccessToken, body: `{"company_id":"` + other.String() + `"}`})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusOK, h.get("/probe", decode[pairJSON](t, rec).AccessToken).Code)
}

func TestRoleMiddlewares(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	for _, r := range []auth.Role{auth.RoleViewer, auth.RoleCashier, auth.RoleManager, auth.RoleAdmin, auth.RoleOwner} {
		u := h.user(string(r)+"@example.com", false)
		h.member(co, u, r, 0)
	}
	h.user("root@example.com", true)
	member := h.user("member-root@example.com", true)
	h.member(co, member, auth.RoleManager, 0)

	tests := []struct {
		login        string
		manager      int
		managerCode  string
		platform     int
		platformCode string
	}{
		{loginBody("viewer@example.com"), http.StatusForbidden, "insufficient_role", http.StatusForbidden, "platform_admin_required"},
		{loginBody("cashier@example.com"), http.StatusForbidden, "insufficient_role", http.StatusForbidden, "platform_admin_required"},
		{loginBody("manager@example.com"), http.StatusOK, "", http.StatusForbidden, "platform_admin_required"},
		{loginBody("admin@example.com"), http.StatusOK, "", http.StatusForbidden, "platform_admin_required"},
		{loginBody("owner@example.com"), http.StatusOK, "", http.StatusForbidden, "platform_admin_required"},
		// A platform admin holds no company role unless a member.
		{loginBody("root@example.com"), http.StatusForbidden, "insufficient_role", http.StatusOK, ""},
		{`{"email":"member-root@example.com","password":"` + testPassword + `","company_id":"` + co.String() + `"}`, http.StatusOK, "", http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.login, func(t *testing.T) {
			t.Parallel()
			p := h.login(tc.login)
			for _, c := range []struct {
				path   string
				status int
				code   string
			}{{"/probe/manager", tc.manager, tc.managerCode}, {"/probe/admin", tc.platform, tc.platformCode}} {
				rec := h.get(c.path, p.AccessToken)
				if c.code == "" {
					require.Equal(t, c.status, rec.Code, rec.Body.String())
					continue
				}
				requireError(t, rec, c.status, c.code)
			}
		})
	}

	t.Run("without Authenticate", func(t *testing.T) {
		t.Parallel()
		for _, mw := range []func(http.Handler) http.Handler{auth.RequireRole(auth.RoleViewer), auth.RequirePlatformAdmin} {
			rec := newRecorder()
			mw(http.NotFoundHandler()).ServeHTTP(rec, mustRequest(t, http.MethodGet, "/"))
			requireError(t, rec, http.StatusUnauthorized, "unauthorized")
		}
	})
}

// Refreshing a token of a deactivated company is refused as login is, for
// platform admins too, and nothing is written: the token is still good once
// the company is active again.
func TestRefreshInactiveCompany(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Closing", true)
	u := h.user("staff@example.com", false)
	h.member(co, u, auth.RoleCashier, 0)
	admin := h.user("ops@example.com", true)
	h.member(co, admin, auth.RoleAdmin, 0)

	p := h.login(loginBody("staff@example.com"))
	a := h.login(`{"email":"ops@example.com","password":"` + testPassword + `","company_id":"` + co.String() + `"}`)
	h.exec(`UPDATE companies SET active = false WHERE id = $1`, co)
	tokens := h.count(`SELECT count(*) FROM refresh_tokens`)

	for _, pair := range []pairJSON{p, a} {
		requireError(t, h.post("/api/v1/auth/refresh", refreshBody(pair.RefreshToken)), http.StatusForbidden, "company_inactive")
	}
	rec := h.post("/api/v1/auth/login", `{"email":"staff@example.com","password":"`+testPassword+`","company_id":"`+co.String()+`"}`)
	requireError(t, rec, http.StatusForbidden, "company_inactive")
	require.Equal(t, tokens, h.count(`SELECT count(*) FROM refresh_tokens`))
	require.Zero(t, h.count(`SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL OR revoked_at IS NOT NULL`))

	h.exec(`UPDATE companies SET active = true WHERE id = $1`, co)
	rec = h.post("/api/v1/auth/refresh", refreshBody(p.RefreshToken))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusOK, h.get("/probe", decode[pairJSON](t, rec).AccessToken).Code)
}

// AuthenticateOptional lets anonymous requests through without a principal,
// refuses a bad token, and accepts a deactivated company's token (routes
// behind it need the caller's identity only).
func TestAuthenticateOptional(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Closing", true)
	u := h.user("optional@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)
	p := h.login(loginBody("optional@example.com"))
	h.exec(`UPDATE companies SET active = false WHERE id = $1`, co)

	rec := h.get("/probe/optional", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, uuid.Nil, decode[auth.Principal](t, rec).UserID)

	rec = h.get("/probe/optional", p.AccessToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := decode[auth.Principal](t, rec)
	require.Equal(t, u, got.UserID)
	require.Equal(t, "optional@example.com", got.Email)

	requireError(t, h.get("/probe/optional", p.AccessToken+"x"), http.StatusUnauthorized, "unauthorized")
	requireError(t, h.get("/probe", p.AccessToken), http.StatusForbidden, "company_inactive")
}

// StartSession opens a session as a login would: its tokens authenticate
// and refresh.
func TestStartSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("joined@example.com", false)
	_, err := h.svc.StartSession(context.Background(), u, co)
	require.Error(t, err, "not a member")
	h.member(co, u, auth.RoleCashier, 0)

	pair, err := h.svc.StartSession(context.Background(), u, co)
	require.NoError(t, err)
	require.Equal(t, co, *pair.CompanyID)
	require.Len(t, pair.Companies, 1)
	rec := h.get("/probe", pair.AccessToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, auth.RoleCashier, decode[auth.Principal](t, rec).Role)
	_, code := h.refresh(pair.RefreshToken)
	require.Equal(t, http.StatusOK, code)
}
