package sdktest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
)

// The harness stands in for the host's fiscal documents service
// (sdk.Context.Fiscal) with an in-memory one that behaves as the host does
// towards a vertical — the same validation of the input, idempotency per
// (company, source, kind), credit notes only for the company's authorized
// invoices, the same errors — but asks no authority: by default it
// authorizes every valid document with the next number of its kind and a
// made-up 14-digit code (the host's own tests run the real issuers
// against fakes of AFIP and the PAC). SetFiscalOutcome makes it reject
// documents, answer as an unreachable authority does, or hold invoices
// for a global document as the host does a Mexican sale to the public in
// general (AuthorizeHeld then authorizes them as its job does).
// SetFiscalCancellation makes a cancellation wait for the receiver's
// acceptance, as Mexico's does (fiscal_cancel.go). Payment
// receipts are checked and their installments computed as the host does
// (fiscal_receipts.go).

// FiscalOutcome is what the harness's fiscal service does with the next
// documents.
type FiscalOutcome string

// Fiscal outcomes.
const (
	// FiscalAuthorize authorizes every valid document (the default).
	FiscalAuthorize FiscalOutcome = "authorize"
	// FiscalReject stores documents as rejected, with one error message
	// (code 10016, as AFIP's), answered as the host answers a rejection.
	FiscalReject FiscalOutcome = "reject"
	// FiscalUnavailable answers 503 fiscal_service_unavailable and leaves
	// documents as drafts, as the host does while the authority's breaker
	// is open; a later Issue of the same source issues them.
	FiscalUnavailable FiscalOutcome = "unavailable"
	// FiscalHold holds every valid invoice for its period's global
	// document (fiscal.StatusPendingGlobal), as the host holds a Mexican
	// sale to the public in general; AuthorizeHeld authorizes them.
	FiscalHold FiscalOutcome = "hold"
)

// fiscalKey names a document by company and source.
type fiscalKey struct {
	company, source string
	kind            fiscal.Kind
}

// fiscalState is the harness's fiscal service.
type fiscalState struct {
	settings map[string]sdk.FiscalSettings
	outcome  FiscalOutcome
	docs     map[fiscalKey]*fiscalDoc
	byID     map[uuid.UUID]*fiscalDoc
	numbers  map[fiscal.Kind]int64
	// cancellation is what Cancel does (fiscal_cancel.go).
	cancellation FiscalCancellation
}

type fiscalDoc struct {
	company string
	hash    [32]byte
	doc     fiscal.Document
}

// SetFiscalSettings sets the fiscal settings of the harness's company, as
// its admin would with PUT /api/v1/fiscal/settings. Until then the company
// is not configured: Issue answers 422 fiscal_not_configured.
func (h *Harness) SetFiscalSettings(s sdk.FiscalSettings) {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	if s.Country == "" {
		s.Country = h.company.Country
	}
	h.host.fiscal.settings[h.company.ID] = s
}

// SetFiscalOutcome sets what happens to the next documents issued.
func (h *Harness) SetFiscalOutcome(o FiscalOutcome) {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	h.host.fiscal.outcome = o
}

// AuthorizeHeld does what the host's global job does once a period's
// global document is stamped: every held invoice becomes authorized with
// one code (the global's) and Details["global_document_id"], then every
// held credit note is authorized with a number of its own. It returns how
// many documents it authorized.
func (h *Harness) AuthorizeHeld() int {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	st := &h.host.fiscal
	global, code, now := uuid.New(), fmt.Sprintf("%014d", 90000000000000+len(st.byID)), time.Now().UTC()
	n := 0
	for _, k := range []fiscal.Kind{fiscal.KindInvoice, fiscal.KindCreditNote} {
		for _, d := range st.byID {
			if d.doc.Status != fiscal.StatusPendingGlobal || d.doc.Kind != k {
				continue
			}
			if k == fiscal.KindInvoice {
				c := code
				d.doc.Status, d.doc.AuthorizationCode, d.doc.AuthorizedAt = fiscal.StatusAuthorized, &c, &now
				d.doc.Details = map[string]any{"global_document_id": global.String()}
			} else {
				st.authorize(d)
			}
			d.doc.UpdatedAt = now
			n++
		}
	}
	return n
}

