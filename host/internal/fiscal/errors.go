package fiscal

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Errors shown to API clients and verticals. None carries a credential.

// Unavailable is the error of a call to an authority that cannot be
// reached now: its breaker is open (answered at once, without calling
// it), it timed out before anything was sent, or it failed. The document
// stays as it was, to be issued again later. err is logged, not shown.
func Unavailable(service string, err error) *httpx.Error {
	msg := fmt.Sprintf("the fiscal service %s is unavailable; the document was not issued, try again later", service)
	if errors.Is(err, outbound.ErrCircuitOpen) {
		msg = fmt.Sprintf("the fiscal service %s failed too often lately and is given time to recover; the document was not issued, try again later", service)
	}
	e := httpx.Unavailable("fiscal_service_unavailable", msg).WithDetails(map[string]any{"service": service})
	e.Err = err
	return e
}

// errOutcomeUnknown is answered when a request was sent and neither its
// answer nor the authority's record of it could be read.
func errOutcomeUnknown(doc *Document) *httpx.Error {
	return httpx.Unavailable("fiscal_outcome_unknown",
		"the document was sent but the authority's answer is not known yet; asking again resolves it before anything else is numbered").
		WithDetails(map[string]any{"id": doc.ID.String()})
}

func errInvalidInput(fe *fiscal.FieldError) *httpx.Error {
	return httpx.Unprocessable("invalid_field", fe.Field+": "+fe.Reason).
		WithDetails(map[string]any{"field": fe.Field, "reason": fe.Reason})
}

// InvalidConfig is a company setting an issuer refuses, naming it as
// config.<field>.
func InvalidConfig(field, reason string) *httpx.Error {
	return httpx.Unprocessable("invalid_field", "config."+field+": "+reason).
		WithDetails(map[string]any{"field": "config." + field, "reason": reason})
}

func errNotConfigured() *httpx.Error {
	return httpx.Unprocessable("fiscal_not_configured",
		"the company has no fiscal settings: an admin sets them with PUT /api/v1/fiscal/settings")
}

func errCountryUnsupported(country string) *httpx.Error {
	return httpx.Unprocessable("fiscal_country_unsupported", fmt.Sprintf("this host issues no fiscal documents for country %s", country)).
		WithDetails(map[string]any{"country": country})
}

func errCredentialMissing(name string) *httpx.Error {
	return httpx.Unprocessable("fiscal_credentials_missing",
		fmt.Sprintf("the fiscal credential %q is not set: an admin stores it with PUT /api/v1/fiscal/credentials/%s", name, name)).
		WithDetails(map[string]any{"name": name})
}

func errDocumentNotFound() *httpx.Error {
	return httpx.NotFound("fiscal_document_not_found", "no such fiscal document")
}

// codeConflict is the code of errConflict.
const codeConflict = "fiscal_document_conflict"

func errConflict(doc *Document) *httpx.Error {
	return httpx.Conflict(codeConflict,
		"a fiscal document for this source and kind exists with other content").
		WithDetails(map[string]any{"id": doc.ID.String(), "status": string(doc.Status)})
}

func errRelated(reason string) *httpx.Error {
	return httpx.Unprocessable("invalid_field", "related_document_id: "+reason).
		WithDetails(map[string]any{"field": "related_document_id", "reason": reason})
}

func errInvalidTransition(doc *Document, to fiscal.Status) *httpx.Error {
	return httpx.Conflict("invalid_transition", fmt.Sprintf("a %s fiscal document cannot become %s", doc.Status, to)).
		WithDetails(map[string]any{"id": doc.ID.String(), "status": string(doc.Status), "to": string(to)})
}
