package fiscal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// requireCode checks that err is an *httpx.Error with status and code.
func requireCode(t *testing.T, err error, status int, code string) *httpx.Error {
	t.Helper()
	var he *httpx.Error
	require.ErrorAs(t, err, &he)
	require.Equal(t, status, he.Status(), he.Message)
	require.Equal(t, code, he.Code)
	return he
}

// TestIssueIsIdempotentPerSource checks that a source's document is issued
// once: asking again answers the same document without calling the
// authority, other content under the same source is a 409, and every
// transition is in the audit log.
func TestIssueIsIdempotentPerSource(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	ctx := t.Context()

	doc, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Equal(t, int64(1), *doc.Number)
	require.Equal(t, "00000000000001", *doc.AuthorizationCode)
	require.Equal(t, "2026-12-15", *doc.AuthorizationExpires)
	require.True(t, decimal.RequireFromString("286.2").Equal(doc.Total.Decimal))
	require.NotNil(t, doc.Input)
	require.Equal(t, []string{"issue sale-1 1"}, e.stub.Calls())

	again, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, doc.ID, again.ID)
	require.Equal(t, []string{"issue sale-1 1"}, e.stub.Calls(), "the authority is not asked twice")

	other := sale("sale-1")
	other.PaymentForm = "card"
	_, err = e.svc.Issue(ctx, companyID, "cpg", other)
	requireCode(t, err, http.StatusConflict, "fiscal_document_conflict")

	// Another vertical's source of the same id is another document.
	svc, err := e.svc.Issue(ctx, companyID, "services", sale("sale-1"))
	require.NoError(t, err)
	require.NotEqual(t, doc.ID, svc.ID)
	require.Equal(t, int64(2), *svc.Number)

	require.Equal(t, []string{
		"fiscal.settings_changed",
		"fiscal.document.created", "fiscal.document.requested", "fiscal.document.authorized",
		"fiscal.document.created", "fiscal.document.requested", "fiscal.document.authorized",
	}, e.auditActions(t, companyID))
}

// TestIssueWithoutDateIsTheSameRequestAnotherDay checks that an input
// without a date (today, in the company's calendar) asked again once the
// company's day has changed answers the stored document, not a 409: the
// fingerprint is of what the vertical sent.
func TestIssueWithoutDateIsTheSameRequestAnotherDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	ctx := t.Context()
	// UTC+14 then UTC-11: the company's today is another day.
	_, err := e.pool.Exec(ctx, `UPDATE companies SET timezone = 'Pacific/Kiritimati' WHERE id = $1`, companyID)
	require.NoError(t, err)
	doc, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `UPDATE companies SET timezone = 'Pacific/Pago_Pago' WHERE id = $1`, companyID)
	require.NoError(t, err)
	again, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, doc.ID, again.ID)
	require.Equal(t, doc.Input.Date, again.Input.Date, "the stored date is kept")
	require.Equal(t, []string{"issue sale-1 1"}, e.stub.Calls())
}

