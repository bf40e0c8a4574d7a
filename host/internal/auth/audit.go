package auth

import (
	"context"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
)

// auditLogin records a login or a failed one of userID in companyID's
// audit log. A login must not fail because its record could not be
// written: the error is logged.
func (s *Service) auditLogin(ctx context.Context, companyID, userID uuid.UUID, email, action string, details map[string]any) {
	err := audit.Record(ctx, s.pool, audit.Entry{
		CompanyID: companyID,
		Action:    action,
		Target:    "user:" + userID.String(),
		Details:   details,
		Actor:     audit.Actor{Kind: audit.ActorUser, ID: userID, Label: email},
	})
	if err != nil {
		s.log.Error("audit log write failed", "action", action, "error", err)
	}
}

// auditLoginFailure records a wrong password for a known user in the
// company the attempt was for: the requested one when the user belongs to
// it, else the user's default company. A platform admin outside every
// company has no log to record it in (the host log has the attempt).
func (s *Service) auditLoginFailure(ctx context.Context, userID uuid.UUID, email string, requested uuid.NullUUID) {
	company := requested
	if company.Valid {
		if st, _, err := s.userState(ctx, s.pool, userID, company); err != nil || !st.Member {
			company = uuid.NullUUID{}
		}
	}
	if !company.Valid {
		if err := s.pool.QueryRow(ctx, qDefaultCompany, userID).Scan(&company.UUID); err != nil {
			s.log.Info("failed login of a user outside every company", "user_id", userID)
			return
		}
		company.Valid = true
	}
	s.auditLogin(ctx, company.UUID, userID, email, "auth.login_failed", map[string]any{"reason": "invalid_password"})
}
