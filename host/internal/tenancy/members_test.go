package tenancy

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// AddMember serves the host's own commands (seed, demo): it creates a new
// user with the password given and never changes an existing user's.
func TestAddMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	c := e.company(t, "Mercado")
	elsewhere := e.member(t, e.company(t, "Elsewhere"), auth.RoleViewer)

	m, created, err := e.svc.AddMember(ctx, c.ID, "Cajero1@Example.com ", testPassword, auth.RoleCashier)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "cajero1@example.com", m.Email)
	require.Equal(t, auth.RoleCashier, m.Role)
	require.False(t, m.CreatedAt.IsZero())

	var before, after string
	q := `SELECT password_hash FROM users WHERE id = $1`
	require.NoError(t, e.pool.QueryRow(ctx, q, elsewhere.UserID).Scan(&before))
	_, created, err = e.svc.AddMember(ctx, c.ID, strings.ToUpper(elsewhere.Email), "another password", auth.RoleViewer)
	require.NoError(t, err)
	require.False(t, created)
	require.NoError(t, e.pool.QueryRow(ctx, q, elsewhere.UserID).Scan(&after))
	require.Equal(t, before, after)

	refused := []struct {
		name, email, password string
		role                  auth.Role
		code                  string
	}{
		{"new user without password", "nopass@example.com", "", auth.RoleViewer, "password_required"},
		{"new user with short password", "short@example.com", "abc", auth.RoleViewer, "invalid_password"},
		{"bad email", "not-an-email", testPassword, auth.RoleViewer, "invalid_email"},
		{"platform_admin is not a company role", "role@example.com", testPassword, auth.RolePlatformAdmin, "invalid_role"},
		{"already a member", elsewhere.Email, "", auth.RoleViewer, "member_exists"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := e.svc.AddMember(ctx, c.ID, tt.email, tt.password, tt.role)
			require.Equal(t, tt.code, httpx.AsError(err).Code)
			if tt.email != elsewhere.Email {
				require.Zero(t, e.count(t, `SELECT count(*) FROM users WHERE lower(email) = lower($1)`, tt.email))
			}
		})
	}
	_, _, err = e.svc.AddMember(ctx, uuid.New(), "ghost@example.com", testPassword, auth.RoleViewer)
	require.Equal(t, "company_not_found", httpx.AsError(err).Code)
}

func TestMemberRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := platformAdmin()

	type step struct {
		who    string // principal key
		method string
		target string // member key
		body   any
		status int
		code   string
	}
	tests := []struct {
		name  string
		roles map[string]auth.Role
		steps []step
		want  map[string]auth.Role // final roles; absent member: ""
	}{
		{
			name:  "sole owner cannot demote or remove themselves",
			roles: map[string]auth.Role{"o": auth.RoleOwner},
			steps: []step{
				{"o", http.MethodPatch, "o", map[string]any{"role": "admin"}, 409, "last_owner"},
				{"o", http.MethodDelete, "o", nil, 409, "last_owner"},
				{"pa", http.MethodDelete, "o", nil, 409, "last_owner"},
			},
			want: map[string]auth.Role{"o": auth.RoleOwner},
		},
		{
			name:  "admin cannot touch owners or grant owner",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "a": auth.RoleAdmin, "v": auth.RoleViewer},
			steps: []step{
				{"a", http.MethodPatch, "o", map[string]any{"role": "viewer"}, 403, "insufficient_role"},
				{"a", http.MethodDelete, "o", nil, 403, "insufficient_role"},
				{"a", http.MethodPatch, "v", map[string]any{"role": "owner"}, 403, "insufficient_role"},
				{"a", http.MethodPatch, "v", map[string]any{"role": "manager"}, 200, ""},
			},
			want: map[string]auth.Role{"o": auth.RoleOwner, "a": auth.RoleAdmin, "v": auth.RoleManager},
		},
		{
			name:  "owner hands over ownership",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "a": auth.RoleAdmin},
			steps: []step{
				{"o", http.MethodPatch, "a", map[string]any{"role": "owner"}, 200, ""},
				{"o", http.MethodPatch, "o", map[string]any{"role": "admin"}, 200, ""},
				{"pa", http.MethodDelete, "a", nil, 409, "last_owner"},
			},
			want: map[string]auth.Role{"o": auth.RoleAdmin, "a": auth.RoleOwner},
		},
		{
			name:  "owner removes another owner; admin removes a cashier",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "o2": auth.RoleOwner, "a": auth.RoleAdmin, "c": auth.RoleCashier},
			steps: []step{
				{"o", http.MethodDelete, "o2", nil, 204, ""},
				{"a", http.MethodDelete, "c", nil, 204, ""},
				{"a", http.MethodDelete, "c", nil, 404, "member_not_found"},
			},
			want: map[string]auth.Role{"o": auth.RoleOwner, "o2": "", "a": auth.RoleAdmin, "c": ""},
		},
		{
			name:  "below admin may not manage members",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "m": auth.RoleManager, "c": auth.RoleCashier},
			steps: []step{
				{"m", http.MethodPatch, "c", map[string]any{"role": "viewer"}, 403, "insufficient_role"},
				{"m", http.MethodDelete, "c", nil, 403, "insufficient_role"},
				{"c", http.MethodPatch, "c", map[string]any{"role": "admin"}, 403, "insufficient_role"},
			},
			want: map[string]auth.Role{"o": auth.RoleOwner, "m": auth.RoleManager, "c": auth.RoleCashier},
		},
		{
			name:  "platform admin manages owners",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "v": auth.RoleViewer},
			steps: []step{
				{"pa", http.MethodPatch, "v", map[string]any{"role": "owner"}, 200, ""},
				{"pa", http.MethodDelete, "o", nil, 204, ""},
			},
			want: map[string]auth.Role{"o": "", "v": auth.RoleOwner},
		},
		{
			name:  "bad input",
			roles: map[string]auth.Role{"o": auth.RoleOwner, "v": auth.RoleViewer},
			steps: []step{
				{"o", http.MethodPatch, "v", map[string]any{"role": "emperor"}, 422, "invalid_role"},
				{"o", http.MethodPatch, "v", map[string]any{"role": "viewer", "email": "x@example.com"}, 400, "unknown_field"},
				{"o", http.MethodPatch, "v", raw(`nope`), 400, "invalid_json"},
				{"o", http.MethodPatch, "missing", map[string]any{"role": "admin"}, 404, "member_not_found"},
				{"o", http.MethodPatch, "not-a-uuid", map[string]any{"role": "admin"}, 404, "member_not_found"},
				{"o", http.MethodDelete, "missing", nil, 404, "member_not_found"},
			},
			want: map[string]auth.Role{"o": auth.RoleOwner, "v": auth.RoleViewer},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := e.company(t, tt.name)
			who := map[string]auth.Principal{"pa": admin}
			target := map[string]string{"missing": uuid.NewString(), "not-a-uuid": "not-a-uuid"}
			for key, role := range tt.roles {
				who[key] = e.member(t, c, role)
				target[key] = who[key].UserID.String()
			}
			for i, s := range tt.steps {
				p := who[s.who]
				rec := e.do(t, &p, s.method, base+"/"+c.ID.String()+"/members/"+target[s.target], s.body)
				require.Equal(t, s.status, rec.Code, "step %d: %s", i, rec.Body.String())
				if s.code != "" {
					requireStatus(t, rec, s.status, s.code)
				}
				if s.status == http.StatusOK {
					require.Equal(t, s.body.(map[string]any)["role"], string(decode[Member](t, rec).Role))
				}
			}
			for key, role := range tt.want {
				m, err := e.svc.GetMember(context.Background(), c.ID, who[key].UserID)
				if role == "" {
					require.Equal(t, "member_not_found", httpx.AsError(err).Code, "member %s", key)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, role, m.Role, "member %s", key)
				require.Equal(t, who[key].Email, m.Email)
			}
		})
	}
}