// TestIssueRefusesBadInputWritingNothing checks that an input whose
// amounts do not add up, or a company without settings, is a 422 and
// stores nothing.
func TestIssueRefusesBadInputWritingNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	bad := sale("sale-bad")
	bad.Totals.Total = decimal.RequireFromString("286.3")
	err := requireCode(t, must(e.svc.Issue(t.Context(), companyID, "cpg", bad)), http.StatusUnprocessableEntity, "invalid_field")
	require.Equal(t, "totals.total", err.Details["field"])
	bad = sale("sale-bad")
	bad.Lines[0].Taxes[0].Amount = decimal.RequireFromString("40")
	err = requireCode(t, must(e.svc.Issue(t.Context(), companyID, "cpg", bad)), http.StatusUnprocessableEntity, "invalid_field")
	require.Equal(t, "lines[0].taxes[0].amount", err.Details["field"])
	credit := sale("return-1")
	credit.Kind = fiscal.KindCreditNote
	err = requireCode(t, must(e.svc.Issue(t.Context(), companyID, "cpg", credit)), http.StatusUnprocessableEntity, "invalid_field")
	require.Equal(t, "related_document_id", err.Details["field"])
	missing := uuid.New()
	credit.RelatedDocumentID = &missing
	requireCode(t, must(e.svc.Issue(t.Context(), companyID, "cpg", credit)), http.StatusUnprocessableEntity, "invalid_field")

	unconfigured, _ := e.company(t, false)
	requireCode(t, must(e.svc.Issue(t.Context(), unconfigured, "cpg", sale("sale-2"))), http.StatusUnprocessableEntity, "fiscal_not_configured")

	var n int
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT count(*) FROM fiscal_documents`).Scan(&n))
	require.Zero(t, n)
	require.Empty(t, e.stub.Calls())
}

// must keeps a call's error.
func must(_ *Document, err error) error { return err }

// TestUnknownOutcomeIsResolvedBeforeAnotherNumber checks the timeout path:
// a request without an answer is followed by a status query, never by a
// second request; when the authority cannot tell, the document stays
// requested, and the series numbers nothing else until a status query
// settles it.
func TestUnknownOutcomeIsResolvedBeforeAnotherNumber(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	ctx := t.Context()

	// The answer is lost, but the authority has the document.
	e.stub.issue = func(doc *Document, a Attempt) (Outcome, error) {
		e.stub.authorize(a.Series, a.Number)
		return Outcome{Result: Unknown}, nil
	}
	e.stub.status = func(doc *Document) (Outcome, error) {
		return e.stub.authorize(doc.Attempt.Series, doc.Attempt.Number), nil
	}
	doc, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Equal(t, int64(1), *doc.Number)
	require.Equal(t, []string{"issue sale-1 1", "status sale-1 1"}, e.stub.Calls())

	// Neither the answer nor the status can be read: the document stays
	// requested with its attempt.
	e.stub.issue = func(*Document, Attempt) (Outcome, error) { return Outcome{}, errors.New("read tcp: i/o timeout") }
	e.stub.status = func(*Document) (Outcome, error) { return Outcome{}, errors.New("connection refused") }
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", sale("sale-2"))), http.StatusServiceUnavailable, "fiscal_outcome_unknown")
	pending, err := e.svc.GetBySource(ctx, companyID, "cpg", fiscal.KindInvoice, "sale-2")
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusRequested, pending.Status)
	require.Equal(t, int64(2), pending.Attempt.Number)

	// Another sale of the series waits for it: still unknown, nothing sent.
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", sale("sale-3"))), http.StatusServiceUnavailable, "fiscal_outcome_unknown")
	require.Equal(t, []string{"issue sale-1 1", "status sale-1 1", "issue sale-2 2", "status sale-2 2", "status sale-2 2"}, e.stub.Calls())

	// The authority never got it: the number is free, the next sale takes
	// it, and sale-2 is sent again when asked.
	e.stub.issue, e.stub.status = nil, nil
	third, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-3"))
	require.NoError(t, err)
	require.Equal(t, int64(2), *third.Number)
	second, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-2"))
	require.NoError(t, err)
	require.Equal(t, int64(3), *second.Number)
	require.Equal(t, []string{"issue sale-1 1", "status sale-1 1", "issue sale-2 2", "status sale-2 2", "status sale-2 2",
		"status sale-2 2", "issue sale-3 2", "issue sale-2 3"}, e.stub.Calls())
	require.Contains(t, e.auditActions(t, companyID), "fiscal.document.not_issued")
}

// TestConcurrentIssuancesNumberInSequence checks the series lock: twenty
// concurrent sales get numbers 1..20, none skipped or repeated.
func TestConcurrentIssuancesNumberInSequence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	var wg sync.WaitGroup
	numbers := make([]int64, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			doc, err := e.svc.Issue(context.Background(), companyID, "cpg", sale(fmt.Sprintf("sale-%d", i)))
			errs[i] = err
			if err == nil {
				numbers[i] = *doc.Number
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range 20 {
		require.NoError(t, errs[i])
		require.False(t, seen[numbers[i]], "number %d twice", numbers[i])
		seen[numbers[i]] = true
	}
	for n := int64(1); n <= 20; n++ {
		require.True(t, seen[n], "number %d skipped", n)
	}
}

// TestRejectedAndCancelled checks the other ends of the state machine: a
// rejection keeps the authority's messages, only an authorized document
// is cancelled, and a credit note names an authorized invoice.
func TestRejectedAndCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	ctx := t.Context()
	e.stub.issue = func(*Document, Attempt) (Outcome, error) {
		return Outcome{Result: Rejected, Messages: []fiscal.Message{{Type: "error", Code: "10016", Message: "CbteDesde"}}}, nil
	}
	rejected, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusRejected, rejected.Status)
	require.Equal(t, []fiscal.Message{{Type: "error", Code: "10016", Message: "CbteDesde"}}, rejected.Messages)
	requireCode(t, must(e.svc.Cancel(ctx, companyID, "cpg", rejected.ID, "")), http.StatusConflict, "invalid_transition")

	e.stub.issue = nil
	invoice, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-2"))
	require.NoError(t, err)
	credit := sale("return-1")
	credit.Kind, credit.RelatedDocumentID = fiscal.KindCreditNote, &rejected.ID
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", credit)), http.StatusUnprocessableEntity, "invalid_field")
	credit.RelatedDocumentID = &invoice.ID
	// Another vertical cannot credit cpg's invoice: it reaches its own
	// documents only, and nothing is stored.
	requireCode(t, must(e.svc.Issue(ctx, companyID, "services", credit)), http.StatusUnprocessableEntity, "invalid_field")
	_, err = e.svc.GetBySource(ctx, companyID, "services", fiscal.KindCreditNote, "return-1")
	requireCode(t, err, http.StatusNotFound, "fiscal_document_not_found")
	note, err := e.svc.Issue(ctx, companyID, "cpg", credit)
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusAuthorized, note.Status)
	require.Equal(t, invoice.ID, *note.RelatedID)
	require.Equal(t, "stub-credit_note", *note.Series)

	cancelled, err := e.svc.Cancel(ctx, companyID, "cpg", invoice.ID, "02")
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusCancelled, cancelled.Status)
	require.Equal(t, "02", *cancelled.CancelReason)
	requireCode(t, must(e.svc.Cancel(ctx, companyID, "services", note.ID, "02")), http.StatusNotFound, "fiscal_document_not_found")
}

// TestNeverSentDocumentTakesCorrectedInput checks that a source's document
// no authority has — a draft its issuer refused while building it, or one
// the authority rejected — takes the vertical's corrected input (same
// document, audited), that an authorized one stays a 409, and that a
// revision landing while the old content is being issued leaves the old
// content unsent.
func TestNeverSentDocumentTakesCorrectedInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, true)
	ctx := t.Context()

	e.stub.before = func(doc *Document) error {
		if doc.Input.Customer.PostalCode == "" {
			return httpx.Unprocessable("invalid_field", "customer.postal_code is required").
				WithDetails(map[string]any{"field": "customer.postal_code"})
		}
		return nil
	}
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", sale("sale-1"))), http.StatusUnprocessableEntity, "invalid_field")
	draft, err := e.svc.GetBySource(ctx, companyID, "cpg", fiscal.KindInvoice, "sale-1")
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusDraft, draft.Status)
	fixed := sale("sale-1")
	fixed.Customer.PostalCode = "1405"
	doc, err := e.svc.Issue(ctx, companyID, "cpg", fixed)
	require.NoError(t, err)
	require.Equal(t, draft.ID, doc.ID)
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Equal(t, "1405", doc.Input.Customer.PostalCode)
	other := fixed
	other.PaymentForm = "card"
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", other)), http.StatusConflict, "fiscal_document_conflict")

	e.stub.before = nil
	e.stub.issue = func(*Document, Attempt) (Outcome, error) {
		return Outcome{Result: Rejected, Messages: []fiscal.Message{{Type: "error", Code: "10015", Message: "DocNro"}}}, nil
	}
	rejected, err := e.svc.Issue(ctx, companyID, "cpg", sale("sale-2"))
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusRejected, rejected.Status)
	e.stub.issue = nil
	corrected := sale("sale-2")
	corrected.Customer = fiscal.Customer{TaxID: "20111111112", TaxIDType: "cuit", Condition: "responsable_inscripto"}
	doc, err = e.svc.Issue(ctx, companyID, "cpg", corrected)
	require.NoError(t, err)
	require.Equal(t, rejected.ID, doc.ID)
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Empty(t, doc.Messages)
	require.Equal(t, "20111111112", doc.CustomerTaxID)

	// A revision between the issuer's read and its attempt: the old
	// content is not sent, and the revised one is issued next.
	c, err := e.svc.company(ctx, companyID)
	require.NoError(t, err)
	racing := sale("sale-3")
	racing.PaymentForm = "card"
	e.stub.before = func(doc *Document) error {
		if doc.Input.PaymentForm == "cash" {
			_, _, err := e.svc.draft(ctx, e.pool, c, "cpg", racing, racing)
			return err
		}
		return nil
	}
	requireCode(t, must(e.svc.Issue(ctx, companyID, "cpg", sale("sale-3"))), http.StatusConflict, "fiscal_document_conflict")
	e.stub.before = nil
	doc, err = e.svc.Issue(ctx, companyID, "cpg", racing)
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusAuthorized, doc.Status)
	require.Equal(t, "card", doc.Input.PaymentForm)
	require.Equal(t, []string{"issue sale-1 1", "issue sale-2 2", "issue sale-2 2", "issue sale-3 3"}, e.stub.Calls(),
		"sale-3's cash content was never sent")

	require.Equal(t, []string{
		"fiscal.settings_changed",
		"fiscal.document.created", "fiscal.document.revised", "fiscal.document.requested", "fiscal.document.authorized",
		"fiscal.document.created", "fiscal.document.requested", "fiscal.document.rejected",
		"fiscal.document.revised", "fiscal.document.requested", "fiscal.document.authorized",
		"fiscal.document.created", "fiscal.document.revised", "fiscal.document.requested", "fiscal.document.authorized",
	}, e.auditActions(t, companyID))

	// Another company cannot revise the document of a source it does not
	// have: its own source of the same id is its own document.
	otherCompany, _ := e.company(t, true)
	theirs, err := e.svc.Issue(ctx, otherCompany, "cpg", fixed)
	require.NoError(t, err)
	require.NotEqual(t, draft.ID, theirs.ID)
	mine, err := e.svc.GetBySource(ctx, companyID, "cpg", fiscal.KindInvoice, "sale-1")
	require.NoError(t, err)
	require.Equal(t, doc.Status, mine.Status)
}
