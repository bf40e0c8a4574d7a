package tenancy

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

const acceptPath = "/api/v1/invitations/accept"

// invite invites email with role through the API as p and returns the 201
// body.
func (e *env) invite(t *testing.T, p auth.Principal, c Company, email, role string) createdInvitation {
	t.Helper()
	rec := e.do(t, &p, http.MethodPost, base+"/"+c.ID.String()+"/invitations", map[string]any{"email": email, "role": role})
	requireStatus(t, rec, http.StatusCreated, "")
	return decode[createdInvitation](t, rec)
}

// accept posts body to the accept route as p (nil: anonymous).
func (e *env) accept(t *testing.T, p *auth.Principal, body any) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, p, http.MethodPost, acceptPath, body)
}

// written counts the rows accepting can write, to prove a refusal wrote
// nothing.
func (e *env) written(t *testing.T) [3]int {
	t.Helper()
	return [3]int{
		e.count(t, `SELECT count(*) FROM users`),
		e.count(t, `SELECT count(*) FROM memberships`),
		e.count(t, `SELECT count(*) FROM invitations WHERE accepted_at IS NOT NULL OR revoked_at IS NOT NULL`),
	}
}

// The inviter's answer is the same whatever the email's account state: the
// same fields, the same status, no hint such as user_created.
func TestInviteRevealsNoAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.company(t, "Tienda")
	owner := e.member(t, c, auth.RoleOwner)
	existing := e.member(t, e.company(t, "Otra"), auth.RoleViewer)
	path := base + "/" + c.ID.String() + "/invitations"

	shapes := map[string][]string{}
	for _, email := range []string{existing.Email, "nadie@example.com"} {
		rec := e.do(t, &owner, http.MethodPost, path, map[string]any{"email": email, "role": "cashier"})
		requireStatus(t, rec, http.StatusCreated, "")
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		shapes[email] = keys
		require.Equal(t, InvitationPending, body["status"])
		require.Equal(t, owner.UserID.String(), body["invited_by"])
		require.Equal(t, rec.Header().Get("Location"), path+"/"+body["id"].(string))

		// The token is returned once and stored only as its SHA-256.
		token := body["token"].(string)
		sum := sha256.Sum256([]byte(token))
		require.Equal(t, 1, e.count(t, `SELECT count(*) FROM invitations WHERE token_hash = $1`, sum[:]))
		require.Zero(t, e.count(t, `SELECT count(*) FROM invitations WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, token))
		got := e.do(t, &owner, http.MethodGet, path+"/"+body["id"].(string), nil)
		requireStatus(t, got, http.StatusOK, "")
		require.NotContains(t, got.Body.String(), token)
	}
	require.Equal(t, shapes[existing.Email], shapes["nadie@example.com"])
	require.NotContains(t, shapes["nadie@example.com"], "user_created")

	// No route adds a member by email any more.
	rec := e.do(t, &owner, http.MethodPost, base+"/"+c.ID.String()+"/members",
		map[string]any{"email": "directo@example.com", "password": testPassword, "role": "viewer"})
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code, rec.Body.String())
	require.Zero(t, e.count(t, `SELECT count(*) FROM users WHERE email = 'directo@example.com'`))
}

func TestInviteRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.company(t, "Reglas")
	pa := platformAdmin()
	owner := e.member(t, c, auth.RoleOwner)
	adm := e.member(t, c, auth.RoleAdmin)
	manager := e.member(t, c, auth.RoleManager)
	viewer := e.member(t, c, auth.RoleViewer)
	path := base + "/" + c.ID.String() + "/invitations"

	allowed := []struct {
		name string
		who  auth.Principal
		role string
	}{
		{"owner invites an owner", owner, "owner"},
		{"platform admin invites an owner", pa, "owner"},
		{"admin invites an admin", adm, "admin"},
		{"admin invites a cashier", adm, "cashier"},
	}
	for i, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := e.do(t, &tt.who, http.MethodPost, path, map[string]any{"email": "ok" + strconv.Itoa(i) + "@Example.com ", "role": tt.role})
			requireStatus(t, rec, http.StatusCreated, "")
			inv := decode[createdInvitation](t, rec)
			require.Equal(t, "ok"+strconv.Itoa(i)+"@example.com", inv.Email)
			require.Equal(t, auth.Role(tt.role), inv.Role)
			require.Equal(t, c.ID, inv.CompanyID)
			require.WithinDuration(t, inv.CreatedAt.Add(InvitationTTL), inv.ExpiresAt, time.Second)
			require.Equal(t, time.UTC, inv.CreatedAt.Location())
			require.Len(t, inv.Token, 43)
		})
	}

	refused := []struct {
		name   string
		who    auth.Principal
		body   any
		status int
		code   string
	}{
		{"admin may not grant owner", adm, map[string]any{"email": "r1@example.com", "role": "owner"}, 403, "insufficient_role"},
		{"manager may not invite", manager, map[string]any{"email": "r2@example.com", "role": "viewer"}, 403, "insufficient_role"},
		{"viewer may not invite", viewer, map[string]any{"email": "r3@example.com", "role": "viewer"}, 403, "insufficient_role"},
		{"unknown role", owner, map[string]any{"email": "r4@example.com", "role": "superuser"}, 422, "invalid_role"},
		{"platform_admin is not a company role", owner, map[string]any{"email": "r5@example.com", "role": "platform_admin"}, 422, "invalid_role"},
		{"missing role", owner, map[string]any{"email": "r6@example.com"}, 422, "invalid_role"},
		{"bad email", owner, map[string]any{"email": "not-an-email", "role": "viewer"}, 422, "invalid_email"},
		{"password is not part of an invitation", owner, map[string]any{"email": "r7@example.com", "role": "viewer", "password": testPassword}, 400, "unknown_field"},
		{"malformed", owner, raw(`{"email":`), 400, "invalid_json"},
		{"already a member", owner, map[string]any{"email": strings.ToUpper(manager.Email), "role": "viewer"}, 409, "member_exists"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireStatus(t, e.do(t, &tt.who, http.MethodPost, path, tt.body), tt.status, tt.code)
			if m, ok := tt.body.(map[string]any); ok {
				require.Zero(t, e.count(t, `SELECT count(*) FROM invitations WHERE email = lower($1)`, m["email"]))
			}
		})
	}
	requireStatus(t, e.do(t, &pa, http.MethodPost, base+"/"+uuid.NewString()+"/invitations",
		map[string]any{"email": "ghost@example.com", "role": "viewer"}), 404, "company_not_found")

	t.Run("inviting again replaces the open invitation", func(t *testing.T) {
		t.Parallel()
		first := e.invite(t, owner, c, "twice@example.com", "viewer")
		second := e.invite(t, adm, c, "twice@example.com", "manager")
		requireStatus(t, e.accept(t, nil, map[string]any{"token": first.Token, "password": testPassword}), 410, "invitation_revoked")
		rec := e.accept(t, nil, map[string]any{"token": second.Token, "password": testPassword})
		requireStatus(t, rec, http.StatusCreated, "")
		require.Equal(t, auth.RoleManager, decode[acceptedInvitation](t, rec).Member.Role)
	})
}

// A new user sets a password and gets a session; the token is single-use.
func TestAcceptAsNewUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Nueva")
	owner := e.member(t, c, auth.RoleOwner)
	inv := e.invite(t, owner, c, "nuevo@example.com", "cashier")

	rec := e.accept(t, nil, map[string]any{"token": inv.Token, "password": testPassword, "name": " Ana Pérez "})
	requireStatus(t, rec, http.StatusCreated, "")
	got := decode[acceptedInvitation](t, rec)
	require.Equal(t, c.ID, got.CompanyID)
	require.Equal(t, "nuevo@example.com", got.Member.Email)
	require.Equal(t, auth.RoleCashier, got.Member.Role)
	require.NotNil(t, got.Session)
	require.NotEmpty(t, got.Session.AccessToken)
	require.Equal(t, c.ID, *got.Session.CompanyID)

	m, err := e.svc.GetMember(ctx, c.ID, got.Member.UserID)
	require.NoError(t, err)
	require.Equal(t, auth.RoleCashier, m.Role)
	var name, hash string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT name, password_hash FROM users WHERE id = $1`, got.Member.UserID).Scan(&name, &hash))
	require.Equal(t, "Ana Pérez", name)
	require.NotContains(t, hash, testPassword)

	after, err := e.svc.GetInvitation(ctx, c.ID, inv.ID)
	require.NoError(t, err)
	require.Equal(t, InvitationAccepted, after.Status)
	require.NotNil(t, after.AcceptedAt)

	before := e.written(t)
	requireStatus(t, e.accept(t, nil, map[string]any{"token": inv.Token, "password": testPassword}), 410, "invitation_accepted")
	requireStatus(t, e.accept(t, nil, map[string]any{"token": inv.Token, "password": "another password"}), 410, "invitation_accepted")
	require.Equal(t, before, e.written(t))
}

// An existing user accepts while logged in as the invited email; a token
// for another email is refused, and nothing the invitee sends is ignored.
func TestAcceptAsExistingUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Destino")
	owner := e.member(t, c, auth.RoleOwner)
	invitee := e.member(t, e.company(t, "Origen"), auth.RoleOwner)
	stranger := e.member(t, e.company(t, "Ajena"), auth.RoleViewer)
	inv := e.invite(t, owner, c, invitee.Email, "manager")
	var hash string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, invitee.UserID).Scan(&hash))

	before := e.written(t)
	refusals := []struct {
		name   string
		who    *auth.Principal
		body   map[string]any
		status int
		code   string
	}{
		{"anonymous must log in", nil, map[string]any{"token": inv.Token}, 401, "login_required"},
		{"anonymous with a password must log in", nil, map[string]any{"token": inv.Token, "password": "a new password"}, 401, "login_required"},
		{"another user's token", &stranger, map[string]any{"token": inv.Token}, 403, "invitation_email_mismatch"},
		{"a logged-in invitee keeps their password", &invitee, map[string]any{"token": inv.Token, "password": "a new password"}, 400, "unexpected_field"},
		{"a logged-in invitee keeps their name", &invitee, map[string]any{"token": inv.Token, "name": "Otro"}, 400, "unexpected_field"},
	}
	for _, tt := range refusals {
		rec := e.accept(t, tt.who, tt.body)
		requireStatus(t, rec, tt.status, tt.code)
		if tt.status == http.StatusUnauthorized {
			require.NotEmpty(t, rec.Header().Get("WWW-Authenticate"))
		}
	}
	require.Equal(t, before, e.written(t), "a refusal writes nothing")

	rec := e.accept(t, &invitee, map[string]any{"token": inv.Token})
	requireStatus(t, rec, http.StatusCreated, "")
	got := decode[acceptedInvitation](t, rec)
	require.Nil(t, got.Session)
	require.Equal(t, invitee.UserID, got.Member.UserID)
	m, err := e.svc.GetMember(ctx, c.ID, invitee.UserID)
	require.NoError(t, err)
	require.Equal(t, auth.RoleManager, m.Role)
	var after string
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, invitee.UserID).Scan(&after))
	require.Equal(t, hash, after)

	// An invitation to an email that belongs to no account cannot be taken
	// by a logged-in user either.
	other := e.invite(t, owner, c, "sin-cuenta@example.com", "viewer")
	requireStatus(t, e.accept(t, &stranger, map[string]any{"token": other.Token}), 403, "invitation_email_mismatch")
}

func TestAcceptRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Rechazos")
	owner := e.member(t, c, auth.RoleOwner)
	member := e.member(t, c, auth.RoleViewer)

	expired := e.invite(t, owner, c, "tarde@example.com", "viewer")
	_, err := e.pool.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, expired.ID)
	require.NoError(t, err)
	revoked := e.invite(t, owner, c, "revocada@example.com", "viewer")
	requireStatus(t, e.do(t, &owner, http.MethodDelete, base+"/"+c.ID.String()+"/invitations/"+revoked.ID.String(), nil), 204, "")
	open := e.invite(t, owner, c, "abierta@example.com", "viewer")
	// Joined by another way after being invited.
	joined := e.invite(t, owner, c, "unida@example.com", "viewer")
	_, _, err = e.svc.AddMember(ctx, c.ID, "unida@example.com", testPassword, auth.RoleViewer)
	require.NoError(t, err)
	closing := e.company(t, "Cerrando")
	inactive := e.invite(t, e.member(t, closing, auth.RoleOwner), closing, "cerrada@example.com", "viewer")
	_, err = e.svc.SetActive(ctx, closing.ID, false)
	require.NoError(t, err)
	joinedUser := auth.Principal{Email: "unida@example.com"}
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT id FROM users WHERE email = 'unida@example.com'`).Scan(&joinedUser.UserID))

	tests := []struct {
		name   string
		who    *auth.Principal
		body   any
		status int
		code   string
	}{
		{"expired", nil, map[string]any{"token": expired.Token, "password": testPassword}, 410, "invitation_expired"},
		{"revoked", nil, map[string]any{"token": revoked.Token, "password": testPassword}, 410, "invitation_revoked"},
		{"unknown token", nil, map[string]any{"token": otherToken(open.Token), "password": testPassword}, 404, "invitation_not_found"},
		{"missing token", nil, map[string]any{"password": testPassword}, 400, "missing_field"},
		{"no password for a new account", nil, map[string]any{"token": open.Token}, 422, "password_required"},
		{"short password", nil, map[string]any{"token": open.Token, "password": "abc"}, 422, "invalid_password"},
		{"name with control characters", nil, map[string]any{"token": open.Token, "password": testPassword, "name": "a\x00b"}, 422, "invalid_name"},
		{"unknown field", nil, map[string]any{"token": open.Token, "password": testPassword, "role": "owner"}, 400, "unknown_field"},
		{"malformed", nil, raw(`{"token":`), 400, "invalid_json"},
		{"inactive company", nil, map[string]any{"token": inactive.Token, "password": testPassword}, 403, "company_inactive"},
		{"already a member", &joinedUser, map[string]any{"token": joined.Token}, 409, "member_exists"},
		{"a member accepting another's invitation", &member, map[string]any{"token": open.Token}, 403, "invitation_email_mismatch"},
	}
	before := e.written(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireStatus(t, e.accept(t, tt.who, tt.body), tt.status, tt.code)
			require.Equal(t, before, e.written(t), "a refusal writes nothing")
		})
	}
	require.Zero(t, e.count(t, `SELECT count(*) FROM users WHERE email IN ('tarde@example.com', 'revocada@example.com', 'abierta@example.com', 'cerrada@example.com')`))

	// The open one still works after all that.
	requireStatus(t, e.accept(t, nil, map[string]any{"token": open.Token, "password": testPassword}), 201, "")
}

func TestListAndRevokeInvitations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Listado")
	owner := e.member(t, c, auth.RoleOwner)
	adm := e.member(t, c, auth.RoleAdmin)
	manager := e.member(t, c, auth.RoleManager)
	path := base + "/" + c.ID.String() + "/invitations"

	var want []uuid.UUID // newest first
	for i := range 5 {
		inv := e.invite(t, owner, c, "lista"+strconv.Itoa(i)+"@example.com", "viewer")
		want = append([]uuid.UUID{inv.ID}, want...)
	}
	other := e.company(t, "Otra")
	e.invite(t, e.member(t, other, auth.RoleOwner), other, "de-otra@example.com", "viewer")

	for _, limit := range []int{1, 2, 5, 500} {
		var got []uuid.UUID
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10, "pagination does not end")
			url := path + "?limit=" + strconv.Itoa(limit)
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			rec := e.do(t, &adm, http.MethodGet, url, nil)
			requireStatus(t, rec, http.StatusOK, "")
			require.NotContains(t, rec.Body.String(), `"token"`)
			page := decode[httpx.Page[Invitation]](t, rec)
			require.LessOrEqual(t, len(page.Data), limit)
			for _, inv := range page.Data {
				require.Equal(t, c.ID, inv.CompanyID)
				got = append(got, inv.ID)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		require.Equal(t, want, got, "limit %d", limit)
	}
	requireStatus(t, e.do(t, &adm, http.MethodGet, path+"?limit=0", nil), 400, "invalid_limit")
	requireStatus(t, e.do(t, &adm, http.MethodGet, path+"?cursor=garbage", nil), 400, "invalid_cursor")
	requireStatus(t, e.do(t, &manager, http.MethodGet, path, nil), 403, "insufficient_role")
	requireStatus(t, e.do(t, &manager, http.MethodGet, path+"/"+want[0].String(), nil), 403, "insufficient_role")

	// Revoke: 204, again 204; an accepted one 409; unknown 404; managers may not.
	requireStatus(t, e.do(t, &manager, http.MethodDelete, path+"/"+want[0].String(), nil), 403, "insufficient_role")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/"+want[0].String(), nil), 204, "")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/"+want[0].String(), nil), 204, "")
	rec := e.do(t, &adm, http.MethodGet, path+"/"+want[0].String(), nil)
	requireStatus(t, rec, http.StatusOK, "")
	require.Equal(t, InvitationRevoked, decode[Invitation](t, rec).Status)
	accepted := e.invite(t, owner, c, "aceptada@example.com", "viewer")
	requireStatus(t, e.accept(t, nil, map[string]any{"token": accepted.Token, "password": testPassword}), 201, "")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/"+accepted.ID.String(), nil), 409, "invitation_accepted")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/"+uuid.NewString(), nil), 404, "invitation_not_found")
	requireStatus(t, e.do(t, &adm, http.MethodDelete, path+"/not-a-uuid", nil), 404, "invitation_not_found")
	inv, err := e.svc.GetInvitation(ctx, c.ID, accepted.ID)
	require.NoError(t, err)
	require.Equal(t, InvitationAccepted, inv.Status)
}

// Company B's admin can neither see nor revoke A's invitations, and a token
// of A grants membership in A only; row-level security confines the table.
func TestInvitationsCrossTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.company(t, "A")
	b := e.company(t, "B")
	aOwner := e.member(t, a, auth.RoleOwner)
	bAdmin := e.member(t, b, auth.RoleAdmin)
	aInv := e.invite(t, aOwner, a, "para-a@example.com", "admin")
	bInv := e.invite(t, bAdmin, b, "para-b@example.com", "viewer")
	aPath := base + "/" + a.ID.String() + "/invitations"
	bPath := base + "/" + b.ID.String() + "/invitations"

	requireStatus(t, e.do(t, &bAdmin, http.MethodGet, aPath, nil), 404, "company_not_found")
	requireStatus(t, e.do(t, &bAdmin, http.MethodGet, aPath+"/"+aInv.ID.String(), nil), 404, "company_not_found")
	requireStatus(t, e.do(t, &bAdmin, http.MethodDelete, aPath+"/"+aInv.ID.String(), nil), 404, "company_not_found")
	requireStatus(t, e.do(t, &bAdmin, http.MethodGet, bPath+"/"+aInv.ID.String(), nil), 404, "invitation_not_found")
	requireStatus(t, e.do(t, &bAdmin, http.MethodDelete, bPath+"/"+aInv.ID.String(), nil), 404, "invitation_not_found")
	rec := e.do(t, &bAdmin, http.MethodGet, bPath, nil)
	requireStatus(t, rec, http.StatusOK, "")
	page := decode[httpx.Page[Invitation]](t, rec)
	require.Len(t, page.Data, 1)
	require.Equal(t, bInv.ID, page.Data[0].ID)

	// Row-level security: B's tenant transaction sees none of A's rows,
	// even without a filter.
	require.Equal(t, 1, e.tenantCount(t, b.ID, `SELECT count(*) FROM invitations`))
	inv, err := e.svc.GetInvitation(ctx, a.ID, aInv.ID)
	require.NoError(t, err)
	require.Equal(t, InvitationPending, inv.Status)

	// A's token makes its holder a member of A, and of nothing else.
	rec = e.accept(t, nil, map[string]any{"token": aInv.Token, "password": testPassword})
	requireStatus(t, rec, http.StatusCreated, "")
	got := decode[acceptedInvitation](t, rec)
	require.Equal(t, a.ID, got.CompanyID)
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1`, got.Member.UserID))
	require.Equal(t, 1, e.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1 AND company_id = $2 AND role = 'admin'`, got.Member.UserID, a.ID))
	b2, err := e.svc.GetInvitation(ctx, b.ID, bInv.ID)
	require.NoError(t, err)
	require.Equal(t, InvitationPending, b2.Status)
}

// tenantCount runs a count query in company's tenant transaction.
func (e *env) tenantCount(t *testing.T, company uuid.UUID, query string) int {
	t.Helper()
	var n int
	require.NoError(t, store.TenantTx(context.Background(), e.pool, company, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), query).Scan(&n)
	}))
	return n
}

// otherToken is token with its first character changed.
func otherToken(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}
