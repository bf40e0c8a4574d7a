// Package mx is the fiscal core's issuer for Mexico: it turns a vertical's
// fiscal document into a CFDI 4.0 (package cfdi), seals it with the
// company's CSD, stamps it through the company's PAC (package pac, SW
// sapien), stores the stamped XML with the host's invoices so it shows in
// the invoices and the universal view like an uploaded CFDI, cancels it
// with SAT's reasons — following a cancellation that waits for the
// receiver's acceptance through SAT's status service — and renders its
// PDF (package pdf). A deferred invoice is issued PPD, and a payment
// receipt as a CFDI of type P with the Pagos 2.0 complement, from the
// installments the core computed (pago.go).
//
// Credentials (the CSD's certificate, key and password, the PAC account)
// are read from the fiscal core's secrets for each issuance and must never
// be logged or put in an error. The package keeps the state machine,
// idempotency and audit to the core; it owns only the folio counter
// (cfdi_folios) and must not read or write the core's tables.
package mx

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// Country is the ISO 3166 code of the companies the issuer serves.
const Country = "MX"

// Names of the company's fiscal credentials (PUT
// /api/v1/fiscal/credentials/{name}).
const (
	// SecretCSDCertificate is the CSD's .cer, base64 of the DER file.
	SecretCSDCertificate = "mx_csd_cer"
	// SecretCSDKey is the CSD's .key, base64 of the DER file.
	SecretCSDKey = "mx_csd_key"
	// SecretCSDPassword is the .key's password.
	SecretCSDPassword = "mx_csd_password"
	// SecretPACUser and SecretPACPassword are the SW sapien account.
	SecretPACUser     = "mx_pac_user"
	SecretPACPassword = "mx_pac_password"
)

// pacService names the PAC for the core's breakers ((company, service)),
// satStatusService SAT's CFDI status service.
const (
	pacService       = "mx_pac"
	satStatusService = "mx_sat_status"
)

// Invoices stores stamped CFDIs with the host's invoices
// (invoices.Service).
type Invoices interface {
	Ingest(ctx context.Context, companyID, actorID uuid.UUID, data []byte) (invoices.IngestResult, error)
	Cancel(ctx context.Context, companyID, actorID, id uuid.UUID, reason string) (invoices.InvoiceDetail, error)
}

