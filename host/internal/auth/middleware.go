package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

type sessionKey struct{}

// sessionFromContext returns the session (refresh-token family) of the
// request's access token.
func sessionFromContext(ctx context.Context) (uuid.UUID, bool) {
	id, ok := ctx.Value(sessionKey{}).(uuid.UUID)
	return id, ok
}

// Authenticate requires a valid bearer access token or API key (see
// authenticateKey for keys). It verifies the token,
// then loads in one query the user, its current role in the token's company,
// whether that company is active and whether the session is still live, and
// stores the resulting Principal in the request context (see FromContext).
// A missing, invalid or expired token, a deleted user or membership, or an
// ended session is a 401 with WWW-Authenticate: Bearer; a token scoped to an
// inactive company is a 403 company_inactive, except for platform admins.
// A platform admin's token without a company yields Role RolePlatformAdmin
// and CompanyID uuid.Nil.
func (s *Service) Authenticate(next http.Handler) http.Handler {
	return s.authenticate(next, false)
}

// authenticateAnyCompany is Authenticate without the active-company check,
// for the auth routes a user of a deactivated company still needs (me,
// switch-company).
func (s *Service) authenticateAnyCompany(next http.Handler) http.Handler {
	return s.authenticate(next, true)
}

// AuthenticateOptional is Authenticate for routes anonymous callers may use
// too: a request without an Authorization header passes with no Principal;
// one with a header must carry a valid token (else 401). Tokens of a
// deactivated company are accepted: such routes need the caller's
// identity, not the token's company.
func (s *Service) AuthenticateOptional(next http.Handler) http.Handler {
	withToken := s.authenticate(next, true)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			next.ServeHTTP(w, r)
			return
		}
		withToken.ServeHTTP(w, r)
	})
}

func (s *Service) authenticate(next http.Handler, allowInactive bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearerToken(r)
		if !ok {
			writeUnauthorized(w, r, errMissingToken, `Bearer realm="nexus"`)
			return
		}
		if IsAPIKey(raw) {
			s.authenticateKey(w, r, next, raw, allowInactive)
			return
		}
		sub, err := s.parseAccess(raw)
		if err != nil {
			writeUnauthorized(w, r, errBadToken, `Bearer realm="nexus", error="invalid_token"`)
			return
		}
		p, active, err := s.loadPrincipal(r.Context(), sub)
		if err != nil {
			if errors.Is(err, errInvalidToken) {
				writeUnauthorized(w, r, errBadToken, `Bearer realm="nexus", error="invalid_token"`)
				return
			}
			httpx.WriteError(w, r, err)
			return
		}
		if !active && !p.PlatformAdmin && !allowInactive {
			httpx.WriteError(w, r, errCompanyInactive)
			return
		}
		ctx := WithPrincipal(r.Context(), p)
		ctx = context.WithValue(ctx, sessionKey{}, sub.SessionID)
		ctx = audit.WithActor(ctx, p.AuditActor())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// loadPrincipal builds the principal of a verified token from the database.
// active reports whether the token's company is active (true when the token
// has no company). errInvalidToken means the token no longer stands for
// anyone.
func (s *Service) loadPrincipal(ctx context.Context, sub tokenSubject) (p Principal, active bool, err error) {
	var (
		role      *string
		isActive  *bool
		liveToken bool
	)
	p.UserID = sub.UserID
	err = s.pool.QueryRow(ctx, qPrincipal, sub.UserID, sub.CompanyID, sub.SessionID).
		Scan(&p.Email, &p.PlatformAdmin, &role, &isActive, &liveToken)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, false, fmt.Errorf("%w: user no longer exists", errInvalidToken)
	}
	if err != nil {
		return Principal{}, false, fmt.Errorf("authenticate: %w", err)
	}
	if !liveToken {
		return Principal{}, false, fmt.Errorf("%w: session ended", errInvalidToken)
	}
	if !sub.CompanyID.Valid {
		if !p.PlatformAdmin {
			return Principal{}, false, fmt.Errorf("%w: no company and not a platform admin", errInvalidToken)
		}
		p.Role = RolePlatformAdmin
		return p, true, nil
	}
	if role == nil || isActive == nil {
		return Principal{}, false, fmt.Errorf("%w: membership no longer exists", errInvalidToken)
	}
	p.CompanyID = sub.CompanyID.UUID
	p.Role = Role(*role)
	return p, *isActive, nil
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func writeUnauthorized(w http.ResponseWriter, r *http.Request, err error, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	httpx.WriteError(w, r, err)
}

// RequireRole lets through only principals whose role in the token's
// company is min or higher; others get 403 insufficient_role with the
// required and actual roles in the details, and a request without a
// principal gets 401. It must run after Authenticate.
//
// Platform admins get no implicit company role: they pass only if they also
// hold the role in the company their token is scoped to. Routes that
// platform admins may use without membership should check
// Principal.PlatformAdmin themselves (or use RequirePlatformAdmin), so that
// every such bypass is explicit at the route.
func RequireRole(min Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := FromContext(r.Context())
			if !ok {
				writeUnauthorized(w, r, errMissingToken, `Bearer realm="nexus"`)
				return
			}
			if !p.Role.AtLeast(min) {
				httpx.WriteError(w, r, errInsufficientRole(min, p.Role))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// RequirePlatformAdmin lets through only platform admins; others get 403
// platform_admin_required, and a request without a principal gets 401. It
// must run after Authenticate.
func RequirePlatformAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := FromContext(r.Context())
		if !ok {
			writeUnauthorized(w, r, errMissingToken, `Bearer realm="nexus"`)
			return
		}
		if !p.PlatformAdmin {
			httpx.WriteError(w, r, errAdminRequired)
			return
		}
		next.ServeHTTP(w, r)
	})
}
