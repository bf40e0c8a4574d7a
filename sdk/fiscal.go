package sdk

import (
	"errors"
	"strings"

	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Fiscal issues the company's fiscal documents through the host: AFIP
// receipts with a CAE in Argentina, CFDI stamped by a PAC in Mexico,
// chosen by the company's country and configured by its admins
// (PUT /api/v1/fiscal/settings and /api/v1/fiscal/credentials/{name}).
// The vertical builds the document from the calculator's result; the host
// numbers, signs, sends and stores it, and shows it to operators.
//
// Fiscal calls do not join the call's unit of work: once the authority
// authorized a document, it stays recorded even if the request fails
// afterwards. So issue after the vertical's own writes succeeded, and
// store the answered document's id (or find it again by source with
// BySource: issuing is idempotent per source document and kind).
type Fiscal struct{ c *Context }

// Fiscal returns the fiscal documents of this call's company.
func (c *Context) Fiscal() *Fiscal { return &Fiscal{c: c} }

// FiscalSettings is what a vertical knows of the company's fiscal
// settings.
type FiscalSettings struct {
	// Configured is false when the company issues no fiscal documents
	// (no settings, or a country the host has no issuer for).
	Configured bool
	// Country is the company's: AR or MX.
	Country string
	// Environment is homologation or production.
	Environment string
	// AutoIssue says every sale needs a fiscal document: issue one for
	// each sale without being asked.
	AutoIssue bool
}

// Settings returns the company's fiscal settings.
func (f *Fiscal) Settings() (FiscalSettings, error) {
	return f.c.host.fiscalSettings(f.c.ctx)
}

// Issue issues the legal document for in, or answers the document the same
// (in.SourceID, in.Kind) already has — asking again is safe, and resumes a
// document left unissued. The answer's Status says what happened:
// authorized (with AuthorizationCode: the CAE or the UUID), rejected
// (with the authority's Messages and codes) or, in Mexico, pending_global:
// a sale to the public in general (or its return) that the host issues in
// its period's global CFDI once the period has ended — settled for the
// vertical, which reads it again (Get) to learn the global's UUID. A
// rejected document comes
// with a 422 *Error fiscal_document_rejected carrying those messages,
// which a handler may return as it is.
//
// Other errors are *Error too: 422 invalid_field naming the input that is
// wrong (the amounts must add up as the calculator makes them),
// fiscal_not_configured, fiscal_credentials_missing; 409
// fiscal_document_conflict (the source has a document with other
// content that an authority has or is being sent; a draft or a rejected
// document instead takes the new content, so a vertical corrects what was
// refused by issuing its source again); 503 fiscal_service_unavailable (the authority cannot be
// reached or its breaker is open: the document is not issued, retry
// later) and fiscal_outcome_unknown (sent, answer not known yet: asking
// again resolves it).
func (f *Fiscal) Issue(in fiscal.Input) (fiscal.Document, error) {
	doc, err := f.c.host.issueFiscal(f.c.ctx, in)
	if err != nil {
		return fiscal.Document{}, err
	}
	if doc.Status == fiscal.StatusRejected {
		return doc, RejectedFiscalDocument(doc)
	}
	return doc, nil
}

// RejectedFiscalDocument is the 422 fiscal_document_rejected of a document
// the authority refused, with its id and the authority's messages.
func RejectedFiscalDocument(doc fiscal.Document) *Error {
	msgs := make([]any, 0, len(doc.Messages))
	for _, m := range doc.Messages {
		msgs = append(msgs, map[string]any{"type": m.Type, "code": m.Code, "message": m.Message})
	}
	return &Error{Kind: kind.Unprocessable, Code: "fiscal_document_rejected", Message: "the fiscal authority rejected the document",
		Details: map[string]any{"id": doc.ID.String(), "messages": msgs}}
}

// FiscalAnswer returns err, an error of Issue, as the fiscal service's
// answer about that one document — rejected (fiscal_document_rejected),
// its input refused (invalid_field), the company's setup refused
// (fiscal_not_configured, fiscal_credentials_missing, ...), a conflict
// with the source's document, the authority unavailable or its breaker
// open (fiscal_service_unavailable) or its outcome unknown
// (fiscal_outcome_unknown) — and nil for anything else, such as a failure
// of the call's unit of work. A vertical records such an answer beside its
// source document and goes on (a job to the next document, leaving this
// one for a later run); any other error must fail the handler or the job.
func FiscalAnswer(err error) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	if strings.HasPrefix(e.Code, "fiscal_") || e.Code == "invalid_field" {
		return e
	}
	return nil
}

// Get returns one of the vertical's fiscal documents by id (404
// fiscal_document_not_found for another vertical's or company's).
func (f *Fiscal) Get(id string) (fiscal.Document, error) {
	return f.c.host.getFiscal(f.c.ctx, id, "", "")
}

// BySource returns the vertical's fiscal document of kind for its source
// document sourceID.
func (f *Fiscal) BySource(k fiscal.Kind, sourceID string) (fiscal.Document, error) {
	return f.c.host.getFiscal(f.c.ctx, "", sourceID, k)
}

// Cancel cancels one of the vertical's authorized documents with the
// country's reason (MX: "02", "03", "04" or "01:<UUID of the replacing
// CFDI>"). The answer is cancelled, or in Mexico
// cancellation_requested when SAT waits for the receiver's acceptance:
// the host follows it until it is cancelled, or authorized again if the
// receiver rejects it; asking again meanwhile answers it as it is. A
// sale held for its period's global CFDI (pending_global) and in none yet
// is voided: cancelled at once, nothing sent; one in a global is 409
// fiscal_document_in_global (its return is a credit note).
// Argentina has no cancellation: issue a credit note (Kind credit_note,
// RelatedDocumentID) instead.
func (f *Fiscal) Cancel(id, reason string) (fiscal.Document, error) {
	return f.c.host.cancelFiscal(f.c.ctx, id, reason)
}
