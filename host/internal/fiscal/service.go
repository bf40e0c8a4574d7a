package fiscal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Config configures a Service.
type Config struct {
	Pool *pgxpool.Pool
	// Secrets reads the companies' fiscal credentials (namespace
	// SecretsNamespace); Credentials, when set, writes them for the
	// credentials routes.
	Secrets     SecretReader
	Credentials CredentialStore
	// Cache is the host's cache backend (tokens shared across replicas);
	// nil gives an in-process one.
	Cache cache.Backend
	// Outbound holds the breakers of every (company, service); nil makes
	// one with the defaults.
	Outbound *outbound.Pool
	// Issuers are the countries' issuers; a company whose country has none
	// gets 422 fiscal_country_unsupported.
	Issuers []Issuer
	Logger  hclog.Logger
	// Now is the clock of the cancellations' checks (time.Now when nil).
	Now func() time.Time
	// GlobalMaxMembers bounds the members of one global document
	// (DefaultGlobalMaxMembers when zero).
	GlobalMaxMembers int
}

// Service issues and stores fiscal documents.
type Service struct {
	pool        *pgxpool.Pool
	secrets     SecretReader
	credentials CredentialStore
	cache       cache.Backend
	outbound    *outbound.Pool
	issuers     map[string]Issuer
	log         hclog.Logger
	now         func() time.Time
	// gate bounds concurrent issuances (see gate).
	gate *gate
	// globalMax bounds the members of a global document.
	globalMax int
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{pool: cfg.Pool, secrets: cfg.Secrets, credentials: cfg.Credentials, cache: cfg.Cache,
		outbound: cfg.Outbound, issuers: map[string]Issuer{}, log: cfg.Logger, now: cfg.Now,
		gate: newGate(cfg.Pool.Config().MaxConns), globalMax: cfg.GlobalMaxMembers}
	if s.globalMax <= 0 {
		s.globalMax = DefaultGlobalMaxMembers
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.cache == nil {
		s.cache = cache.NewMemory(0, s.log.Named("cache"))
	}
	if s.outbound == nil {
		s.outbound = outbound.NewPool(outbound.Config{Logger: s.log.Named("outbound")})
	}
	for _, iss := range cfg.Issuers {
		s.issuers[iss.Country()] = iss
	}
	return s
}

// Outbound is the pool of the service's breakers (for health views).
func (s *Service) Outbound() *outbound.Pool { return s.outbound }

// env prepares what an issuer needs for company companyID.
func (s *Service) env(ctx context.Context, companyID uuid.UUID) (*Env, Issuer, error) {
	c, err := s.company(ctx, companyID)
	if err != nil {
		return nil, nil, err
	}
	iss, ok := s.issuers[c.Country]
	if !ok {
		return nil, nil, errCountryUnsupported(c.Country)
	}
	st, err := s.settings(ctx, companyID)
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		return nil, nil, errNotConfigured()
	}
	env, err := s.envOf(c, *st)
	if err != nil {
		return nil, nil, err
	}
	return env, iss, nil
}

// envOf is what an issuer needs for company c with settings st.
func (s *Service) envOf(c Company, st Settings) (*Env, error) {
	ch, err := s.cache.For(cache.Scope{Vertical: cache.HostVertical, CompanyID: c.ID})
	if err != nil {
		return nil, err
	}
	return &Env{Company: c, Settings: st, log: s.log, secrets: s.secrets, outbound: s.outbound, cache: ch}, nil
}

