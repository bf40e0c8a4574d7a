package fiscal

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store"
)

// CredentialStore writes and lists the companies' fiscal credentials
// (secrets.Service), never answering a value.
type CredentialStore interface {
	Put(ctx context.Context, a secrets.Address, value []byte) error
	Delete(ctx context.Context, a secrets.Address) error
	List(ctx context.Context, companyID uuid.UUID, vertical string) ([]secrets.Secret, error)
}

// Settings returns the company's fiscal settings: 404
// fiscal_settings_not_found when it has none.
func (s *Service) Settings(ctx context.Context, companyID uuid.UUID) (Settings, error) {
	st, err := s.settings(ctx, companyID)
	if err != nil {
		return Settings{}, err
	}
	if st == nil {
		return Settings{}, httpx.NotFound("fiscal_settings_not_found", "the company has no fiscal settings")
	}
	return *st, nil
}

// PutSettings validates st with the issuer of the company's country and
// stores it, recording the change (never a credential) in the audit log.
func (s *Service) PutSettings(ctx context.Context, companyID uuid.UUID, st Settings) (Settings, error) {
	c, err := s.company(ctx, companyID)
	if err != nil {
		return Settings{}, err
	}
	iss, ok := s.issuers[c.Country]
	if !ok {
		return Settings{}, errCountryUnsupported(c.Country)
	}
	switch st.Environment {
	case Homologation, Production:
	case "":
		st.Environment = Homologation
	default:
		return Settings{}, httpx.Unprocessable("invalid_field", "environment: homologation or production").
			WithDetails(map[string]any{"field": "environment", "reason": "homologation or production"})
	}
	if len(st.Config) == 0 {
		st.Config = json.RawMessage(`{}`)
	}
	if st.Config, err = iss.CheckConfig(ctx, c, st.Config); err != nil {
		return Settings{}, err
	}
	if v, ok := iss.(ConfigVerifier); ok {
		env, err := s.envOf(c, st)
		if err != nil {
			return Settings{}, err
		}
		if st.Warnings, err = v.VerifyConfig(ctx, env); err != nil {
			return Settings{}, err
		}
	}
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, qPutSettings, companyID, st.Environment, st.AutoIssue, st.Config).Scan(&st.UpdatedAt); err != nil {
			return err
		}
		var cfg map[string]any
		if err := json.Unmarshal(st.Config, &cfg); err != nil {
			return err
		}
		details := map[string]any{"environment": st.Environment, "auto_issue": st.AutoIssue, "config": cfg}
		if len(st.Warnings) > 0 {
			details["warnings"] = st.Warnings
		}
		return audit.Record(ctx, tx, audit.Entry{CompanyID: companyID, Action: "fiscal.settings_changed", Target: "fiscal_settings",
			Details: details})
	})
	if err != nil {
		return Settings{}, fmt.Errorf("store fiscal settings of %s: %w", companyID, err)
	}
	return st, nil
}

// credentialAddress is where the company's fiscal credential name lives.
func credentialAddress(companyID uuid.UUID, name string) secrets.Address {
	return secrets.Address{CompanyID: companyID, Vertical: SecretsNamespace, Name: name}
}
