package services

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Fiscal documents of charges (an invoice each) and credits (a credit
// note each, reversing the charge's invoice), issued through the host's
// fiscal service: an AFIP receipt with its CAE in Argentina, a CFDI with
// its UUID in Mexico. The host keeps the documents; the charge's and the
// credit's fiscal_* columns say where each one is, so the API shows it
// with them and the job services.issue_fiscal_documents knows what is
// still to issue: when the company's fiscal settings say every sale needs
// a document (auto_issue), each new charge's invoice, and always the
// credit notes of invoiced charges — those never asked for and those left
// pending while the authority was unreachable.

// fiscalPending is the status of a document not issued yet because the
// fiscal service could not take it now (the authority unreachable or its
// breaker open, or the company's fiscal setup refused): the job tries
// again once fiscal_next_attempt_at has passed.
const fiscalPending = "pending"

// fiscalNeedsData is the status of a document whose own data the fiscal
// service refused (422 invalid_field naming one of its fields, such as a
// Mexican client's missing postal code, or 409 fiscal_document_conflict):
// fiscal_error_code and fiscal_error_field say what, and nothing retries
// it until something changes — the client's fiscal profile (PATCH
// /clients/{id}) or a manual issuance.
const fiscalNeedsData = "needs_data"

// fiscalStatusPattern is what a fiscal_status looks like: pending,
// needs_data, or one of the host document's statuses, a set the host may
// grow.
var fiscalStatusPattern = regexp.MustCompile(`^[a-z][a-z_]{0,39}$`)

// fiscalState is where the fiscal document of a charge, a credit or a
// payment is: no status until one is asked for.
type fiscalState struct {
	FiscalStatus            *string `json:"fiscal_status"`
	FiscalDocumentID        *string `json:"fiscal_document_id"`
	FiscalSeries            *string `json:"fiscal_series"`
	FiscalNumber            *int64  `json:"fiscal_number"`
	FiscalAuthorizationCode *string `json:"fiscal_authorization_code"`
	// FiscalErrorCode is why the last attempt did not authorize it: the
	// authority's code of a rejection, or the fiscal service's error code
	// (fiscal_service_unavailable, invalid_field, ...).
	FiscalErrorCode *string `json:"fiscal_error_code"`
	// FiscalErrorField is the input field the fiscal service refused
	// (customer.postal_code, payment.form, ...), with invalid_field.
	FiscalErrorField *string        `json:"fiscal_error_field"`
	FiscalAttempts   int            `json:"fiscal_attempts"`
	FiscalUpdatedAt  *sdk.Timestamp `json:"fiscal_updated_at"`
	// FiscalNextAttemptAt is when the job tries a pending document again.
	FiscalNextAttemptAt *sdk.Timestamp `json:"fiscal_next_attempt_at"`
}

// authorized reports whether the document is authorized, and its id.
func (s fiscalState) authorized() (string, bool) {
	if s.FiscalStatus == nil || *s.FiscalStatus != string(fiscal.StatusAuthorized) || s.FiscalDocumentID == nil {
		return "", false
	}
	return *s.FiscalDocumentID, true
}

// Retries of a pending document back off: the job's next two runs
// first (a blip of the authority), then a wait that doubles after each
// failure, from retryBase to at most retryMax.
const (
	retryBase = time.Minute
	retryMax  = time.Hour
)

// retryDelay is how long the job waits before attempt number attempts+1
// of a document that could not be issued attempts times in a row.
func retryDelay(attempts int) time.Duration {
	if attempts <= 2 {
		return 0
	}
	d := retryBase
	for range attempts - 3 {
		if d *= 2; d >= retryMax {
			return retryMax
		}
	}
	return d
}

// refusedData reports whether se, an answer of the fiscal service
// (sdk.FiscalAnswer), refuses the document's own data — its input
// (invalid_field, but not a company setting config.*) or the input of
// the document the source already has (fiscal_document_conflict) — and
// the field it names: asking again with the same data cannot succeed. The
// other answers are retried: the authority unavailable or its outcome
// unknown (503), and the company's fiscal setup refused
// (fiscal_not_configured, fiscal_credentials_missing, a config.* field),
// which its admins fix without the vertical being told.
func refusedData(se *sdk.Error) (string, bool) {
	field, _ := se.Details["field"].(string)
	switch {
	case se.Kind == kind.Unavailable:
		return "", false
	case se.Code == "invalid_field":
		return field, !strings.HasPrefix(field, "config.")
	case se.Code == "fiscal_document_conflict":
		return "", true
	}
	return "", false
}

// fiscalOutcome is what to record of an issuance that answered doc or
// issueErr after prev attempts: the columns to set, or false when
// issueErr is no answer about the document and must fail the call.
func fiscalOutcome(prev fiscalState, doc fiscal.Document, issueErr error, now time.Time) (map[string]any, bool) {
	attempts := prev.FiscalAttempts + 1
	set := map[string]any{
		"fiscal_status": fiscalPending, "fiscal_document_id": nil, "fiscal_series": nil, "fiscal_number": nil,
		"fiscal_authorization_code": nil, "fiscal_error_code": nil, "fiscal_error_field": nil,
		"fiscal_attempts": attempts, "fiscal_updated_at": now.UTC(), "fiscal_next_attempt_at": nil,
	}
	switch se := sdk.FiscalAnswer(issueErr); {
	case doc.ID != uuid.Nil:
		if doc.Status != fiscal.StatusDraft {
			set["fiscal_status"] = string(doc.Status)
		}
		set["fiscal_document_id"], set["fiscal_series"], set["fiscal_number"] = doc.ID.String(), doc.Series, doc.Number
		set["fiscal_authorization_code"] = doc.AuthorizationCode
		if doc.Status == fiscal.StatusRejected && len(doc.Messages) > 0 {
			set["fiscal_error_code"] = doc.Messages[0].Code
		}
	case se != nil:
		set["fiscal_error_code"] = se.Code
		if field, refused := refusedData(se); refused {
			set["fiscal_status"] = fiscalNeedsData
			if field != "" {
				set["fiscal_error_field"] = field
			}
			break
		}
		if se.Code == "fiscal_outcome_unknown" {
			set["fiscal_status"] = string(fiscal.StatusRequested)
		}
		set["fiscal_next_attempt_at"] = now.Add(retryDelay(attempts)).UTC()
	default:
		return nil, false
	}
	return set, true
}

// record stores on row id of table what became of its document, and
// returns the issuing error.
func record(c *sdk.Context, table, id string, prev fiscalState, doc fiscal.Document, issueErr error) error {
	set, ok := fiscalOutcome(prev, doc, issueErr, time.Now())
	if !ok {
		return issueErr
	}
	if err := c.DB().Update(table, id, set); err != nil {
		return fmt.Errorf("record fiscal document of %s %s: %w", table, id, err)
	}
	return issueErr
}

// The host's document changes after it was issued — cancelled, a
// cancellation waiting for the receiver's acceptance, a sale held for the
// global CFDI and then stamped — without telling the vertical. So reading
// one charge (GET /charges/{id}, GET /charges/{id}/invoice) asks the host
// for its document and, when it moved, shows and stores its current
// state; lists show the stored columns as they were last read or issued.

// refreshCharge brings ch's fiscal_* columns to its document's current
// state at the host, when it has one.
func refreshCharge(c *sdk.Context, ch *chargeRow) error {
	if ch.FiscalDocumentID == nil {
		return nil
	}
	doc, err := c.Fiscal().Get(*ch.FiscalDocumentID)
	if err != nil {
		if sdk.FiscalAnswer(err) != nil {
			return nil
		}
		return fmt.Errorf("charge %s: fiscal document: %w", ch.ID, err)
	}
	return syncCharge(c, ch, doc)
}

// syncCharge stores on ch the status, number and authorization code of
// doc, its invoice as the host has it now, when they changed. A draft
// says less than the charge's own pending or needs_data, so it is left.
func syncCharge(c *sdk.Context, ch *chargeRow, doc fiscal.Document) error {
	if doc.Status == fiscal.StatusDraft || ch.FiscalDocumentID == nil || *ch.FiscalDocumentID != doc.ID.String() {
		return nil
	}
	status := string(doc.Status)
	if ch.FiscalStatus != nil && *ch.FiscalStatus == status && equalPtr(ch.FiscalAuthorizationCode, doc.AuthorizationCode) &&
		equalPtr(ch.FiscalNumber, doc.Number) {
		return nil
	}
	now := sdk.Timestamp{Time: time.Now().UTC()}
	if err := c.DB().Update("charges", ch.ID, map[string]any{"fiscal_status": status, "fiscal_series": doc.Series,
		"fiscal_number": doc.Number, "fiscal_authorization_code": doc.AuthorizationCode, "fiscal_updated_at": now.Time}); err != nil {
		return fmt.Errorf("charge %s: refresh fiscal status: %w", ch.ID, err)
	}
	ch.FiscalStatus, ch.FiscalSeries, ch.FiscalNumber, ch.FiscalAuthorizationCode, ch.FiscalUpdatedAt =
		&status, doc.Series, doc.Number, doc.AuthorizationCode, &now
	return nil
}

// equalPtr reports whether a and b are both nil or point to equal values.
func equalPtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// issueCharge issues charge id's invoice, for customer when given (else
// the client's tax id, name and fiscal profile), and records its state on
// the charge in the call's unit of work.
func issueCharge(c *sdk.Context, e *env, id string, customer *fiscal.Customer) (fiscal.Document, error) {
	var (
		charge   chargeRow
		client   clientRow
		contract contractRow
	)
	if err := c.DB().Get("charges", id, &charge); err != nil {
		if isCode(err, "not_found") {
			return fiscal.Document{}, notFound("charge", id)
		}
		return fiscal.Document{}, fmt.Errorf("invoice charge: %w", err)
	}
	b := c.DB().Batch()
	b.Get("clients", charge.ClientID, &client)
	b.Get("contracts", charge.ContractID, &contract)
	if err := b.Run(); err != nil {
		return fiscal.Document{}, fmt.Errorf("invoice charge: %w", err)
	}
	in, err := chargeInput(e, charge, client, contract, customer)
	if err != nil {
		return fiscal.Document{}, err
	}
	doc, err := c.Fiscal().Issue(in)
	return doc, record(c, "charges", id, charge.fiscalState, doc, err)
}

// errNotInvoiced answers a credit note asked for a charge whose invoice is
// not authorized.
func errNotInvoiced(charge string) *sdk.Error {
	return sdk.Conflict("charge_not_invoiced", "the charge has no authorized invoice for a credit note to reverse").
		WithDetails(map[string]any{"charge_id": charge})
}

// issueCredit issues the credit note of credit cr of charge ch, reversing
// the charge's authorized invoice, and records its state on the credit.
func issueCredit(c *sdk.Context, e *env, cr creditRow, ch chargeRow) (fiscal.Document, error) {
	invoiceID, ok := ch.authorized()
	if !ok {
		return fiscal.Document{}, errNotInvoiced(ch.ID)
	}
	invoice, err := c.Fiscal().Get(invoiceID)
	if err != nil {
		return fiscal.Document{}, err
	}
	in, err := creditNoteInput(e, cr, ch, invoice)
	if err != nil {
		return fiscal.Document{}, err
	}
	doc, err := c.Fiscal().Issue(in)
	return doc, record(c, "credits", cr.ID, cr.fiscalState, doc, err)
}

// issueCreditByID reads credit id and its charge and issues its credit note.
func issueCreditByID(c *sdk.Context, e *env, id string) error {
	var cr creditRow
	if err := c.DB().Get("credits", id, &cr); err != nil {
		return fmt.Errorf("credit note: %w", err)
	}
	var ch chargeRow
	if err := c.DB().Get("charges", cr.ChargeID, &ch); err != nil {
		return fmt.Errorf("credit note: %w", err)
	}
	_, err := issueCredit(c, e, cr, ch)
	return err
}

// fiscalBatch bounds how many documents of each kind one run of the job
// issues per company.
const fiscalBatch = 50

// fiscalJob issues, per company, the fiscal documents still to issue: with
// auto_issue, the invoices of the last week's charges that have none (new
// ones, and those left pending while the authority was unavailable or its
// breaker open); and the credit notes of credits whose charge's invoice is
// authorized. A document that still cannot be issued stays pending for the
// next run, with its error code.
var fiscalJob = sdk.Job{
	Name: "issue_fiscal_documents", Schedule: "@every 1m", PerCompany: true,
	Summary: "Issue the invoices of charges (automatic invoicing) and the credit notes of credits still to issue",
	Handler: runFiscalJob,
}

// idRow is a row of a query that lists ids.
type idRow struct {
	ID string `json:"id"`
}

func runFiscalJob(c *sdk.Context, _ sdk.JobRun) error {
	st, err := c.Fiscal().Settings()
	if err != nil || !st.Configured {
		return err
	}
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	if st.AutoIssue {
		var charges []idRow
		if err := c.DB().Query(qFiscalUninvoiced, &charges, fiscalBatch); err != nil {
			return fmt.Errorf("fiscal job: %w", err)
		}
		for _, ch := range charges {
			if _, err := issueCharge(c, e, ch.ID, nil); err != nil && sdk.FiscalAnswer(err) == nil {
				return err
			}
		}
	}
	var credits []idRow
	if err := c.DB().Query(qFiscalUncredited, &credits, fiscalBatch); err != nil {
		return fmt.Errorf("fiscal job: %w", err)
	}
	for _, cr := range credits {
		if err := issueCreditByID(c, e, cr.ID); err != nil && sdk.FiscalAnswer(err) == nil {
			return err
		}
	}
	return nil
}
