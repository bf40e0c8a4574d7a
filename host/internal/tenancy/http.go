package tenancy

import (
	"context"
	"encoding/json"
	"net/http"
	"path"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Page sizes of the list routes.
const (
	defaultPageSize = 100
	maxPageSize     = httpx.MaxLimit
)

// Routes registers the company routes on r, every one behind authenticate
// (the auth service's Authenticate middleware, which also refuses tokens of
// inactive companies). Mount it at /api/v1/companies:
//
//	r.Route("/api/v1/companies", func(r chi.Router) {
//		tenancySvc.Routes(r, authSvc.Authenticate)
//	})
//
// Routes, relative to the mount point, and who may call them:
//
//	POST   /                               platform admin        create a company → 201
//	GET    /                               anyone authenticated  platform admins see all, others their companies
//	GET    /{id}                           viewer+               the company
//	PATCH  /{id}                           admin+                {"name","timezone"}
//	POST   /{id}/activate, /{id}/deactivate platform admin       → 200 company
//	GET    /{id}/members                   admin+                keyset page
//	PATCH  /{id}/members/{userID}          admin+                {"role"}
//	DELETE /{id}/members/{userID}          admin+                → 204
//	POST   /{id}/invitations               admin+                {"email","role"} → 201 invitation + token
//	GET    /{id}/invitations               admin+                keyset page, newest first
//	GET    /{id}/invitations/{invID}       admin+                one invitation
//	DELETE /{id}/invitations/{invID}       admin+                revoke → 204
//	GET    /{id}/verticals                 admin+                every vertical ever enabled
//	PUT    /{id}/verticals/{name}          admin+                body is the config object → 200
//	DELETE /{id}/verticals/{name}          admin+                → 204
//
// A token is scoped to one company: for any other {id} the caller is not a
// member and gets 404 company_not_found, the same as for a company that does
// not exist. Platform admins may act on every company. Granting, changing or
// revoking the owner role takes an owner (or a platform admin). Members
// join only through invitations (see InvitationRoutes for the invitee's
// side), so no route reveals whether an email has an account.
//
// more registers other packages' routes below /{id} (secrets, API keys,
// the audit log), each given the same company check (CompanyRoutes).
func (s *Service) Routes(r chi.Router, authenticate func(http.Handler) http.Handler, more ...CompanyRoutes) {
	r.Group(func(r chi.Router) {
		r.Use(authenticate)
		r.Post("/", httpx.Handle(s.handleCreateCompany))
		r.Get("/", httpx.Handle(s.handleListCompanies))
		r.Route("/{id}", func(r chi.Router) {
			r.Get("/", httpx.Handle(s.handleGetCompany))
			r.Patch("/", httpx.Handle(s.handleUpdateCompany))
			r.Post("/activate", httpx.Handle(s.handleSetActive(true)))
			r.Post("/deactivate", httpx.Handle(s.handleSetActive(false)))
			r.Get("/members", httpx.Handle(s.handleListMembers))
			r.Patch("/members/{userID}", httpx.Handle(s.handleSetMemberRole))
			r.Delete("/members/{userID}", httpx.Handle(s.handleRemoveMember))
			r.Post("/invitations", httpx.Handle(s.handleInvite))
			r.Get("/invitations", httpx.Handle(s.handleListInvitations))
			r.Get("/invitations/{invID}", httpx.Handle(s.handleGetInvitation))
			r.Delete("/invitations/{invID}", httpx.Handle(s.handleRevokeInvitation))
			r.Get("/verticals", httpx.Handle(s.handleListVerticals))
			r.Put("/verticals/{name}", httpx.Handle(s.handleEnableVertical))
			r.Delete("/verticals/{name}", httpx.Handle(s.handleDisableVertical))
			for _, m := range more {
				m(r, access)
			}
		})
	})
}

// CompanyRoutes registers routes below /api/v1/companies/{id}. access
// checks the caller may act on the {id} company with at least a role: it
// returns the company and the caller, or the error to answer (404 outside
// the caller's company, as for the routes here).
type CompanyRoutes func(r chi.Router, access func(r *http.Request, minRole auth.Role) (uuid.UUID, auth.Principal, error))

// principal returns the authenticated caller.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return auth.Principal{}, httpx.Unauthorized("authentication required")
	}
	return p, nil
}

// access returns the company named by the {id} path parameter and the
// caller, after checking the caller may act on it with at least minRole.
// Outside the token's company the caller is not a member: 404, never 403.
func access(r *http.Request, minRole auth.Role) (uuid.UUID, auth.Principal, error) {
	p, err := principal(r)
	if err != nil {
		return uuid.Nil, auth.Principal{}, err
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		return uuid.Nil, auth.Principal{}, errCompanyNotFound()
	}
	if p.PlatformAdmin {
		return id, p, nil
	}
	if p.CompanyID != id {
		return uuid.Nil, auth.Principal{}, errCompanyNotFound()
	}
	if !p.Role.AtLeast(minRole) {
		return uuid.Nil, auth.Principal{}, errInsufficientRole(minRole, p.Role)
	}
	return id, p, nil
}

// managesOwners reports whether p may grant, change or revoke the owner
// role in the company access admitted p to.
func managesOwners(p auth.Principal) bool {
	return p.PlatformAdmin || p.Role == auth.RoleOwner
}