// Issue stores in as vertical's document for the company and issues it,
// or answers the document the same (vertical, source, kind) has: an
// authorized, rejected, cancelled or held one as it is, a draft or
// requested one after issuing it again (resolving an unknown outcome
// first). A document the country's issuer takes in a global document
// (GlobalIssuer: Mexico's sales to the public in general), and a credit
// note of one, is held (StatusPendingGlobal) and sent nothing. A rejected
// document is returned with its messages, not as an error. A held sale in
// no global yet asked for again with a named customer leaves the holding
// and is issued as that customer's invoice (same document). The context's
// actor and origin (audit.WithActor, audit.WithOrigin) are recorded with
// each transition.
func (s *Service) Issue(ctx context.Context, companyID uuid.UUID, vertical string, in fiscal.Input) (*Document, error) {
	if err := in.Validate(); err != nil {
		var fe *fiscal.FieldError
		if errors.As(err, &fe) {
			return nil, errInvalidInput(fe)
		}
		return nil, err
	}
	if strings.HasPrefix(in.SourceID, GlobalSourcePrefix) {
		return nil, errInvalidInput(&fiscal.FieldError{Field: "source_id", Reason: "the prefix " + GlobalSourcePrefix + " is the host's, for global documents"})
	}
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return nil, err
	}
	sent := in
	if in.Date == "" {
		in.Date = time.Now().In(env.Company.Location).Format(time.DateOnly)
	}
	var paid []PaidInvoice
	if in.Kind == fiscal.KindPaymentReceipt {
		if paid, err = s.paidInvoices(ctx, companyID, vertical, &in); err != nil {
			return nil, err
		}
	}
	var related *Document
	if in.RelatedDocumentID != nil {
		if related, err = s.related(ctx, companyID, vertical, *in.RelatedDocumentID); err != nil {
			return nil, err
		}
	}
	// The issuer checks what its authority needs before anything is stored.
	draft := &Document{Document: fiscal.Document{Vertical: vertical, SourceID: in.SourceID, Kind: in.Kind, Country: env.Company.Country,
		Currency: in.Currency, Total: money.AmountOf(documentTotal(in)), RelatedID: in.RelatedDocumentID, Input: &in}, Related: related, Paid: paid, companyID: companyID}
	if _, err := iss.Plan(ctx, env, draft); err != nil {
		return nil, err
	}
	doc, _, err := s.draft(ctx, s.pool, env.Company, vertical, in, sent)
	var he *httpx.Error
	if errors.As(err, &he) && he.Code == codeConflict {
		doc, err = s.nominate(ctx, env, iss, draft, in, sent, err)
	}
	if err != nil {
		return nil, err
	}
	doc.Related = related
	if doc.Status == fiscal.StatusDraft {
		hold, err := held(env, iss, doc)
		if err != nil {
			return nil, err
		}
		if hold {
			return s.hold(ctx, doc)
		}
	}
	if issuable(doc) {
		return s.issue(ctx, env, iss, doc)
	}
	return doc, nil
}

// related checks that a credit note's related document is an authorized
// (or held) invoice of the company and of vertical: like Get, a vertical
// reaches its own documents only.
func (s *Service) related(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID) (*Document, error) {
	doc, err := s.load(ctx, s.pool, companyID, id)
	var he *httpx.Error
	if errors.As(err, &he) && he.Code == "fiscal_document_not_found" || err == nil && doc.Vertical != vertical {
		return nil, errRelated("no such fiscal document")
	}
	if err != nil {
		return nil, err
	}
	if doc.Kind != fiscal.KindInvoice || doc.Status != fiscal.StatusAuthorized && doc.Status != fiscal.StatusPendingGlobal {
		return nil, errRelated("a credit note reverses an authorized invoice")
	}
	return doc, nil
}

// issue runs one issuance of doc on a connection of its own, holding the
// lock of its series when the issuer numbers in one.
func (s *Service) issue(ctx context.Context, env *Env, iss Issuer, doc *Document) (*Document, error) {
	plan, err := iss.Plan(ctx, env, doc)
	if err != nil {
		return nil, err
	}
	key := ""
	if plan.Series != "" {
		key = env.Company.ID.String() + ":" + plan.Series
	}
	leave, err := s.gate.enter(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("fiscal issuance: %w", err)
	}
	defer leave()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("fiscal issuance: %w", err)
	}
	defer conn.Release()
	if plan.Series != "" {
		unlock, err := lockSeries(ctx, conn, env.Company.ID, plan.Series)
		if err != nil {
			return nil, err
		}
		defer unlock()
		if err := s.resolvePending(ctx, conn, env, iss, plan.Series); err != nil {
			return nil, err
		}
		related := doc.Related
		if doc, err = s.load(ctx, conn, env.Company.ID, doc.ID); err != nil {
			return nil, err
		}
		doc.Related = related
	} else if doc.Attempt != nil {
		if known, err := s.resolve(ctx, conn, env, iss, doc); err != nil || !known {
			return nil, cmpErr(err, errOutcomeUnknown(doc))
		}
	}
	if !issuable(doc) {
		return doc, nil
	}
	if doc.Kind == fiscal.KindPaymentReceipt {
		if doc.Paid, err = s.installments(ctx, conn, doc); err != nil {
			return nil, err
		}
	}
	env.attempt = func(ctx context.Context, a Attempt) error { return s.requested(ctx, conn, doc, a) }
	defer func() { env.attempt = nil }()
	// A request the authority turns out not to have is sent once more.
	for range 2 {
		out, err := iss.Issue(ctx, env, doc)
		if err != nil && doc.Attempt == nil {
			return nil, err
		}
		if err != nil && notSent(err) {
			if nerr := s.notIssued(ctx, conn, doc); nerr != nil {
				return nil, nerr
			}
			return nil, err
		}
		if err != nil {
			s.log.Warn("fiscal request without an answer; asking the authority", "company_id", env.Company.ID, "document_id", doc.ID, "error", err)
			out = Outcome{Result: Unknown}
		}
		if out.Result == Unknown {
			if out, err = iss.Status(ctx, env, doc); err != nil || out.Result == Unknown {
				s.log.Warn("fiscal status unknown", "company_id", env.Company.ID, "document_id", doc.ID, "error", err)
				return nil, errOutcomeUnknown(doc)
			}
		}
		if out.Result == NotIssued {
			if err := s.notIssued(ctx, conn, doc); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.settle(ctx, conn, doc, out); err != nil {
			return nil, err
		}
		return doc, nil
	}
	return nil, Unavailable(env.Company.Country, errors.New("the authority recorded none of two requests"))
}

