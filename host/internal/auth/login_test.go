package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

type principalJSON struct {
	UserID        uuid.UUID
	Email         string
	CompanyID     uuid.UUID
	Role          string
	PlatformAdmin bool
}

func TestLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	older := h.company("Older SA", true)
	newer := h.company("Newer SA", true)
	other := h.company("Other SA", true)
	closed := h.company("Closed SA", false)

	multi := h.user("multi@example.com", false)
	h.member(older, multi, auth.RoleCashier, 2*time.Hour)
	h.member(newer, multi, auth.RoleOwner, time.Hour)
	h.member(closed, multi, auth.RoleAdmin, time.Minute)

	admin := h.user("root@example.com", true)
	h.user("lonely@example.com", false)

	// Oldest membership is in an inactive company: the oldest active wins.
	stuck := h.user("stuck@example.com", false)
	h.member(closed, stuck, auth.RoleViewer, 3*time.Hour)
	h.member(other, stuck, auth.RoleViewer, time.Hour)

	t.Run("defaults to the oldest membership", func(t *testing.T) {
		t.Parallel()
		p := h.login(loginBody("multi@example.com"))
		require.NotEmpty(t, p.AccessToken)
		require.NotEmpty(t, p.RefreshToken)
		require.Equal(t, "Bearer", p.TokenType)
		require.Equal(t, 900, p.ExpiresIn)
		require.NotNil(t, p.CompanyID)
		require.Equal(t, older, *p.CompanyID)
		require.Equal(t, []companyJSON{
			{ID: older, Name: "Older SA", Role: "cashier", Active: true},
			{ID: newer, Name: "Newer SA", Role: "owner", Active: true},
			{ID: closed, Name: "Closed SA", Role: "admin", Active: false},
		}, p.Companies)

		pr := decode[principalJSON](t, h.get("/probe", p.AccessToken))
		require.Equal(t, principalJSON{UserID: multi, Email: "multi@example.com", CompanyID: older, Role: "cashier"}, pr)
	})

	t.Run("email is trimmed and case-insensitive", func(t *testing.T) {
		t.Parallel()
		p := h.login(loginBody("  MULTI@Example.COM "))
		require.Equal(t, older, *p.CompanyID)
	})

	t.Run("explicit company", func(t *testing.T) {
		t.Parallel()
		p := h.login(`{"email":"multi@example.com","password":"` + testPassword + `","company_id":"` + newer.String() + `"}`)
		require.Equal(t, newer, *p.CompanyID)
		pr := decode[principalJSON](t, h.get("/probe", p.AccessToken))
		require.Equal(t, "owner", pr.Role)
	})

	t.Run("inactive companies are not preferred", func(t *testing.T) {
		t.Parallel()
		p := h.login(loginBody("stuck@example.com"))
		require.Equal(t, other, *p.CompanyID)
	})

	t.Run("platform admin has no company", func(t *testing.T) {
		t.Parallel()
		rec := h.post("/api/v1/auth/login", loginBody("root@example.com"))
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Contains(t, rec.Body.String(), `"company_id":null`)
		require.Contains(t, rec.Body.String(), `"companies":[]`)
		p := decode[pairJSON](t, rec)
		pr := decode[principalJSON](t, h.get("/probe", p.AccessToken))
		require.Equal(t, principalJSON{UserID: admin, Email: "root@example.com", Role: "platform_admin", PlatformAdmin: true}, pr)
	})

	errs := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"company of someone else", `{"email":"multi@example.com","password":"` + testPassword + `","company_id":"` + other.String() + `"}`, http.StatusNotFound, "company_not_found"},
		{"company that does not exist", `{"email":"multi@example.com","password":"` + testPassword + `","company_id":"` + uuid.NewString() + `"}`, http.StatusNotFound, "company_not_found"},
		{"inactive company", `{"email":"multi@example.com","password":"` + testPassword + `","company_id":"` + closed.String() + `"}`, http.StatusForbidden, "company_inactive"},
		{"malformed company id", `{"email":"multi@example.com","password":"` + testPassword + `","company_id":"nope"}`, http.StatusBadRequest, "invalid_field"},
		{"user without companies", loginBody("lonely@example.com"), http.StatusForbidden, "no_company"},
		{"company of someone else with a wrong password", `{"email":"multi@example.com","password":"wrong password","company_id":"` + other.String() + `"}`, http.StatusUnauthorized, "invalid_credentials"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireError(t, h.post("/api/v1/auth/login", tc.body), tc.status, tc.code)
		})
	}
}

