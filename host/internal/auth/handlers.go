package auth

import (
	"context"
	"math"
	"net"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// maxBodyBytes bounds the JSON bodies of the auth routes.
const maxBodyBytes = 16 << 10

// Routes mounts the auth API on r; the host mounts it at /api/v1/auth:
//
//	POST /login           {"email","password","company_id"?}        → 200 token pair
//	POST /refresh         {"refresh_token"}                         → 200 token pair
//	POST /logout          {"refresh_token"}                         → 204
//	POST /switch-company  {"company_id"} (bearer token)             → 200 token pair
//	GET  /me              (bearer token)                            → 200 user, company, role, companies
//
// A token pair is {"access_token","refresh_token","token_type":"Bearer",
// "expires_in","company_id","companies":[{"id","name","role","active"}]}.
// /me and /switch-company also accept tokens of a deactivated company, so
// that its users can still see and leave it.
func (s *Service) Routes(r chi.Router) {
	r.Post("/login", s.handleLogin)
	r.Post("/refresh", s.handleRefresh)
	r.Post("/logout", s.handleLogout)
	r.With(s.authenticateAnyCompany).Post("/switch-company", s.handleSwitchCompany)
	r.With(s.authenticateAnyCompany).Get("/me", s.handleMe)
}

type loginRequest struct {
	Email     string  `json:"email"`
	Password  string  `json:"password"`
	CompanyID *string `json:"company_id"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type switchCompanyRequest struct {
	CompanyID *string `json:"company_id"`
}

type meResponse struct {
	UserID        uuid.UUID    `json:"user_id"`
	Email         string       `json:"email"`
	PlatformAdmin bool         `json:"platform_admin"`
	CompanyID     *uuid.UUID   `json:"company_id"`
	Role          Role         `json:"role"`
	Companies     []companyRef `json:"companies"`
}

func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	return httpx.DecodeJSON(r, dst)
}

func (s *Service) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ipDecision, ok := s.allow(ctx, "login:ip:"+clientIP(r), s.cfg.LoginPerIP)
	if !ok {
		writeRateLimited(w, r, ipDecision)
		return
	}
	var req loginRequest
	if err := decodeBody(w, r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	email := NormalizeEmail(req.Email)
	if email == "" {
		httpx.WriteError(w, r, errMissingField("email"))
		return
	}
	if req.Password == "" {
		httpx.WriteError(w, r, errMissingField("password"))
		return
	}
	companyID, err := parseCompanyID(req.CompanyID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	emailDecision, ok := s.allow(ctx, "login:email:"+email, s.cfg.LoginPerEmail)
	if !ok {
		writeRateLimited(w, r, emailDecision)
		return
	}
	pair, err := s.login(ctx, email, req.Password, companyID)
	if d := tighter(ipDecision, emailDecision); d != nil {
		ratelimit.WriteHeaders(w, *d)
	}
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, pair)
}

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := decodeBody(w, r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.RefreshToken == "" {
		httpx.WriteError(w, r, errMissingField("refresh_token"))
		return
	}
	pair, err := s.refresh(r.Context(), req.RefreshToken)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, pair)
}

func (s *Service) handleLogout(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if err := decodeBody(w, r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if req.RefreshToken == "" {
		httpx.WriteError(w, r, errMissingField("refresh_token"))
		return
	}
	if err := s.logout(r.Context(), req.RefreshToken); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) handleSwitchCompany(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	if err := keyUnsupported(p); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	session, _ := sessionFromContext(r.Context())
	var req switchCompanyRequest
	if err := decodeBody(w, r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	companyID, err := parseCompanyID(req.CompanyID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	pair, err := s.switchCompany(r.Context(), p, session, companyID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, pair)
}

func (s *Service) handleMe(w http.ResponseWriter, r *http.Request) {
	p, _ := FromContext(r.Context())
	cs, err := s.companies(r.Context(), p.UserID)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	resp := meResponse{
		UserID:        p.UserID,
		Email:         p.Email,
		PlatformAdmin: p.PlatformAdmin,
		Role:          p.Role,
		Companies:     cs,
	}
	if p.CompanyID != uuid.Nil {
		resp.CompanyID = &p.CompanyID
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// parseCompanyID reads an optional company_id field; null or absent is
// "no company".
func parseCompanyID(v *string) (uuid.NullUUID, error) {
	if v == nil {
		return uuid.NullUUID{}, nil
	}
	id, err := uuid.Parse(*v)
	if err != nil {
		return uuid.NullUUID{}, errInvalidField("company_id", "company_id must be a UUID")
	}
	return uuid.NullUUID{UUID: id, Valid: true}, nil
}

// allow asks the limiter about key. ok is false only when the request is
// denied; a limiter failure is logged and lets the request through (login
// stays available, and each attempt still costs a bcrypt comparison), with
// a nil decision.
func (s *Service) allow(ctx context.Context, key string, l ratelimit.Limit) (*ratelimit.Decision, bool) {
	d, err := s.limiter.Allow(ctx, key, l)
	if err != nil {
		s.log.Error("login rate limiter failed; allowing attempt", "error", err)
		return nil, true
	}
	return &d, d.Allowed
}

// tighter returns the decision with fewer requests left, ignoring nil ones.
func tighter(a, b *ratelimit.Decision) *ratelimit.Decision {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case b.Remaining < a.Remaining:
		return b
	}
	return a
}

func writeRateLimited(w http.ResponseWriter, r *http.Request, d *ratelimit.Decision) {
	ratelimit.WriteHeaders(w, *d)
	retry := max(int(math.Ceil(d.RetryAfter.Seconds())), 1)
	httpx.WriteError(w, r, errRateLimited().WithDetails(map[string]any{"retry_after_seconds": retry}))
}

// clientIP is the host part of r.RemoteAddr; the router decides whether
// that address comes from a trusted proxy header.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