// FiscalDocuments returns the fiscal documents of every company, oldest
// first.
func (h *Harness) FiscalDocuments() []fiscal.Document {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	out := make([]fiscal.Document, 0, len(h.host.fiscal.byID))
	for _, d := range h.host.fiscal.byID {
		out = append(out, d.doc)
	}
	slices.SortFunc(out, func(a, b fiscal.Document) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func newFiscalState() fiscalState {
	return fiscalState{settings: map[string]sdk.FiscalSettings{}, outcome: FiscalAuthorize,
		docs: map[fiscalKey]*fiscalDoc{}, byID: map[uuid.UUID]*fiscalDoc{}, numbers: map[fiscal.Kind]int64{}}
}

// fiscalError is an error as the host's fiscal service answers it.
func fiscalError(k kind.Kind, code, msg string, details map[string]any) error {
	return wire.Status(wire.Error{Kind: k, Code: code, Message: msg, Details: details})
}

func fiscalAnswer(doc fiscal.Document) (*nexusv1.FiscalDocumentResponse, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return &nexusv1.FiscalDocumentResponse{Document: b}, nil
}

// IssueFiscalDocument implements nexusv1.HostClient.
func (h *host) IssueFiscalDocument(ctx context.Context, in *nexusv1.IssueFiscalDocumentRequest, _ ...grpc.CallOption) (*nexusv1.FiscalDocumentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	var input fiscal.Input
	if err := json.Unmarshal(in.GetDocument(), &input); err != nil {
		return nil, fiscalError(kind.Invalid, "invalid_fiscal_document", err.Error(), nil)
	}
	if err := input.Validate(); err != nil {
		var fe *fiscal.FieldError
		if errors.As(err, &fe) {
			return nil, fiscalError(kind.Unprocessable, "invalid_field", fe.Error(), map[string]any{"field": fe.Field, "reason": fe.Reason})
		}
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st := &h.fiscal
	company := cl.principal.CompanyID
	if s, ok := st.settings[company]; !ok || !s.Configured {
		return nil, fiscalError(kind.Unprocessable, "fiscal_not_configured", "the company has no fiscal settings", nil)
	}
	body, _ := json.Marshal(input)
	hash := sha256.Sum256(body)
	key := fiscalKey{company, input.SourceID, input.Kind}
	d, ok := st.docs[key]
	if ok && d.hash != hash {
		if !revisable(d.doc) {
			return nil, fiscalError(kind.Conflict, "fiscal_document_conflict", "a fiscal document for this source and kind exists with other content",
				map[string]any{"id": d.doc.ID.String(), "status": string(d.doc.Status)})
		}
		in := input
		d.hash, d.doc.Status, d.doc.Input, d.doc.Messages = hash, fiscal.StatusDraft, &in, []fiscal.Message{}
		d.doc.Currency, d.doc.Total, d.doc.CustomerTaxID, d.doc.RelatedID =
			input.Currency, money.AmountOf(input.Totals.Total), input.Customer.TaxID, input.RelatedDocumentID
	}
	if !ok {
		if input.RelatedDocumentID != nil {
			rel, found := st.byID[*input.RelatedDocumentID]
			if !found || rel.company != company || rel.doc.Kind != fiscal.KindInvoice ||
				rel.doc.Status != fiscal.StatusAuthorized && rel.doc.Status != fiscal.StatusPendingGlobal {
				return nil, fiscalError(kind.Unprocessable, "invalid_field", "related_document_id: a credit note reverses an authorized invoice",
					map[string]any{"field": "related_document_id", "reason": "a credit note reverses an authorized invoice"})
			}
		}
		total := input.Totals.Total
		if input.Kind == fiscal.KindPaymentReceipt {
			if err := st.checkPayment(company, h.vertical, &input); err != nil {
				return nil, err
			}
			total = input.Payment.Amount
		}
		now := time.Now().UTC()
		in := input
		d = &fiscalDoc{company: company, hash: hash, doc: fiscal.Document{
			ID: uuid.New(), Vertical: h.vertical, SourceID: input.SourceID, Kind: input.Kind, Status: fiscal.StatusDraft,
			Country: st.settings[company].Country, Currency: input.Currency, Total: money.AmountOf(total),
			CustomerTaxID: input.Customer.TaxID, RelatedID: input.RelatedDocumentID, Details: map[string]any{},
			Messages: []fiscal.Message{}, CreatedAt: now, UpdatedAt: now, Input: &in,
		}}
		st.docs[key], st.byID[d.doc.ID] = d, d
	}
	if d.doc.Status != fiscal.StatusDraft {
		return fiscalAnswer(d.doc)
	}
	var heldRelated bool
	if input.RelatedDocumentID != nil {
		rel := st.byID[*input.RelatedDocumentID]
		heldRelated = rel != nil && rel.doc.Status == fiscal.StatusPendingGlobal
	}
	switch {
	case heldRelated || st.outcome == FiscalHold && input.Kind == fiscal.KindInvoice:
		d.doc.Status = fiscal.StatusPendingGlobal
	case st.outcome == FiscalUnavailable:
		return nil, fiscalError(kind.Unavailable, "fiscal_service_unavailable", "sdktest: the fiscal service is unavailable",
			map[string]any{"service": "sdktest"})
	case st.outcome == FiscalReject:
		d.doc.Status = fiscal.StatusRejected
		d.doc.Messages = []fiscal.Message{{Type: "error", Code: "10016", Message: "sdktest: rejected"}}
	default:
		st.authorize(d)
	}
	d.doc.UpdatedAt = time.Now().UTC()
	return fiscalAnswer(d.doc)
}

// revisable reports, as the host does, whether a source's document takes
// new content from its vertical: a draft or a rejected invoice or credit
// note, which no authority has.
func revisable(d fiscal.Document) bool {
	return (d.Status == fiscal.StatusDraft || d.Status == fiscal.StatusRejected) &&
		(d.Kind == fiscal.KindInvoice || d.Kind == fiscal.KindCreditNote)
}

// authorize authorizes d with the next number of its kind and a made-up
// code.
func (st *fiscalState) authorize(d *fiscalDoc) {
	st.numbers[d.doc.Kind]++
	n := st.numbers[d.doc.Kind]
	code := fmt.Sprintf("%014d", 70000000000000+n)
	series := "sdktest-" + string(d.doc.Kind)
	now := time.Now().UTC()
	if d.doc.Kind == fiscal.KindPaymentReceipt {
		d.doc.Details = map[string]any{"installments": st.installments(d)}
	}
	d.doc.Status, d.doc.Series, d.doc.Number, d.doc.AuthorizationCode, d.doc.AuthorizedAt =
		fiscal.StatusAuthorized, &series, &n, &code, &now
}

// GetFiscalDocument implements nexusv1.HostClient.
func (h *host) GetFiscalDocument(ctx context.Context, in *nexusv1.GetFiscalDocumentRequest, _ ...grpc.CallOption) (*nexusv1.FiscalDocumentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.fiscalDoc(cl, in.GetId())
	if in.GetId() == "" {
		d = h.fiscal.docs[fiscalKey{cl.principal.CompanyID, in.GetSourceId(), fiscal.Kind(in.GetKind())}]
	}
	if d == nil {
		return nil, fiscalError(kind.NotFound, "fiscal_document_not_found", "no such fiscal document", nil)
	}
	return fiscalAnswer(d.doc)
}

// fiscalDoc returns the call's company's document id, or nil.
func (h *host) fiscalDoc(cl *call, id string) *fiscalDoc {
	uid, err := uuid.Parse(id)
	if err != nil {
		return nil
	}
	d, ok := h.fiscal.byID[uid]
	if !ok || d.company != cl.principal.CompanyID {
		return nil
	}
	return d
}

// GetFiscalSettings implements nexusv1.HostClient.
func (h *host) GetFiscalSettings(ctx context.Context, _ *nexusv1.GetFiscalSettingsRequest, _ ...grpc.CallOption) (*nexusv1.GetFiscalSettingsResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.fiscal.settings[cl.principal.CompanyID]
	return &nexusv1.GetFiscalSettingsResponse{Configured: s.Configured, Country: s.Country,
		Environment: s.Environment, AutoIssue: s.AutoIssue}, nil
}
