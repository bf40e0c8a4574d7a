package reporting

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Routes mounts the reporting API on r, which must already authenticate
// (mount it in the /api/v1 group behind auth):
//
//	POST /mv/refresh?force=true                          platform admin, or owner or admin of the token's company: refresh now; 200 Result
//	GET  /mv/health                                      any caller: Health (last_error's text for platform admins only)
//	GET  /mv/metrics                                     platform admin: {"data":[TriggerMetrics]}
//	GET  /reports/revenue?from=&to=&group_by=            viewer or above of the token's company: RevenueReport
//
// A refresh skipped because the contents are younger than Config.MinAge
// (no force) is a 200 with "refreshed": false and "skipped": "recent"; one
// that could not get the lock within Config.LockWait is 409
// refresh_in_progress. A company's owners and admins may ask once every
// Config.CompanyRefreshEvery per company, across replicas: a second request
// is 429 rate_limited with Retry-After. from and to are YYYY-MM-DD days in the company's
// time zone, both included. Unknown query parameters are 400
// invalid_query.
func (s *Service) Routes(r chi.Router) {
	r.Post("/mv/refresh", httpx.Handle(s.handleRefresh))
	r.Get("/mv/health", httpx.Handle(s.handleHealth))
	r.With(auth.RequirePlatformAdmin).Get("/mv/metrics", httpx.Handle(s.handleMetrics))
	r.With(auth.RequireRole(auth.RoleViewer)).Get("/reports/revenue", httpx.Handle(s.handleRevenue))
}

// The query parameters each route knows; any other is 400 invalid_query
// (httpx.KnownQuery).
var (
	refreshParams = []string{"force"}
	revenueParams = []string{"from", "to", "group_by"}
)

func (s *Service) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return httpx.Unauthorized("authentication required")
	}
	if !p.PlatformAdmin && (p.CompanyID == uuid.Nil || !p.Role.AtLeast(auth.RoleAdmin)) {
		return httpx.Forbidden("insufficient_role", "role admin or higher (or platform admin) required").
			WithDetails(map[string]any{"required": auth.RoleAdmin, "actual": p.Role})
	}
	if err := httpx.KnownQuery(r, refreshParams); err != nil {
		return err
	}
	q := r.URL.Query()
	force := false
	if v := q.Get("force"); v != "" {
		var err error
		if force, err = strconv.ParseBool(v); err != nil {
			return httpx.InvalidQuery("force", "force must be true or false")
		}
	}
	if !p.PlatformAdmin {
		if err := s.allowCompanyRefresh(w, r, p.CompanyID); err != nil {
			return err
		}
	}
	res, err := s.Refresh(r.Context(), force)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

// allowCompanyRefresh spends company's refresh of this
// Config.CompanyRefreshEvery, or answers why not: 429 rate_limited with
// Retry-After. A limiter that fails lets the refresh through, logged, as
// the API's rate limits do: the refresh lock still keeps it single-flight.
func (s *Service) allowCompanyRefresh(w http.ResponseWriter, r *http.Request, company uuid.UUID) error {
	limit := ratelimit.Limit{Rate: 1, Period: s.cfg.CompanyRefreshEvery, Burst: 1}
	d, err := s.cfg.Limiter.Allow(r.Context(), "mv_refresh:"+company.String(), limit)
	if err != nil {
		s.log.Error("company refresh limiter failed; allowing the refresh", "company_id", company, "error", err)
		return nil
	}
	ratelimit.WriteHeaders(w, d)
	if d.Allowed {
		return nil
	}
	retry := max(int(math.Ceil(d.RetryAfter.Seconds())), 1)
	return httpx.NewError(kind.RateLimited, "rate_limited",
		fmt.Sprintf("this company may refresh the views once every %s; retry in %d s", s.cfg.CompanyRefreshEvery, retry)).
		WithDetails(map[string]any{"retry_after_seconds": retry})
}

func (s *Service) handleHealth(w http.ResponseWriter, r *http.Request) error {
	p, ok := auth.FromContext(r.Context())
	if !ok {
		return httpx.Unauthorized("authentication required")
	}
	h, err := s.Health(r.Context())
	if err != nil {
		return err
	}
	if h.LastError != nil && !p.PlatformAdmin {
		// The database's message is for operators.
		h.LastError.Error = ""
	}
	httpx.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (s *Service) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Metrics(r.Context())
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"data": m})
	return nil
}

func (s *Service) handleRevenue(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	if p.CompanyID == uuid.Nil {
		return httpx.Forbidden("company_required", "this route needs a token scoped to a company")
	}
	if err := httpx.KnownQuery(r, revenueParams); err != nil {
		return err
	}
	q := r.URL.Query()
	rq := RevenueQuery{GroupBy: q.Get("group_by")}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"from", &rq.From}, {"to", &rq.To}} {
		v := q.Get(d.name)
		if v == "" {
			return httpx.InvalidQuery(d.name, d.name+" is required (YYYY-MM-DD)")
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return httpx.InvalidQuery(d.name, d.name+" must be a date (YYYY-MM-DD)")
		}
		*d.dst = t
	}
	rep, err := s.Revenue(r.Context(), p.CompanyID, rq)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}
