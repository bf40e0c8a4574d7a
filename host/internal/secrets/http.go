package secrets

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Routes mounts the secrets API on r, which the host mounts at
// /api/v1/companies/{id}, behind access (tenancy.CompanyRoutes: the {id}
// company and the caller when the caller holds at least the role there or
// is a platform admin, a 404 outside the caller's company); every route is
// admin+:
//
//	GET    /verticals/{name}/secrets        names and update times → 200 page
//	PUT    /verticals/{name}/secrets/{key}  {"value"} → 204
//	DELETE /verticals/{name}/secrets/{key}  → 204
//
// A value is never answered.
func (s *Service) Routes(r chi.Router, access func(r *http.Request, min auth.Role) (uuid.UUID, auth.Principal, error)) {
	r.Get("/verticals/{name}/secrets", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, _, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		list, err := s.List(r.Context(), companyID, chi.URLParam(r, "name"))
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, ""))
		return nil
	}))
	r.Put("/verticals/{name}/secrets/{key}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		a, err := address(r, access)
		if err != nil {
			return err
		}
		var body struct {
			Value *string `json:"value"`
		}
		if err := httpx.DecodeJSON(r, &body); err != nil {
			return err
		}
		if body.Value == nil {
			return errMissingValue()
		}
		if err := s.Put(r.Context(), a, []byte(*body.Value)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	r.Delete("/verticals/{name}/secrets/{key}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		a, err := address(r, access)
		if err != nil {
			return err
		}
		if err := s.Delete(r.Context(), a); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

// address is the secret a route names, once the caller passed access.
func address(r *http.Request, access func(*http.Request, auth.Role) (uuid.UUID, auth.Principal, error)) (Address, error) {
	companyID, _, err := access(r, auth.RoleAdmin)
	if err != nil {
		return Address{}, err
	}
	a := Address{CompanyID: companyID, Vertical: chi.URLParam(r, "name"), Name: chi.URLParam(r, "key")}
	if !namePattern.MatchString(a.Name) {
		return Address{}, errInvalidName()
	}
	return a, nil
}