// notSent reports whether err says a request was never sent: the
// outbound client refused it (open breaker, rate-limit pause).
func notSent(err error) bool {
	return errors.Is(err, outbound.ErrCircuitOpen) || errors.Is(err, outbound.ErrRateLimited)
}

// cmpErr returns err when set, otherwise def.
func cmpErr(err error, def error) error {
	if err != nil {
		return err
	}
	return def
}

// lockSeries takes the advisory lock of a company's series on conn.
func lockSeries(ctx context.Context, conn *pgxpool.Conn, companyID uuid.UUID, series string) (func(), error) {
	return lockKey(ctx, conn, "fiscal:"+companyID.String()+":"+series)
}

// lockKey takes the advisory lock key on conn; the returned func releases
// it (closing the connection if the unlock fails, which releases it too).
func lockKey(ctx context.Context, conn *pgxpool.Conn, key string) (func(), error) {
	if _, err := conn.Exec(ctx, qLockSeries, key); err != nil {
		return nil, fmt.Errorf("fiscal lock %s: %w", key, err)
	}
	return func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, qUnlockSeries, key); err != nil {
			_ = conn.Conn().Close(uctx)
		}
	}, nil
}

// resolvePending asks the authority about every document of the series
// whose outcome is unknown; one it still cannot tell stops the issuance,
// since numbering on would skip or repeat a number.
func (s *Service) resolvePending(ctx context.Context, conn *pgxpool.Conn, env *Env, iss Issuer, series string) error {
	var ids []uuid.UUID
	err := store.TenantTx(ctx, conn, env.Company.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qPending, env.Company.ID, series)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		return fmt.Errorf("pending fiscal documents of %s: %w", series, err)
	}
	for _, id := range ids {
		doc, err := s.load(ctx, conn, env.Company.ID, id)
		if err != nil {
			return err
		}
		if doc.RelatedID != nil {
			if doc.Related, err = s.load(ctx, conn, env.Company.ID, *doc.RelatedID); err != nil {
				return err
			}
		}
		known, err := s.resolve(ctx, conn, env, iss, doc)
		if err != nil {
			return err
		}
		if !known {
			return errOutcomeUnknown(doc)
		}
	}
	return nil
}

// resolve asks the authority about doc's attempt and records the answer;
// known is false when it cannot tell now.
func (s *Service) resolve(ctx context.Context, conn *pgxpool.Conn, env *Env, iss Issuer, doc *Document) (bool, error) {
	out, err := iss.Status(ctx, env, doc)
	if err != nil {
		s.log.Warn("fiscal status unknown", "company_id", env.Company.ID, "document_id", doc.ID, "error", err)
		return false, nil
	}
	switch out.Result {
	case NotIssued:
		return true, s.notIssued(ctx, conn, doc)
	case Authorized, Rejected:
		return true, s.settle(ctx, conn, doc, out)
	default:
		return false, nil
	}
}

// requested records the attempt about to be sent: doc becomes requested.
func (s *Service) requested(ctx context.Context, conn *pgxpool.Conn, doc *Document, a Attempt) error {
	if a.SentAt.IsZero() {
		a.SentAt = time.Now().UTC()
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("fiscal attempt: %w", err)
	}
	return s.transition(ctx, conn, doc, fiscal.StatusRequested, []fiscal.Status{fiscal.StatusDraft, fiscal.StatusRequested, fiscal.StatusPendingGlobal},
		"fiscal.document.requested", map[string]any{"series": a.Series, "number": a.Number},
		func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, qRequested, doc.companyID, doc.ID, nullable(a.Series), body, doc.UpdatedAt)
			if err == nil && tag.RowsAffected() == 0 {
				return errConflict(doc)
			}
			return err
		})
}

// notIssued forgets an attempt the authority has no record of: doc stays
// requested, to be sent again.
func (s *Service) notIssued(ctx context.Context, conn *pgxpool.Conn, doc *Document) error {
	return s.transition(ctx, conn, doc, fiscal.StatusRequested, []fiscal.Status{fiscal.StatusRequested},
		"fiscal.document.not_issued", nil, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, qNotIssued, doc.companyID, doc.ID)
			return err
		})
}

