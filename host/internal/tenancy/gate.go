package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// accessTTL bounds how long a cached vertical access may outlive a change
// whose invalidation was lost.
const accessTTL = time.Minute

// Gate decides whether a request may reach a vertical: only when the
// caller's token names a company that enabled it. It caches each
// company's access to each vertical in the host's scope of the shared
// cache, and drops a company's entries when the Service changes it (see
// NewGate), so a request costs no query while nothing changed.
type Gate struct {
	svc   *Service
	cache cache.Backend
	log   hclog.Logger
}

// NewGate returns the gate of svc's companies, caching in backend, and
// registers with svc the invalidation of a changed company's entries.
func NewGate(svc *Service, backend cache.Backend, log hclog.Logger) *Gate {
	g := &Gate{svc: svc, cache: backend, log: log}
	svc.OnChange(g.invalidate)
	return g
}

// Check answers for a request to vertical: the company and its
// configuration of vertical, or a 403 company_required for a token scoped
// to no company, or a 404 vertical_not_enabled.
func (g *Gate) Check(r *http.Request, vertical string) (Access, error) {
	pr, ok := auth.FromContext(r.Context())
	if !ok || pr.CompanyID == uuid.Nil {
		return Access{}, httpx.Forbidden("company_required", "vertical routes need a token scoped to a company")
	}
	a, err := g.Access(r.Context(), pr.CompanyID, vertical)
	if err != nil {
		return Access{}, fmt.Errorf("vertical gate: %w", err)
	}
	if !a.Enabled {
		return Access{}, httpx.NotFound("vertical_not_enabled", "vertical "+vertical+" is not enabled for this company")
	}
	return a, nil
}

// Access is Service.Access, cached per company until the company changes
// (or accessTTL passes).
func (g *Gate) Access(ctx context.Context, companyID uuid.UUID, vertical string) (Access, error) {
	c, err := g.cache.For(cache.Scope{Vertical: cache.HostVertical, CompanyID: companyID})
	if err != nil {
		return Access{}, fmt.Errorf("access cache: %w", err)
	}
	data, err := c.GetOrLoad(ctx, "vertical-access:"+vertical, accessTTL, []string{"company"}, func(ctx context.Context) ([]byte, error) {
		a, err := g.svc.Access(ctx, companyID, vertical)
		if err != nil {
			return nil, err
		}
		return json.Marshal(a)
	})
	if err != nil {
		return Access{}, err
	}
	var a Access
	if err := json.Unmarshal(data, &a); err != nil {
		return Access{}, fmt.Errorf("access cache: %w", err)
	}
	return a, nil
}

// invalidate drops the cached accesses of a company after it changed.
func (g *Gate) invalidate(ctx context.Context, companyID uuid.UUID) {
	c, err := g.cache.For(cache.Scope{Vertical: cache.HostVertical, CompanyID: companyID})
	if err == nil {
		err = c.InvalidateTags(ctx, "company")
	}
	if err != nil {
		g.log.Warn("could not invalidate cached company access", "company_id", companyID, "error", err)
	}
}