func TestLoginFailuresAreIndistinguishable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	c := h.company("Acme", true)
	u := h.user("known@example.com", false)
	h.member(c, u, auth.RoleViewer, 0)

	// bcrypt reads only 72 bytes: a longer password whose first 72 bytes
	// are right must not log in.
	longest := strings.Repeat("p", auth.MaxPasswordBytes)
	hash, err := bcrypt.GenerateFromPassword([]byte(longest), bcrypt.MinCost)
	require.NoError(t, err)
	h.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u, string(hash))
	h.login(`{"email":"known@example.com","password":"` + longest + `"}`)

	unknown := h.post("/api/v1/auth/login", `{"email":"unknown@example.com","password":"wrong password"}`)
	wrong := h.post("/api/v1/auth/login", `{"email":"known@example.com","password":"wrong password"}`)
	long := h.post("/api/v1/auth/login", `{"email":"known@example.com","password":"`+longest+`tail"}`)

	for _, rec := range []*testingRecorder{{"unknown", unknown.Code, unknown.Body.String()}, {"wrong", wrong.Code, wrong.Body.String()}, {"long", long.Code, long.Body.String()}} {
		require.Equal(t, http.StatusUnauthorized, rec.code, rec.name)
		require.Equal(t, unknown.Body.String(), rec.body, rec.name)
	}
	requireError(t, unknown, http.StatusUnauthorized, "invalid_credentials")
	require.Equal(t, 1, h.count(`SELECT count(*) FROM refresh_tokens`), "only the successful login")
}

type testingRecorder struct {
	name string
	code int
	body string
}

// TestLoginCost checks that an unknown email costs a bcrypt comparison
// like a wrong password does: each failed login compares the password
// against exactly one hash of the configured cost (the dummy hash for an
// unknown email). It does not run in parallel: it observes every
// comparison the package makes.
func TestLoginCost(t *testing.T) {
	const cost = 8
	h := newHarness(t, func(c *auth.Config) { c.BcryptCost = cost })
	c := h.company("Acme", true)
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), cost)
	require.NoError(t, err)
	u := h.user("timed@example.com", false)
	h.exec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u, string(hash))
	h.member(c, u, auth.RoleViewer, 0)

	var costs []int
	auth.OnPasswordCheck(t, func(cost int) { costs = append(costs, cost) })
	compared := func(body string) []int {
		t.Helper()
		costs = nil
		rec := h.post("/api/v1/auth/login", body)
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		return costs
	}
	require.Equal(t, []int{cost}, compared(`{"email":"timed@example.com","password":"wrong password"}`), "wrong password")
	require.Equal(t, []int{cost}, compared(`{"email":"nobody@example.com","password":"wrong password"}`), "unknown email")
}

func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(c *auth.Config) {
		c.LoginPerEmail = ratelimit.Limit{Rate: 1, Period: time.Minute, Burst: 2}
		c.LoginPerIP = ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 4}
	})
	co := h.company("Acme", true)
	u := h.user("limited@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)

	attempt := func(email, password, remote string) *testingRecorder {
		rec := h.do(request{
			method: http.MethodPost, path: "/api/v1/auth/login", remote: remote,
			body: `{"email":"` + email + `","password":"` + password + `"}`,
		})
		return &testingRecorder{name: rec.Header().Get("Retry-After"), code: rec.Code, body: rec.Body.String()}
	}

	// Per email: two attempts, then 429 even with the right password and
	// from another address.
	require.Equal(t, http.StatusUnauthorized, attempt("limited@example.com", "wrong password", "10.0.0.1:1000").code)
	require.Equal(t, http.StatusUnauthorized, attempt("LIMITED@example.com", "wrong password", "10.0.0.2:1000").code)
	rec := h.do(request{
		method: http.MethodPost, path: "/api/v1/auth/login", remote: "10.0.0.3:1000",
		body: loginBody("limited@example.com"),
	})
	e := requireError(t, rec, http.StatusTooManyRequests, "rate_limited")
	require.Equal(t, "60", rec.Header().Get("Retry-After"))
	require.Equal(t, "0", rec.Header().Get("RateLimit-Remaining"))
	require.EqualValues(t, 60, e.Error.Details["retry_after_seconds"])

	// One emission interval later one attempt is allowed again.
	h.clock.Advance(time.Minute)
	require.Equal(t, http.StatusOK, attempt("limited@example.com", testPassword, "10.0.0.4:1000").code)

	// Per IP: 10.0.0.9 gets four attempts over any emails, then 429.
	for i := range 4 {
		require.Equal(t, http.StatusUnauthorized, attempt(uuid.NewString()+"@example.com", "wrong password", "10.0.0.9:"+string(rune('1'+i))).code)
	}
	blocked := attempt(uuid.NewString()+"@example.com", "wrong password", "10.0.0.9:5")
	require.Equal(t, http.StatusTooManyRequests, blocked.code)
	require.Equal(t, "3600", blocked.name, "Retry-After")
	require.Contains(t, blocked.body, `"rate_limited"`)
	require.Equal(t, http.StatusUnauthorized, attempt(uuid.NewString()+"@example.com", "wrong password", "10.0.0.10:5").code)

	// The IP limit applies even to bodies that cannot be parsed.
	require.Equal(t, http.StatusTooManyRequests, h.do(request{method: http.MethodPost, path: "/api/v1/auth/login", remote: "10.0.0.9:6", body: "{"}).Code)
}

