package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestInvitationsThroughTheHost joins users by invitation through the real
// host, with its JWTs: NewTenant's users each accepted one and use the
// session it opened; a user of another company accepts while logged in.
func TestInvitationsThroughTheHost(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{}))
	a := h.NewTenant("MX")
	b := h.NewTenant("AR")
	aPath := "/api/v1/companies/" + a.ID

	// Lists of members and verticals are admin+.
	h.Expect(http.StatusForbidden, http.MethodGet, aPath+"/members", a.Tokens["viewer"], nil)
	h.Expect(http.StatusForbidden, http.MethodGet, aPath+"/verticals", a.Tokens["manager"], nil)
	var members struct {
		Data       []map[string]any `json:"data"`
		NextCursor *string          `json:"next_cursor"`
	}
	h.Expect(http.StatusOK, http.MethodGet, aPath+"/members?limit=2", a.Tokens["admin"], nil).Decode(t, &members)
	require.Len(t, members.Data, 2)
	require.NotNil(t, members.NextCursor)

	// No member is added by email any more.
	h.Expect(http.StatusMethodNotAllowed, http.MethodPost, aPath+"/members", a.Tokens["owner"],
		map[string]string{"email": "direct@hosttest.local", "password": "a-long-password", "role": "viewer"})

	// B's viewer is invited to A: the invitation looks like any other.
	email := "viewer-" + b.ID + "@hosttest.local"
	inv := h.Expect(http.StatusCreated, http.MethodPost, aPath+"/invitations", a.Tokens["admin"],
		map[string]string{"email": email, "role": "cashier"}).JSON(t)
	_, leaks := inv["user_created"]
	require.False(t, leaks)
	token := inv["token"].(string)
	accept := "/api/v1/invitations/accept"
	require.Equal(t, "login_required", h.Expect(http.StatusUnauthorized, http.MethodPost, accept, "",
		map[string]string{"token": token, "password": "password-viewer"}).ErrorCode())
	require.Equal(t, "invitation_email_mismatch", h.Expect(http.StatusForbidden, http.MethodPost, accept, b.Tokens["owner"],
		map[string]string{"token": token}).ErrorCode())
	res := h.Expect(http.StatusCreated, http.MethodPost, accept, b.Tokens["viewer"], map[string]string{"token": token}).JSON(t)
	require.Nil(t, res["session"])
	require.Equal(t, "invitation_accepted", h.Expect(http.StatusGone, http.MethodPost, accept, b.Tokens["viewer"],
		map[string]string{"token": token}).ErrorCode())
	switched := h.Expect(http.StatusOK, http.MethodPost, "/api/v1/auth/switch-company", b.Tokens["viewer"],
		map[string]string{"company_id": a.ID}).JSON(t)
	me := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/auth/me", switched["access_token"].(string), nil).JSON(t)
	require.Equal(t, "cashier", me["role"])

	// B's admin sees none of A's invitations.
	h.Expect(http.StatusNotFound, http.MethodGet, aPath+"/invitations", b.Tokens["admin"], nil)
	var list struct{ Data []map[string]any }
	h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+b.ID+"/invitations", b.Tokens["admin"], nil).Decode(t, &list)
	for _, i := range list.Data {
		require.Equal(t, b.ID, i["company_id"])
	}
}
