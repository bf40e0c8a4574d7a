package tenancy

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// With a token of company A, company B's rows are invisible and unchangeable
// through every route: 404, never 403, and nothing changes.
func TestCrossTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.company(t, "Company A")
	b := e.company(t, "Company B")

	aOwner := e.member(t, a, auth.RoleOwner)
	aViewer := e.member(t, a, auth.RoleViewer)
	bOwner := e.member(t, b, auth.RoleOwner)
	bCashier := e.member(t, b, auth.RoleCashier)
	// A user who is an owner of both, holding a token scoped to A.
	both := e.member(t, a, auth.RoleOwner)
	_, _, err := e.svc.AddMember(ctx, b.ID, both.Email, "", auth.RoleOwner)
	require.NoError(t, err)
	_, err = e.svc.EnableVertical(ctx, b.ID, "cpg", []byte(`{"stores":1}`))
	require.NoError(t, err)
	bCalls := len(e.verticals.callsFor(b.ID))
	bInv, _, err := e.svc.Invite(ctx, b.ID, bOwner, NewInvitation{Email: "new-in-b@example.com", Role: "manager"})
	require.NoError(t, err)

	bPath := base + "/" + b.ID.String()
	aPath := base + "/" + a.ID.String()
	bUser := bCashier.UserID.String()
	routes := []struct {
		method, path string
		body         any
		code         string
	}{
		{http.MethodGet, bPath, nil, "company_not_found"},
		{http.MethodPatch, bPath, map[string]any{"name": "hijacked"}, "company_not_found"},
		{http.MethodPost, bPath + "/activate", nil, "company_not_found"},
		{http.MethodPost, bPath + "/deactivate", nil, "company_not_found"},
		{http.MethodGet, bPath + "/members", nil, "company_not_found"},
		{http.MethodPost, bPath + "/invitations", map[string]any{"email": "intruder@example.com", "role": "owner"}, "company_not_found"},
		{http.MethodGet, bPath + "/invitations", nil, "company_not_found"},
		{http.MethodGet, bPath + "/invitations/" + bInv.ID.String(), nil, "company_not_found"},
		{http.MethodDelete, bPath + "/invitations/" + bInv.ID.String(), nil, "company_not_found"},
		{http.MethodPatch, bPath + "/members/" + bUser, map[string]any{"role": "viewer"}, "company_not_found"},
		{http.MethodDelete, bPath + "/members/" + bUser, nil, "company_not_found"},
		{http.MethodGet, bPath + "/verticals", nil, "company_not_found"},
		{http.MethodPut, bPath + "/verticals/cpg", map[string]any{"stores": 99}, "company_not_found"},
		{http.MethodDelete, bPath + "/verticals/cpg", nil, "company_not_found"},
		// B's member addressed through A's path.
		{http.MethodPatch, aPath + "/members/" + bUser, map[string]any{"role": "viewer"}, "member_not_found"},
		{http.MethodDelete, aPath + "/members/" + bUser, nil, "member_not_found"},
		{http.MethodPatch, aPath + "/members/" + bOwner.UserID.String(), map[string]any{"role": "viewer"}, "member_not_found"},
		// B's invitation addressed through A's path.
		{http.MethodGet, aPath + "/invitations/" + bInv.ID.String(), nil, "invitation_not_found"},
		{http.MethodDelete, aPath + "/invitations/" + bInv.ID.String(), nil, "invitation_not_found"},
	}
	t.Run("routes", func(t *testing.T) {
		for _, p := range []auth.Principal{aOwner, aViewer, both} {
			for _, rt := range routes {
				t.Run(string(p.Role)+" "+rt.method+" "+rt.path, func(t *testing.T) {
					t.Parallel()
					code := rt.code
					if p.Role == auth.RoleViewer && (rt.code == "member_not_found" || rt.code == "invitation_not_found") {
						// Role is checked in A before the member is looked up.
						requireStatus(t, e.do(t, &p, rt.method, rt.path, rt.body), http.StatusForbidden, "insufficient_role")
						return
					}
					requireStatus(t, e.do(t, &p, rt.method, rt.path, rt.body), http.StatusNotFound, code)
				})
			}
		}
	})

	t.Run("list shows only A to A's single-company users", func(t *testing.T) {
		rec := e.do(t, &aOwner, http.MethodGet, base, nil)
		requireStatus(t, rec, http.StatusOK, "")
		page := decode[httpx.Page[Company]](t, rec)
		require.Len(t, page.Data, 1)
		require.Equal(t, a.ID, page.Data[0].ID)
	})

	// B is untouched.
	got, err := e.svc.GetCompany(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, b, got)
	members, _, err := e.svc.ListMembers(ctx, b.ID, "", 100)
	require.NoError(t, err)
	roles := map[string]auth.Role{}
	for _, m := range members {
		roles[m.Email] = m.Role
	}
	require.Equal(t, map[string]auth.Role{bOwner.Email: auth.RoleOwner, bCashier.Email: auth.RoleCashier, both.Email: auth.RoleOwner}, roles)
	list, err := e.svc.ListVerticals(ctx, b.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, list[0].Enabled)
	require.JSONEq(t, `{"stores":1}`, string(list[0].Config))
	require.Len(t, e.verticals.callsFor(b.ID), bCalls)
	require.Zero(t, e.count(t, `SELECT count(*) FROM users WHERE email = 'intruder@example.com'`))
	require.Zero(t, e.count(t, `SELECT count(*) FROM invitations WHERE company_id = $1`, a.ID))
	inv, err := e.svc.GetInvitation(ctx, b.ID, bInv.ID)
	require.NoError(t, err)
	require.Equal(t, InvitationPending, inv.Status)

	// B's vertical is not A's.
	on, err := e.svc.IsEnabled(ctx, a.ID, "cpg")
	require.NoError(t, err)
	require.False(t, on)
	on, err = e.svc.IsEnabled(ctx, b.ID, "cpg")
	require.NoError(t, err)
	require.True(t, on)
}