func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	co := h.company("Acme", true)
	u := h.user("body@example.com", false)
	h.member(co, u, auth.RoleViewer, 0)
	p := h.login(loginBody("body@example.com"))
	sessions := h.count(`SELECT count(*) FROM refresh_tokens`)

	tests := []struct {
		name   string
		path   string
		body   string
		status int
		code   string
	}{
		{"login empty body", "/login", "", http.StatusBadRequest, "invalid_json"},
		{"login not json", "/login", "email=a", http.StatusBadRequest, "invalid_json"},
		{"login truncated", "/login", `{"email":"a@b.c"`, http.StatusBadRequest, "invalid_json"},
		{"login array", "/login", `[]`, http.StatusBadRequest, "invalid_json"},
		{"login unknown field", "/login", `{"email":"a@b.c","password":"x","admin":true}`, http.StatusBadRequest, "unknown_field"},
		{"login wrong type", "/login", `{"email":1,"password":"x"}`, http.StatusBadRequest, "invalid_field"},
		{"login trailing data", "/login", loginBody("body@example.com") + `{}`, http.StatusBadRequest, "invalid_json"},
		{"login missing email", "/login", `{"password":"x"}`, http.StatusBadRequest, "missing_field"},
		{"login blank email", "/login", `{"email":"  ","password":"x"}`, http.StatusBadRequest, "missing_field"},
		{"login missing password", "/login", `{"email":"body@example.com"}`, http.StatusBadRequest, "missing_field"},
		{"login company id not a uuid", "/login", `{"email":"body@example.com","password":"x","company_id":"1"}`, http.StatusBadRequest, "invalid_field"},
		{"login company id a number", "/login", `{"email":"body@example.com","password":"x","company_id":1}`, http.StatusBadRequest, "invalid_field"},
		{"login too large", "/login", `{"email":"body@example.com","password":"` + strings.Repeat("x", 20000) + `"}`, http.StatusRequestEntityTooLarge, "body_too_large"},
		{"refresh empty body", "/refresh", "", http.StatusBadRequest, "invalid_json"},
		{"refresh missing token", "/refresh", `{}`, http.StatusBadRequest, "missing_field"},
		{"refresh wrong type", "/refresh", `{"refresh_token":true}`, http.StatusBadRequest, "invalid_field"},
		{"refresh unknown field", "/refresh", `{"refresh_token":"x","x":1}`, http.StatusBadRequest, "unknown_field"},
		{"logout empty body", "/logout", "", http.StatusBadRequest, "invalid_json"},
		{"logout missing token", "/logout", `{"refresh_token":""}`, http.StatusBadRequest, "missing_field"},
		{"logout not json", "/logout", `nope`, http.StatusBadRequest, "invalid_json"},
	}
	switchTests := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"switch empty body", "", http.StatusBadRequest, "invalid_json"},
		{"switch unknown field", `{"company":"x"}`, http.StatusBadRequest, "unknown_field"},
		{"switch missing company", `{}`, http.StatusBadRequest, "missing_field"},
		{"switch null company", `{"company_id":null}`, http.StatusBadRequest, "missing_field"},
		{"switch bad uuid", `{"company_id":"x"}`, http.StatusBadRequest, "invalid_field"},
	}

	t.Run("cases", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				requireError(t, h.post("/api/v1/auth"+tc.path, tc.body), tc.status, tc.code)
			})
		}
		for _, tc := range switchTests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				rec := h.do(request{method: http.MethodPost, path: "/api/v1/auth/switch-company", body: tc.body, token: p.AccessToken})
				requireError(t, rec, tc.status, tc.code)
			})
		}
	})

	// Nothing was written by any of them.
	require.Equal(t, sessions, h.count(`SELECT count(*) FROM refresh_tokens`))
	require.Zero(t, h.count(`SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL OR revoked_at IS NOT NULL`))
	require.Equal(t, http.StatusOK, h.get("/probe", p.AccessToken).Code)
}