// createdCompany is the 201 body of POST /companies.
type createdCompany struct {
	Company
	Warnings []string `json:"warnings"`
}

func (s *Service) handleCreateCompany(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	if !p.PlatformAdmin {
		return errPlatformAdminRequired()
	}
	var nc NewCompany
	if err := httpx.DecodeJSON(r, &nc); err != nil {
		return err
	}
	c, warnings, err := s.CreateCompany(r.Context(), nc)
	if err != nil {
		return err
	}
	w.Header().Set("Location", path.Join(r.URL.Path, c.ID.String()))
	httpx.WriteJSON(w, http.StatusCreated, createdCompany{Company: c, Warnings: warnings})
	return nil
}

func (s *Service) handleListCompanies(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
	if err != nil {
		return err
	}
	q := CompanyQuery{Cursor: r.URL.Query().Get("cursor"), Limit: limit}
	if !p.PlatformAdmin {
		q.MemberID = p.UserID
	}
	list, next, err := s.ListCompanies(r.Context(), q)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleGetCompany(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleViewer)
	if err != nil {
		return err
	}
	c, err := s.GetCompany(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Service) handleUpdateCompany(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var u CompanyUpdate
	if err := httpx.DecodeJSON(r, &u); err != nil {
		return err
	}
	c, err := s.UpdateCompany(r.Context(), id, u)
	if err != nil {
		return err
	}
	s.record(r, id, "company.updated", "company:"+id.String(), map[string]any{"name": c.Name, "timezone": c.Timezone})
	httpx.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Service) handleSetActive(active bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, p, err := access(r, auth.RoleViewer)
		if err != nil {
			return err
		}
		if !p.PlatformAdmin {
			return errPlatformAdminRequired()
		}
		c, err := s.SetActive(r.Context(), id, active)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, c)
		return nil
	}
}

// handleListMembers lists members with their emails: admin+ only, as
// managing them is (least privilege: a viewer has no need for colleagues'
// addresses).
func (s *Service) handleListMembers(w http.ResponseWriter, r *http.Request) error {
	return writeAdminPage(w, r, s.ListMembers)
}

// writeAdminPage answers one page of a company's list that only its
// admins (and platform admins) may read: the {id} company, ?limit= and
// ?cursor= go to list, its rows and next cursor come back in the page
// envelope.
func writeAdminPage[T any](w http.ResponseWriter, r *http.Request,
	list func(ctx context.Context, companyID uuid.UUID, cursor string, limit int) ([]T, string, error)) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
	if err != nil {
		return err
	}
	rows, next, err := list(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(rows, next))
	return nil
}

// memberUserID parses the {userID} path parameter; a malformed one names
// no member.
func memberUserID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "userID"))
	if err != nil {
		return uuid.Nil, errMemberNotFound()
	}
	return id, nil
}

// ownerGuard refuses to touch an owner's membership, or to make someone an
// owner, unless p manages owners.
func ownerGuard(p auth.Principal, newRole auth.Role) func(current auth.Role) error {
	return func(current auth.Role) error {
		if (current == auth.RoleOwner || newRole == auth.RoleOwner) && !managesOwners(p) {
			return errInsufficientRole(auth.RoleOwner, p.Role)
		}
		return nil
	}
}

// setRoleRequest is the body of PATCH /companies/{id}/members/{userID}.
type setRoleRequest struct {
	Role string `json:"role"`
}

func (s *Service) handleSetMemberRole(w http.ResponseWriter, r *http.Request) error {
	id, p, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	userID, err := memberUserID(r)
	if err != nil {
		return err
	}
	var req setRoleRequest
	if err := httpx.DecodeJSON(r, &req); err != nil {
		return err
	}
	role, err := auth.ParseRole(req.Role)
	if err != nil {
		return errInvalidRole(req.Role)
	}
	m, err := s.setMemberRole(r.Context(), id, userID, role, ownerGuard(p, role))
	if err != nil {
		return err
	}
	s.record(r, id, "member.role_changed", "user:"+userID.String(), map[string]any{"email": m.Email, "role": m.Role})
	httpx.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (s *Service) handleRemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, p, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	userID, err := memberUserID(r)
	if err != nil {
		return err
	}
	if err := s.removeMember(r.Context(), id, userID, ownerGuard(p, "")); err != nil {
		return err
	}
	s.record(r, id, "member.removed", "user:"+userID.String(), nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleListVerticals lists the company's verticals with their
// configuration: admin+ only, as changing them is.
func (s *Service) handleListVerticals(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	list, err := s.ListVerticals(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, ""))
	return nil
}

func (s *Service) handleEnableVertical(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	var config json.RawMessage
	if err := httpx.DecodeJSON(r, &config); err != nil {
		return err
	}
	v, err := s.EnableVertical(r.Context(), id, chi.URLParam(r, "name"), config)
	if err != nil {
		return err
	}
	s.record(r, id, "vertical.enabled", "vertical:"+v.Name, map[string]any{"config": v.Config})
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *Service) handleDisableVertical(w http.ResponseWriter, r *http.Request) error {
	id, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return err
	}
	if err := s.DisableVertical(r.Context(), id, chi.URLParam(r, "name")); err != nil {
		return err
	}
	s.record(r, id, "vertical.disabled", "vertical:"+chi.URLParam(r, "name"), nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
