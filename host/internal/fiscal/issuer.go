package fiscal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Issuer issues the legal documents of one country: one implementation
// per country (package afip for AR, package cfdi for MX), chosen by the
// company's country. The core calls it with a document it has stored and
// validated (sdk/fiscal.Input.Validate: the amounts add up), and keeps the
// state machine, the numbering lock, the audit log and idempotency: an
// Issuer only talks to its authority and says what happened.
//
// The core calls, for one issuance:
//
//	Plan → (lock the series) → Status of every unresolved attempt of the
//	series → Issue → (on an unknown outcome) Status → ...
//
// Every method gets an *Env: the company, its settings (Settings.Config is
// what CheckConfig returned), its credentials (Env.Secret), HTTP clients
// with retries and a breaker per (company, service) (Env.Client), the
// host's cache for the company (Env.Cache: tokens shared across replicas)
// and Env.Attempt, which records what is about to be sent.
//
// Errors: return an *httpx.Error for what the caller can act on (a
// missing credential or setting: 422; Unavailable for an authority that
// cannot be reached or whose breaker is open: 503
// fiscal_service_unavailable, at once). Any other error is a 500 and is
// logged: it must never contain a credential. An authority's refusal of
// the document itself is not an error but an Outcome with Result
// Rejected and the authority's Messages.
type Issuer interface {
	// Country is the ISO 3166 code of the companies the issuer serves
	// ("AR", "MX").
	Country() string

	// CheckConfig validates a company's country settings (the "config"
	// object of PUT /api/v1/fiscal/settings) and returns them normalized.
	// A bad value is a 422 invalid_field naming it as config.<field>.
	CheckConfig(ctx context.Context, c Company, config json.RawMessage) (json.RawMessage, error)

	// Plan says how doc will be numbered, and checks that doc has what
	// the authority needs (a 422 invalid_field naming the input, such as
	// customer.tax_id): the core calls it before it stores anything, and
	// again before each issuance. Plan.Series non-empty makes the core
	// serialize every issuance of that series (one at a time across
	// replicas, under a database lock held until Issue and Status return)
	// and resolve the series' unknown outcomes before Issue runs. Plan
	// must not call the authority.
	Plan(ctx context.Context, env *Env, doc *Document) (Plan, error)

	// Issue sends doc to the authority. Before sending a request that may
	// create a legal document it must call env.Attempt with what it sends
	// (series, number, the facts Status needs to recognise it): the core
	// stores it, and the document becomes requested. It returns:
	//   - Authorized with the number and the authority's code (CAE, UUID);
	//   - Rejected with the authority's Messages (codes kept as sent);
	//   - Unknown when the request was sent and no answer came (timeout,
	//     a connection cut, a 5xx after sending): the core then calls
	//     Status, never Issue, until the outcome is known;
	//   - an error when nothing was sent, such as an open breaker: the
	//     document stays as it was and may be issued again. An error
	//     after Attempt is taken for an unknown outcome, unless it wraps
	//     outbound.ErrCircuitOpen or ErrRateLimited (the request was
	//     refused before it left: the attempt is forgotten).
	// doc.Related is set for a credit note (the invoice it reverses).
	Issue(ctx context.Context, env *Env, doc *Document) (Outcome, error)

	// Status asks the authority what became of doc.Attempt (set), after an
	// unknown outcome: Authorized or Rejected when the authority has it,
	// NotIssued when it has no record (nothing was issued: the core may
	// send it again), Unknown or an error when it cannot tell now. It must
	// check that what the authority has is what the attempt sent.
	Status(ctx context.Context, env *Env, doc *Document) (Outcome, error)

	// Cancel asks the authority to cancel an authorized doc with reason
	// (MX: SAT's reasons 01 to 04; a country without cancellation answers
	// a 422 saying to issue a credit note). It returns CancelDone once the
	// authority cancelled it, CancelPending when the authority has the
	// request and waits for the receiver (the issuer is then a
	// CancellationChecker, which the core's job asks later), or an error
	// when nothing was cancelled (a refusal the caller can act on is an
	// *httpx.Error).
	Cancel(ctx context.Context, env *Env, doc *Document, reason string) (CancelOutcome, error)

	// Printable renders an authorized doc for printing (AR: the receipt
	// with AFIP's QR; MX: the PDF with SAT's verification QR).
	Printable(ctx context.Context, env *Env, doc *Document) (Printable, error)
}

// Company is what an issuer knows of the issuing company.
type Company struct {
	ID      uuid.UUID
	Name    string
	Country string
	// TaxID is the normalized CUIT (AR) or RFC (MX) the company registered
	// with.
	TaxID string
	// Location is the company's time zone: documents are dated in it.
	Location *time.Location
}

// Environment selects the authority's endpoints.
type Environment string

// Environments.
const (
	Homologation Environment = "homologation"
	Production   Environment = "production"
)

// Settings are a company's fiscal settings.
type Settings struct {
	Environment Environment `json:"environment"`
	// AutoIssue says every sale needs a fiscal document: verticals issue
	// one for each sale without being asked (sdk.FiscalSettings).
	AutoIssue bool `json:"auto_issue"`
	// Config holds the country's settings, as the issuer's CheckConfig
	// returned them.
	Config    json.RawMessage `json:"config"`
	UpdatedAt time.Time       `json:"updated_at"`
	// Warnings, answered by PUT /settings only, say what could not be
	// checked with the authority (ConfigVerifier).
	Warnings []Warning `json:"warnings,omitempty"`
}

