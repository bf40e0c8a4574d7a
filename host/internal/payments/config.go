package payments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store"
)

// SecretNamespace is where the company's Mercado Pago credentials live in
// the secrets service: a name no vertical can take (vertical names have no
// underscore), so no plugin reads them.
const SecretNamespace = "host_payments"

// Names of the credentials in SecretNamespace.
const (
	SecretAccessToken   = "mercadopago_access_token"
	SecretWebhookSecret = "mercadopago_webhook_secret"
)

// Environments of a company's Mercado Pago account.
const (
	EnvTest       = "test"
	EnvProduction = "production"
)

// DefaultBaseURL is Mercado Pago's API.
const DefaultBaseURL = "https://api.mercadopago.com"

// baseURLs are the API of each environment. Mercado Pago serves both from
// one address: the access token (a TEST- one of a test user) decides.
var baseURLs = map[string]string{EnvTest: DefaultBaseURL, EnvProduction: DefaultBaseURL}

// CompanyConfig is a company's Mercado Pago setup; the credentials are in
// the secrets service, and only whether they are set shows here.
type CompanyConfig struct {
	Environment     string    `json:"environment"`
	CardEnabled     bool      `json:"card_enabled"`
	QREnabled       bool      `json:"qr_enabled"`
	QRUserID        string    `json:"qr_user_id"`
	QRExternalPOSID string    `json:"qr_external_pos_id"`
	AccessTokenSet  bool      `json:"access_token_set"`
	WebhookSecret   bool      `json:"webhook_secret_set"`
	UpdatedAt       time.Time `json:"updated_at"`
	// Breaker is the state of the company's circuit breaker on Mercado
	// Pago in this host: closed, open (calls refused at once) or
	// half_open.
	Breaker string `json:"breaker"`
}

// ConfigInput is a company's new setup; a nil credential keeps the one
// stored.
type ConfigInput struct {
	Environment     string  `json:"environment"`
	CardEnabled     bool    `json:"card_enabled"`
	QREnabled       bool    `json:"qr_enabled"`
	QRUserID        string  `json:"qr_user_id"`
	QRExternalPOSID string  `json:"qr_external_pos_id"`
	AccessToken     *string `json:"access_token"`
	WebhookSecret   *string `json:"webhook_secret"`
}

// SecretStore is the secrets service as payments uses it: PutTx writes a
// credential in the caller's tenant transaction, so that it lands with the
// setup that carries it.
type SecretStore interface {
	Get(ctx context.Context, a secrets.Address) ([]byte, error)
	PutTx(ctx context.Context, tx pgx.Tx, a secrets.Address, value []byte) error
}

func (in ConfigInput) check() error {
	if in.Environment != EnvTest && in.Environment != EnvProduction {
		return errInvalid("environment", "environment must be test or production")
	}
	if in.QREnabled && (in.QRUserID == "" || in.QRExternalPOSID == "") {
		return errInvalid("qr_user_id", "the QR method needs qr_user_id and qr_external_pos_id")
	}
	if len(in.QRUserID) > 64 || len(in.QRExternalPOSID) > 64 {
		return errInvalid("qr_user_id", "qr_user_id and qr_external_pos_id are at most 64 characters")
	}
	for field, v := range map[string]*string{"access_token": in.AccessToken, "webhook_secret": in.WebhookSecret} {
		if v != nil && (len(*v) == 0 || len(*v) > 1024) {
			return errInvalid(field, "%s must be 1 to 1024 characters", field)
		}
	}
	return nil
}

// PutConfig stores a company's setup and the credentials it carries, in
// the company's audit log (without the credentials), in one transaction:
// if any of it fails, the stored credentials and setup stand.
func (s *Service) PutConfig(ctx context.Context, companyID uuid.UUID, in ConfigInput) (CompanyConfig, error) {
	if err := in.check(); err != nil {
		return CompanyConfig{}, err
	}
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		for name, v := range map[string]*string{SecretAccessToken: in.AccessToken, SecretWebhookSecret: in.WebhookSecret} {
			if v == nil {
				continue
			}
			if err := s.secrets.PutTx(ctx, tx, secretAddress(companyID, name), []byte(*v)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, qPutConfig, companyID, in.Environment, in.CardEnabled, in.QREnabled, in.QRUserID, in.QRExternalPOSID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{CompanyID: companyID, Action: "payment.config_changed", Target: "payments:mercadopago",
			Details: map[string]any{"environment": in.Environment, "card_enabled": in.CardEnabled, "qr_enabled": in.QREnabled,
				"access_token_changed": in.AccessToken != nil, "webhook_secret_changed": in.WebhookSecret != nil}})
	})
	if err != nil {
		return CompanyConfig{}, fmt.Errorf("payments config: %w", err)
	}
	return s.Config(ctx, companyID)
}

// Config returns a company's setup (errNotConfigured when it has none).
func (s *Service) Config(ctx context.Context, companyID uuid.UUID) (CompanyConfig, error) {
	c, err := s.config(ctx, companyID)
	if err != nil {
		return c, err
	}
	c.Breaker = s.outbound.State(companyID.String(), ServiceName)
	for name, set := range map[string]*bool{SecretAccessToken: &c.AccessTokenSet, SecretWebhookSecret: &c.WebhookSecret} {
		_, err := s.secrets.Get(ctx, secretAddress(companyID, name))
		switch {
		case err == nil:
			*set = true
		case !errors.Is(err, secrets.ErrNotFound):
			return c, fmt.Errorf("payments config: %w", err)
		}
	}
	return c, nil
}

// config reads a company's row.
func (s *Service) config(ctx context.Context, companyID uuid.UUID) (CompanyConfig, error) {
	var c CompanyConfig
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, qGetConfig, companyID).Scan(&c.Environment, &c.CardEnabled, &c.QREnabled, &c.QRUserID, &c.QRExternalPOSID, &c.UpdatedAt)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errNotConfigured()
	}
	if err != nil {
		return c, fmt.Errorf("payments config of %s: %w", companyID, err)
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, nil
}

// secret reads one of the company's credentials.
func (s *Service) secret(ctx context.Context, companyID uuid.UUID, name string) (string, error) {
	v, err := s.secrets.Get(ctx, secretAddress(companyID, name))
	if errors.Is(err, secrets.ErrNotFound) {
		return "", errCredentialMissing(name)
	}
	if err != nil {
		return "", fmt.Errorf("payments: read %s: %w", name, err)
	}
	return string(v), nil
}

func secretAddress(companyID uuid.UUID, name string) secrets.Address {
	return secrets.Address{CompanyID: companyID, Vertical: SecretNamespace, Name: name}
}

// client returns the Mercado Pago client of a company, with its token.
func (s *Service) client(ctx context.Context, companyID uuid.UUID, c CompanyConfig) (*mpClient, error) {
	token, err := s.secret(ctx, companyID, SecretAccessToken)
	if err != nil {
		return nil, err
	}
	return &mpClient{base: s.baseURL(c.Environment), token: token, http: s.outbound.Client(companyID.String(), ServiceName)}, nil
}

// baseURL is the API's address for env: the configured override, or
// Mercado Pago's.
func (s *Service) baseURL(env string) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	return baseURLs[env]
}