// settle records an authorized or rejected outcome.
func (s *Service) settle(ctx context.Context, conn *pgxpool.Conn, doc *Document, out Outcome) error {
	if out.Result == Authorized && doc.Kind == fiscal.KindPaymentReceipt {
		var err error
		if out.Details, err = s.withInstallments(ctx, conn, doc, out.Details); err != nil {
			return err
		}
	}
	details, err := json.Marshal(nonNil(out.Details))
	if err != nil {
		return fmt.Errorf("fiscal outcome details: %w", err)
	}
	msgs := out.Messages
	if msgs == nil {
		msgs = []fiscal.Message{}
	}
	messages, err := json.Marshal(msgs)
	if err != nil {
		return fmt.Errorf("fiscal outcome messages: %w", err)
	}
	from := []fiscal.Status{fiscal.StatusRequested}
	switch out.Result {
	case Authorized:
		if out.AuthorizationCode == "" {
			return errors.New("fiscal: an authorized outcome without an authorization code")
		}
		return s.transition(ctx, conn, doc, fiscal.StatusAuthorized, from, "fiscal.document.authorized",
			map[string]any{"authorization_code": out.AuthorizationCode, "messages": codes(msgs)},
			func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, qAuthorized, doc.companyID, doc.ID, out.Series, out.Number, out.AuthorizationCode,
					nullable(out.AuthorizationExpires), out.LegalDocument, details, messages)
				if err != nil || !doc.Global {
					return err
				}
				return s.membersAuthorized(ctx, tx, doc, out.AuthorizationCode)
			})
	case Rejected:
		return s.transition(ctx, conn, doc, fiscal.StatusRejected, from, "fiscal.document.rejected",
			map[string]any{"messages": codes(msgs)},
			func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, qRejected, doc.companyID, doc.ID, details, messages)
				return err
			})
	default:
		return fmt.Errorf("fiscal: cannot settle an outcome %q", out.Result)
	}
}

// codes are the authority's codes of msgs, for the audit log.
func codes(msgs []fiscal.Message) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m.Type+":"+m.Code)
	}
	return out
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Get returns the company's document id; vertical, when set, must be the
// document's (a vertical reads its own documents only).
func (s *Service) Get(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID) (*Document, error) {
	doc, err := s.load(ctx, s.pool, companyID, id)
	if err != nil {
		return nil, err
	}
	if vertical != "" && doc.Vertical != vertical {
		return nil, errDocumentNotFound()
	}
	return doc, nil
}

// Printable renders the company's authorized (or cancelled) document id.
func (s *Service) Printable(ctx context.Context, companyID uuid.UUID, id uuid.UUID) (Printable, error) {
	doc, err := s.Get(ctx, companyID, "", id)
	if err != nil {
		return Printable{}, err
	}
	if doc.GlobalID != nil && doc.Status == fiscal.StatusAuthorized {
		return Printable{}, errInGlobal(doc, "print the global document")
	}
	if doc.Status != fiscal.StatusAuthorized && doc.Status != fiscal.StatusCancelled {
		return Printable{}, httpx.Conflict("fiscal_document_not_authorized", "only an authorized document has a printable form").
			WithDetails(map[string]any{"id": doc.ID.String(), "status": string(doc.Status)})
	}
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return Printable{}, err
	}
	if doc.RelatedID != nil {
		if doc.Related, err = s.load(ctx, s.pool, companyID, *doc.RelatedID); err != nil {
			return Printable{}, err
		}
	}
	return iss.Printable(ctx, env, doc)
}

// GetBySource returns vertical's document of the company for (kind,
// source).
func (s *Service) GetBySource(ctx context.Context, companyID uuid.UUID, vertical string, kind fiscal.Kind, sourceID string) (*Document, error) {
	var doc *Document
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var hash []byte
		d, err := scanDocument(prefixed{tx.QueryRow(ctx, qBySource, companyID, vertical, sourceID, kind), &hash})
		doc = d
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errDocumentNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read fiscal document %s/%s: %w", vertical, sourceID, err)
	}
	return doc, nil
}

// Overview is what a vertical learns of a company's fiscal settings.
type Overview struct {
	Configured  bool
	Country     string
	Environment Environment
	AutoIssue   bool
}

// Overview tells a vertical whether the company issues fiscal documents
// (settings stored and an issuer for its country) and whether every sale
// needs one.
func (s *Service) Overview(ctx context.Context, companyID uuid.UUID) (Overview, error) {
	c, err := s.company(ctx, companyID)
	if err != nil {
		return Overview{}, err
	}
	st, err := s.settings(ctx, companyID)
	if err != nil {
		return Overview{}, err
	}
	o := Overview{Country: c.Country}
	if _, ok := s.issuers[c.Country]; ok && st != nil {
		o.Configured, o.Environment, o.AutoIssue = true, st.Environment, st.AutoIssue
	}
	return o, nil
}
