package banking

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// recordMatch appends a manual match, or its undoing, to the company's
// audit log, with the request's actor and origin. The match stands whether
// or not its record could be written: a failure is logged.
func (s *Service) recordMatch(r *http.Request, companyID uuid.UUID, action string, m Match) {
	e := audit.Entry{CompanyID: companyID, Action: action, Target: "bank_match:" + m.ID.String(),
		Details: map[string]any{"movement_id": m.MovementID, "target": m.Target, "invoice_ids": m.InvoiceIDs}}
	if err := audit.Record(r.Context(), s.pool, e); err != nil {
		httpx.Logger(r.Context()).Error("audit log write failed", "action", action, "error", err)
	}
}