// Issuer implements fiscal.Issuer for Mexico.
type Issuer struct {
	pool     *pgxpool.Pool
	invoices Invoices
	pacURL   string
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithPACURL sends every company's PAC requests to url instead of SW
// sapien's test or production environment, and the CFDI status queries to
// url + pac.StatusPath instead of SAT's service (a local fake in tests
// and development; NEXUS_CFDI_PAC_URL).
func WithPACURL(url string) Option { return func(i *Issuer) { i.pacURL = url } }

// New returns the issuer. pool is the host's (folios are read and written
// in the company's tenant transactions); inv stores the stamped CFDIs.
func New(pool *pgxpool.Pool, inv Invoices, opts ...Option) *Issuer {
	i := &Issuer{pool: pool, invoices: inv}
	for _, o := range opts {
		o(i)
	}
	return i
}

// Country implements fiscal.Issuer.
func (*Issuer) Country() string { return Country }

// Config is a Mexican company's fiscal settings ("config" of PUT
// /api/v1/fiscal/settings). The RFC is the company's registered tax id.
type Config struct {
	// Name is the issuer's name as registered with the SAT (without the
	// company type, e.g. "ESCUELA KEMPER URGATE").
	Name string `json:"name"`
	// RegimenFiscal is the issuer's c_RegimenFiscal key (601, 612, 626...).
	RegimenFiscal string `json:"regimen_fiscal"`
	// LugarExpedicion is the postal code the CFDIs are issued from.
	LugarExpedicion string `json:"lugar_expedicion"`
	// Serie of invoices (default "A") and of credit notes (default "NC").
	Serie       string `json:"serie"`
	SerieEgreso string `json:"serie_egreso"`
	// PAC is the provider: "sw" (SW sapien), the only one today.
	PAC string `json:"pac"`
	// Periodicidad of the global CFDIs of anonymous sales (c_Periodicidad,
	// default "01", daily).
	Periodicidad string `json:"periodicidad"`
	// SeriePago is the serie of payment receipts (CFDI of type P,
	// default "P").
	SeriePago string `json:"serie_pago"`
}

var (
	postalCode   = regexp.MustCompile(`^[0-9]{5}$`)
	regimenKey   = regexp.MustCompile(`^[0-9]{3}$`)
	seriePattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,25}$`)
)

// CheckConfig implements fiscal.Issuer: it validates and normalizes a
// company's Config.
func (*Issuer) CheckConfig(_ context.Context, _ fiscal.Company, raw json.RawMessage) (json.RawMessage, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fiscal.InvalidConfig("", "an object with name, regimen_fiscal, lugar_expedicion, serie, serie_egreso, pac, periodicidad, serie_pago")
	}
	c.Name = strings.TrimSpace(c.Name)
	if c.Serie == "" {
		c.Serie = "A"
	}
	if c.SerieEgreso == "" {
		c.SerieEgreso = "NC"
	}
	if c.PAC == "" {
		c.PAC = "sw"
	}
	if c.Periodicidad == "" {
		c.Periodicidad = cfdi.PeriodicidadDiaria
	}
	if c.SeriePago == "" {
		c.SeriePago = seriePagoDefault
	}
	switch {
	case c.Name == "" || len(c.Name) > 254:
		return nil, fiscal.InvalidConfig("name", "the issuer's name as registered with the SAT, 1 to 254 characters")
	case !regimenKey.MatchString(c.RegimenFiscal):
		return nil, fiscal.InvalidConfig("regimen_fiscal", "a c_RegimenFiscal key such as 601")
	case !postalCode.MatchString(c.LugarExpedicion):
		return nil, fiscal.InvalidConfig("lugar_expedicion", "a 5-digit postal code")
	case !seriePattern.MatchString(c.Serie):
		return nil, fiscal.InvalidConfig("serie", "1 to 25 letters, digits or dashes")
	case !seriePattern.MatchString(c.SerieEgreso):
		return nil, fiscal.InvalidConfig("serie_egreso", "1 to 25 letters, digits or dashes")
	case c.Serie == c.SerieEgreso:
		return nil, fiscal.InvalidConfig("serie_egreso", "differs from serie")
	case !seriePattern.MatchString(c.SeriePago) || c.SeriePago == c.Serie || c.SeriePago == c.SerieEgreso:
		return nil, fiscal.InvalidConfig("serie_pago", "1 to 25 letters, digits or dashes, other than serie and serie_egreso")
	case c.PAC != "sw":
		return nil, fiscal.InvalidConfig("pac", `"sw" (SW sapien)`)
	}
	if _, err := cfdi.PeriodOf(c.Periodicidad, time.Time{}); err != nil {
		return nil, fiscal.InvalidConfig("periodicidad", "01 daily, 02 weekly, 03 fortnightly, 04 monthly or 05 bimonthly")
	}
	return json.Marshal(c)
}

// config reads the settings CheckConfig stored.
func config(env *fiscal.Env) (Config, error) {
	var c Config
	if err := json.Unmarshal(env.Settings.Config, &c); err != nil || c.LugarExpedicion == "" {
		return Config{}, fiscal.InvalidConfig("", "the company's CFDI settings are incomplete: set them again with PUT /api/v1/fiscal/settings")
	}
	return c, nil
}

// Plan implements fiscal.Issuer: a document numbers in its serie, so the
// core serializes the serie's issuances while a folio is taken. Taxes a
// CFDI cannot carry are refused here, before anything is stored.
func (*Issuer) Plan(_ context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Plan, error) {
	c, err := config(env)
	if err != nil {
		return fiscal.Plan{}, err
	}
	if err := checkPlan(doc); err != nil {
		return fiscal.Plan{}, err
	}
	if doc.Input != nil {
		if err := checkTaxes(doc.Input); err != nil {
			return fiscal.Plan{}, err
		}
	}
	return fiscal.Plan{Series: serie(c, doc)}, nil
}

// serie is the serie doc numbers in.
func serie(c Config, doc *fiscal.Document) string {
	switch doc.Kind {
	case sdkfiscal.KindCreditNote:
		return c.SerieEgreso
	case sdkfiscal.KindPaymentReceipt:
		if c.SeriePago == "" {
			return seriePagoDefault
		}
		return c.SeriePago
	}
	return c.Serie
}

// client is the company's PAC client, through the core's breaker.
func (i *Issuer) client(ctx context.Context, env *fiscal.Env) (*pac.SW, error) {
	user, err := env.Secret(ctx, SecretPACUser)
	if err != nil {
		return nil, err
	}
	password, err := env.Secret(ctx, SecretPACPassword)
	if err != nil {
		return nil, err
	}
	url, statusURL := i.pacURL, i.pacURL+pac.StatusPath
	switch {
	case url != "":
	case env.Settings.Environment == fiscal.Production:
		url, statusURL = pac.SWProductionURL, pac.SATStatusURL
	default:
		url, statusURL = pac.SWTestURL, pac.SATStatusTestURL
	}
	return pac.NewSW(url, pac.Credentials{User: string(user), Password: string(password)}, env.Client(pacService),
		pac.WithStatusService(statusURL, env.Client(satStatusService))), nil
}
