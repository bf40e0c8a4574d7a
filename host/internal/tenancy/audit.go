package tenancy

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// record appends an entry for a change this package just committed to
// companyID's audit log, with the request's actor and origin. The change
// stands whether or not its record could be written: a failure is logged.
func (s *Service) record(r *http.Request, companyID uuid.UUID, action, target string, details map[string]any) {
	s.recordAs(r, audit.ActorFrom(r.Context()), companyID, action, target, details)
}

// recordAs is record with an explicit actor (an invitee who has no token
// yet).
func (s *Service) recordAs(r *http.Request, actor audit.Actor, companyID uuid.UUID, action, target string, details map[string]any) {
	e := audit.Entry{CompanyID: companyID, Action: action, Target: target, Details: details, Actor: actor}
	if err := audit.Record(r.Context(), s.pool, e); err != nil {
		httpx.Logger(r.Context()).Error("audit log write failed", "action", action, "error", err)
	}
}