// Two owners demoting each other at the same moment must not leave the
// company without an owner.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for round := range 10 {
		c := e.company(t, "race")
		a := e.member(t, c, auth.RoleOwner)
		b := e.member(t, c, auth.RoleOwner)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range []uuid.UUID{a.UserID, b.UserID} {
			wg.Go(func() {
				if round%2 == 0 {
					_, errs[i] = e.svc.SetMemberRole(ctx, c.ID, id, auth.RoleAdmin)
				} else {
					errs[i] = e.svc.RemoveMember(ctx, c.ID, id)
				}
			})
		}
		wg.Wait()
		failed := 0
		for _, err := range errs {
			if err != nil {
				require.Equal(t, "last_owner", httpx.AsError(err).Code)
				failed++
			}
		}
		require.Equal(t, 1, failed, "round %d", round)
		require.Equal(t, 1, e.count(t, `SELECT count(*) FROM memberships WHERE company_id = $1 AND role = 'owner'`, c.ID))
	}
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.company(t, "Lista")
	lister := e.member(t, c, auth.RoleAdmin)
	want := map[uuid.UUID]string{lister.UserID: lister.Email}
	for _, role := range []auth.Role{auth.RoleOwner, auth.RoleViewer, auth.RoleCashier, auth.RoleCashier} {
		p := e.member(t, c, role)
		want[p.UserID] = p.Email
	}
	e.member(t, e.company(t, "Other"), auth.RoleOwner)

	path := base + "/" + c.ID.String() + "/members"
	for _, limit := range []string{"1", "2", "5", "500"} {
		got := map[uuid.UUID]string{}
		cursor := ""
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10)
			url := path + "?limit=" + limit
			if cursor != "" {
				url += "&cursor=" + cursor
			}
			rec := e.do(t, &lister, http.MethodGet, url, nil)
			requireStatus(t, rec, http.StatusOK, "")
			page := decode[httpx.Page[Member]](t, rec)
			for _, m := range page.Data {
				got[m.UserID] = m.Email
				require.NotEmpty(t, m.Role)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		require.Equal(t, want, got, "limit %s", limit)
	}
	requireStatus(t, e.do(t, &lister, http.MethodGet, path+"?limit=-1", nil), 400, "invalid_limit")
	requireStatus(t, e.do(t, &lister, http.MethodGet, path+"?cursor=%7B%7D", nil), 400, "invalid_cursor")
	admin := platformAdmin()
	requireStatus(t, e.do(t, &admin, http.MethodGet, base+"/"+uuid.NewString()+"/members", nil), 404, "company_not_found")
}

// Member and vertical lists show emails and configurations: admin+ only,
// as the README documents (least privilege), and a platform admin.
func TestCompanyListsNeedAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.company(t, "Privada")
	who := map[string]auth.Principal{"platform admin": platformAdmin()}
	for _, role := range []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleManager, auth.RoleCashier, auth.RoleViewer} {
		who[string(role)] = e.member(t, c, role)
	}
	_, err := e.svc.EnableVertical(context.Background(), c.ID, "cpg", []byte(`{"stores":1}`))
	require.NoError(t, err)
	allowed := map[string]bool{"platform admin": true, "owner": true, "admin": true}
	for _, list := range []string{"members", "verticals"} {
		for name, p := range who {
			t.Run(list+" as "+name, func(t *testing.T) {
				t.Parallel()
				rec := e.do(t, &p, http.MethodGet, base+"/"+c.ID.String()+"/"+list, nil)
				if !allowed[name] {
					requireStatus(t, rec, http.StatusForbidden, "insufficient_role")
					require.NotContains(t, rec.Body.String(), "@example.com")
					return
				}
				requireStatus(t, rec, http.StatusOK, "")
				page := decode[httpx.Page[map[string]any]](t, rec)
				require.NotEmpty(t, page.Data)
			})
		}
	}
}