// Plan is how a document will be numbered.
type Plan struct {
	// Series names the sequence the document's number belongs to, unique
	// within the company (AR: "<CUIT>-<point of sale>-<receipt type>");
	// empty when numbering needs no lock.
	Series string
}

// Attempt is one request sent to the authority, recorded before it is
// sent.
type Attempt struct {
	Series string `json:"series"`
	Number int64  `json:"number"`
	// Reference is the provider's handle of the request, if it has one.
	Reference string `json:"reference,omitempty"`
	// Facts are what Status compares with the authority's record (date,
	// total, receiver...).
	Facts  map[string]any `json:"facts,omitempty"`
	SentAt time.Time      `json:"sent_at"`
}

// Result is what became of a request.
type Result string

// Results.
const (
	Authorized Result = "authorized"
	Rejected   Result = "rejected"
	// NotIssued means the authority has no record of the attempt.
	NotIssued Result = "not_issued"
	// Unknown means no answer came.
	Unknown Result = "unknown"
)

// Outcome is an issuer's answer.
type Outcome struct {
	Result Result
	// Series and Number are the authorized number (Authorized only).
	Series string
	Number int64
	// AuthorizationCode is the CAE or the UUID; AuthorizationExpires the
	// CAE's due date (YYYY-MM-DD, AR only).
	AuthorizationCode    string
	AuthorizationExpires string
	// LegalDocument is the authority's document, if it has one (the
	// stamped CFDI XML).
	LegalDocument []byte
	// Details are facts shown with the document (receipt type, point of
	// sale, QR URL...).
	Details  map[string]any
	Messages []fiscal.Message
}

// Printable is a document rendered for printing.
type Printable struct {
	ContentType string
	Filename    string
	Body        []byte
}

// Document is a stored fiscal document as an issuer sees it: the public
// document, with the vertical's Input always set.
type Document struct {
	fiscal.Document
	// Attempt is the request whose outcome is unknown (nil otherwise).
	Attempt *Attempt `json:"-"`
	// LegalDocument is the authority's document (stamped XML), if any.
	LegalDocument []byte `json:"-"`
	// Related is the invoice a credit note reverses (nil for invoices).
	Related *Document `json:"-"`
	// Paid are, for a payment receipt, the invoices it pays: at the Plan
	// before it is stored the invoices alone, at Issue with their
	// installment and balances, computed by the core; nil at other Plans.
	Paid []PaidInvoice `json:"-"`
	// Global marks a global document the host made of held documents
	// (GlobalIssuer); GlobalID is, on a held document, the global it was
	// put in.
	Global   bool       `json:"-"`
	GlobalID *uuid.UUID `json:"-"`

	companyID uuid.UUID
}

// SecretsNamespace is the secrets service's namespace of the companies'
// fiscal credentials: a name no vertical can take (vertical names have no
// underscore), so no plugin reads them.
const SecretsNamespace = "host_fiscal"

// SecretReader reads a company's secret (secrets.Service).
type SecretReader interface {
	Get(ctx context.Context, a secrets.Address) ([]byte, error)
}

// Env is what an issuer may use for one company.
type Env struct {
	Company  Company
	Settings Settings

	log      hclog.Logger
	secrets  SecretReader
	outbound *outbound.Pool
	cache    cache.Cache
	attempt  func(ctx context.Context, a Attempt) error
}

// Secret returns the company's fiscal credential name (a certificate, a
// key, a password), or a 422 fiscal_credentials_missing naming it. The
// value must never be logged or put in an error.
func (e *Env) Secret(ctx context.Context, name string) ([]byte, error) {
	v, err := e.secrets.Get(ctx, secrets.Address{CompanyID: e.Company.ID, Vertical: SecretsNamespace, Name: name})
	if errors.Is(err, secrets.ErrNotFound) {
		return nil, errCredentialMissing(name)
	}
	if err != nil {
		return nil, fmt.Errorf("fiscal credential %s: %w", name, err)
	}
	return v, nil
}

// Client returns the HTTP client of service (such as "afip_wsfe") for the
// company: retries for idempotent requests, a breaker per (company,
// service) — a call it refuses wraps outbound.ErrCircuitOpen, which
// Unavailable turns into a 503.
func (e *Env) Client(service string) *outbound.Client {
	return e.outbound.Client(e.Company.ID.String(), service)
}

// Cache is the host's cache for the company, shared by every replica.
func (e *Env) Cache() cache.Cache { return e.cache }

// Log is the fiscal service's logger. Never log a credential, a token or
// a request body.
func (e *Env) Log() hclog.Logger { return e.log }

// Attempt records a, which is about to be sent: the document becomes
// requested. An issuer calls it before every request that may create a
// legal document, and sends nothing if it fails.
func (e *Env) Attempt(ctx context.Context, a Attempt) error {
	if e.attempt == nil {
		return errors.New("fiscal: Attempt outside an issuance")
	}
	return e.attempt(ctx, a)
}
