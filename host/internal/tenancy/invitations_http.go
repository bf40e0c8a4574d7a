package tenancy

import (
	"context"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Sessions opens a logged-in session for a user whose account was just
// created by accepting an invitation (auth.Service does).
type Sessions interface {
	StartSession(ctx context.Context, userID, companyID uuid.UUID) (auth.TokenPair, error)
}

// InvitationRoutes registers the invitee's side of invitations on r; mount
// it at /api/v1/invitations, behind the anonymous rate limit:
//
//	POST /accept  {"token","password"?,"name"?} → 201 {"company_id","member","session"}
//
// authenticate is auth.Service.AuthenticateOptional: a logged-in invitee
// sends their bearer token and joins with their account; an anonymous one
// whose email has no account sets its password (and name) and gets a
// session (a token pair scoped to the company) in the response.
func (s *Service) InvitationRoutes(r chi.Router, authenticate func(http.Handler) http.Handler, sessions Sessions) {
	r.With(authenticate).Post("/accept", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		return s.handleAccept(w, r, sessions)
	}))
}

func (s *Service) handleInvite(w http.ResponseWriter, r *http.Request) error {
	id, p, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var in NewInvitation
	if err := httpx.DecodeJSON(r, &in); err != nil {
		return err
	}
	inv, token, err := s.Invite(r.Context(), id, p, in)
	if err != nil {
		return err
	}
	s.record(r, id, "invitation.created", "invitation:"+inv.ID.String(), map[string]any{"email": inv.Email, "role": inv.Role})
	w.Header().Set("Location", path.Join(r.URL.Path, inv.ID.String()))
	httpx.WriteJSON(w, http.StatusCreated, createdInvitation{Invitation: inv, Token: token})
	return nil
}

// createdInvitation is the 201 body of POST /companies/{id}/invitations:
// the invitation and, this once, its token.
type createdInvitation struct {
	Invitation
	// Token is what the invitee presents to accept; it is never shown
	// again (only its hash is stored).
	Token string `json:"token"`
}

func (s *Service) handleListInvitations(w http.ResponseWriter, r *http.Request) error {
	return writeAdminPage(w, r, s.ListInvitations)
}

// invitationID parses the {invID} path parameter; a malformed one names
// no invitation.
func invitationID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "invID"))
	if err != nil {
		return uuid.Nil, errInvitationNotFound()
	}
	return id, nil
}

func (s *Service) handleGetInvitation(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	invID, err := invitationID(r)
	if err != nil {
		return err
	}
	inv, err := s.GetInvitation(r.Context(), id, invID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, inv)
	return nil
}

func (s *Service) handleRevokeInvitation(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	invID, err := invitationID(r)
	if err != nil {
		return err
	}
	if err := s.RevokeInvitation(r.Context(), id, invID); err != nil {
		return err
	}
	s.record(r, id, "invitation.revoked", "invitation:"+invID.String(), nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// acceptRequest is the body of POST /invitations/accept.
type acceptRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// acceptedInvitation is the 201 body of POST /invitations/accept.
type acceptedInvitation struct {
	CompanyID uuid.UUID `json:"company_id"`
	Member    Member    `json:"member"`
	// Session is a token pair scoped to the company for an account created
	// here; null for a logged-in invitee (switch-company reaches the new
	// company), or if it could not be opened (then log in).
	Session *auth.TokenPair `json:"session"`
}

func (s *Service) handleAccept(w http.ResponseWriter, r *http.Request, sessions Sessions) error {
	var req acceptRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	a := Acceptance{Token: req.Token, Password: req.Password, Name: req.Name}
	if p, ok := auth.FromContext(r.Context()); ok {
		a.Invitee = &p
	}
	res, err := s.AcceptInvitation(r.Context(), a)
	if err != nil {
		if httpx.AsError(err).Code == "login_required" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nexus"`)
		}
		return err
	}
	s.recordAs(r, audit.Actor{Kind: audit.ActorUser, ID: res.Member.UserID, Label: res.Member.Email}, res.CompanyID,
		"invitation.accepted", "user:"+res.Member.UserID.String(), map[string]any{"role": res.Member.Role, "new_user": res.NewUser})
	out := acceptedInvitation{CompanyID: res.CompanyID, Member: res.Member}
	if res.NewUser {
		pair, err := sessions.StartSession(r.Context(), res.Member.UserID, res.CompanyID)
		if err != nil {
			// The membership stands; the invitee logs in with the
			// password just set.
			httpx.Logger(r.Context()).Error("invitation accepted but no session opened", "user_id", res.Member.UserID, "error", err)
		} else {
			out.Session = &pair
		}
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
	return nil
}
