package mx_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/jobs"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

// Now implements fiscal.Config.Now.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	cancelPath = "/cfdi33/cancel/csd"
	statusPath = pac.StatusPath
)

// bigSale is sale with 1,190.00 in total: above SAT's $1,000, its
// cancellation needs the receiver's acceptance.
func bigSale(source string) sdkfiscal.Input {
	in := sale(source)
	in.Lines[0].Quantity, in.Lines[0].Net, in.Lines[0].Total = d("20"), d("1000"), d("1160")
	in.Lines[0].Taxes = []sdkfiscal.Tax{{Type: "iva", Rate: d("0.16"), Base: d("1000"), Amount: d("160")}}
	in.Totals = sdkfiscal.Totals{Net: d("1030"), Tax: d("160"), Total: d("1190"), Taxes: []sdkfiscal.Tax{
		{Type: "iva", Rate: d("0.16"), Base: d("1000"), Amount: d("160")}, {Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}}
	return in
}

// issued issues in for company and requires it authorized.
func (e *env) issued(t *testing.T, company uuid.UUID, in sdkfiscal.Input) *fiscal.Document {
	t.Helper()
	doc, err := e.svc.Issue(t.Context(), company, vertical, in)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, "%+v", doc.Messages)
	return doc
}

// invoiceStatus is the status of doc's CFDI with the host's invoices.
func (e *env) invoiceStatus(t *testing.T, company uuid.UUID, doc *fiscal.Document) string {
	t.Helper()
	inv, err := e.invoices.Get(t.Context(), company, uuid.MustParse(doc.Details["invoice_id"].(string)))
	require.NoError(t, err)
	return inv.Status
}

// auditActions are the company's fiscal audit actions of doc, oldest first.
func (e *env) auditActions(t *testing.T, company uuid.UUID, doc *fiscal.Document) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), `SELECT action FROM audit_log WHERE company_id = $1 AND target = $2 ORDER BY at, id`,
		company, "fiscal_document:"+doc.ID.String())
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		out = append(out, a)
	}
	require.NoError(t, rows.Err())
	return out
}

// httpStatus is the HTTP status err answers.
func httpStatus(t *testing.T, err error) int {
	t.Helper()
	var he *httpx.Error
	require.ErrorAs(t, err, &he)
	return he.Status()
}

// jobsRun is a run of the cancellations' job for company.
func jobsRun(company uuid.UUID) jobs.Run {
	return jobs.Run{ID: uuid.New(), Job: fiscal.CancelJobName, CompanyID: company, Attempt: 1, ScheduledAt: time.Now()}
}

// sat is the SAT words a document shows of its cancellation.
func sat(doc *fiscal.Document) map[string]any {
	c, _ := doc.Details["cancellation"].(map[string]any)
	return c
}

// TestCancelWithoutAcceptance: what SAT cancels without the receiver — a
// small amount, a sale to the public in general whatever its amount, an
// Egreso — is cancelled at once, with the invoice, and no job follows it.
func TestCancelWithoutAcceptance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)

	small := e.issued(t, company, sale("small"))
	// In dollars, so it is stamped at once as a global CFDI of its own (a
	// sale in pesos waits for its period's global: global_test.go).
	public := bigSale("public")
	public.Customer = sdkfiscal.Customer{}
	public.Currency, public.ExchangeRate = "USD", d("17.25")
	global := e.issued(t, company, public)
	invoice := e.issued(t, company, sale("invoiced"))
	ret := sale("return")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &invoice.ID
	note := e.issued(t, company, ret)

	for _, doc := range []*fiscal.Document{small, global, note} {
		got, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "02")
		require.NoError(t, err)
		require.Equal(t, sdkfiscal.StatusCancelled, got.Status, doc.SourceID)
		require.Equal(t, "02", *got.CancelReason)
		require.Equal(t, pac.CanceladoSinAceptacion, sat(got)["estatus_cancelacion"], doc.SourceID)
		require.Equal(t, invoices.StatusCancelled, e.invoiceStatus(t, company, doc))
		require.Equal(t, []string{"fiscal.document.created", "fiscal.document.requested", "fiscal.document.authorized",
			"fiscal.document.cancelled"}, e.auditActions(t, company, doc))
	}
	e.clock.advance(24 * time.Hour)
	companies, err := e.svc.CancellationJob("@every 1m").Companies(ctx)
	require.NoError(t, err)
	require.Empty(t, companies)
}

// TestCancelWithAcceptance: a CFDI of more than $1,000 to a named
// receiver waits for the receiver: cancellation_requested, asked about by
// the job with backoff, until SAT tells the receiver's answer.
func TestCancelWithAcceptance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		answer      pactest.Answer
		status      sdkfiscal.Status
		cancelacion string
		invoice     string
	}{
		{"accepted", pactest.Accept, sdkfiscal.StatusCancelled, pac.CanceladoConAceptacion, invoices.StatusCancelled},
		{"rejected", pactest.Reject, sdkfiscal.StatusAuthorized, pac.SolicitudRechazada, invoices.StatusValid},
		{"plazo vencido", pactest.Lapse, sdkfiscal.StatusCancelled, pac.PlazoVencido, invoices.StatusCancelled},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := t.Context()
			company := e.company(t, cfditest.RFC, true)
			doc := e.issued(t, company, bigSale("sale-1"))

			pending, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "02")
			require.NoError(t, err)
			require.Equal(t, sdkfiscal.StatusCancellationRequested, pending.Status)
			require.Equal(t, "02", *pending.CancelReason)
			require.Nil(t, pending.CancelledAt)
			require.Equal(t, pac.CancelacionEnProceso, sat(pending)["estatus_cancelacion"])
			require.Equal(t, pac.CancelableConAceptacion, sat(pending)["es_cancelable"])
			require.Equal(t, invoices.StatusValid, e.invoiceStatus(t, company, doc), "in force until SAT cancels it")

			// Asking again answers the pending document without calling the
			// PAC; reading and listing show it.
			again, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "02")
			require.NoError(t, err)
			require.Equal(t, sdkfiscal.StatusCancellationRequested, again.Status)
			require.Equal(t, 1, e.pac.Calls(cancelPath))
			got, err := e.svc.Get(ctx, company, "", doc.ID)
			require.NoError(t, err)
			require.Equal(t, sdkfiscal.StatusCancellationRequested, got.Status)
			list, _, err := e.svc.List(ctx, company, fiscal.ListFilter{Status: sdkfiscal.StatusCancellationRequested})
			require.NoError(t, err)
			require.Len(t, list, 1)
			require.Equal(t, doc.ID, list[0].ID)

			// Not due yet: the job asks nothing.
			statusCalls := e.pac.Calls(statusPath)
			job := e.svc.CancellationJob("@every 1m")
			companies, err := job.Companies(ctx)
			require.NoError(t, err)
			require.Empty(t, companies)
			n, err := e.svc.CheckCancellations(ctx, company)
			require.NoError(t, err)
			require.Zero(t, n)
			require.Equal(t, statusCalls, e.pac.Calls(statusPath))

			// Due, the receiver has not answered: still pending.
			e.clock.advance(6 * time.Minute)
			companies, err = job.Companies(ctx)
			require.NoError(t, err)
			require.Equal(t, []uuid.UUID{company}, companies)
			n, err = e.svc.CheckCancellations(ctx, company)
			require.NoError(t, err)
			require.Zero(t, n)
			require.Equal(t, statusCalls+1, e.pac.Calls(statusPath))
			got, err = e.svc.Get(ctx, company, "", doc.ID)
			require.NoError(t, err)
			require.Equal(t, sdkfiscal.StatusCancellationRequested, got.Status)

			// The receiver answers; the next check (backed off to ten
			// minutes after the last) tells it, through the job's run.
			require.NoError(t, e.pac.Respond(*doc.AuthorizationCode, c.answer))
			e.clock.advance(6 * time.Minute)
			n, err = e.svc.CheckCancellations(ctx, company)
			require.NoError(t, err)
			require.Zero(t, n, "backed off: not due yet")
			e.clock.advance(5 * time.Minute)
			require.NoError(t, job.Run(ctx, jobsRun(company)))
			require.Equal(t, statusCalls+2, e.pac.Calls(statusPath))

			got, err = e.svc.Get(ctx, company, "", doc.ID)
			require.NoError(t, err)
			require.Equal(t, c.status, got.Status)
			require.Equal(t, c.cancelacion, sat(got)["estatus_cancelacion"])
			require.Equal(t, c.invoice, e.invoiceStatus(t, company, doc))
			require.Equal(t, 1, e.pac.Calls(cancelPath))
			audit := e.auditActions(t, company, doc)
			require.Equal(t, "fiscal.document.cancellation_requested", audit[3])
			if c.status == sdkfiscal.StatusCancelled {
				require.Equal(t, []string{"fiscal.document.cancelled"}, audit[4:])
				require.NotNil(t, got.CancelledAt)
				return
			}
			require.Equal(t, []string{"fiscal.document.cancellation_rejected"}, audit[4:])
			require.Nil(t, got.CancelReason)
			require.Equal(t, "solicitud_rechazada", got.Messages[len(got.Messages)-1].Code)
			require.Contains(t, got.Messages[len(got.Messages)-1].Message, "rejected")

			// In force again, it may be cancelled again: a new request.
			again, err = e.svc.Cancel(ctx, company, vertical, doc.ID, "03")
			require.NoError(t, err)
			require.Equal(t, sdkfiscal.StatusCancellationRequested, again.Status)
			require.Equal(t, "03", *again.CancelReason)
			require.Equal(t, 2, e.pac.Calls(cancelPath))
		})
	}
}

// TestCancellationStatusTimeout: SAT's status service not answering in
// time changes nothing; the check backs off and a later one tells.
func TestCancellationStatusTimeout(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, outbound.NewPool(outbound.Config{Timeout: 300 * time.Millisecond, MaxAttempts: 1, FailureThreshold: 100}))
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)
	doc := e.issued(t, company, bigSale("sale-1"))
	pending, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "02")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancellationRequested, pending.Status)
	require.NoError(t, e.pac.Respond(*doc.AuthorizationCode, pactest.Accept))

	e.pac.FailStatus(pactest.FailHang)
	e.clock.advance(6 * time.Minute)
	n, err := e.svc.CheckCancellations(ctx, company)
	require.Error(t, err)
	require.Zero(t, n)
	got, err := e.svc.Get(ctx, company, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancellationRequested, got.Status)
	require.Equal(t, pac.CancelacionEnProceso, sat(got)["estatus_cancelacion"])
	require.Equal(t, invoices.StatusValid, e.invoiceStatus(t, company, doc))
	require.Equal(t, []string{"fiscal.document.created", "fiscal.document.requested", "fiscal.document.authorized",
		"fiscal.document.cancellation_requested"}, e.auditActions(t, company, doc))

	e.clock.advance(11 * time.Minute)
	n, err = e.svc.CheckCancellations(ctx, company)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err = e.svc.Get(ctx, company, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancelled, got.Status)
}

// TestCancellationChecksOnTwoReplicas: two hosts checking the same
// company at once ask SAT once and record the cancellation once.
func TestCancellationChecksOnTwoReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)
	var docs []*fiscal.Document
	for _, src := range []string{"sale-1", "sale-2", "sale-3"} {
		doc := e.issued(t, company, bigSale(src))
		pending, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "02")
		require.NoError(t, err)
		require.Equal(t, sdkfiscal.StatusCancellationRequested, pending.Status)
		require.NoError(t, e.pac.Respond(*doc.AuthorizationCode, pactest.Accept))
		docs = append(docs, doc)
	}
	other := newEnvOn(t, e)
	statusCalls := e.pac.Calls(statusPath)
	e.clock.advance(6 * time.Minute)

	var (
		wg      sync.WaitGroup
		changed [2]int
		errs    [2]error
	)
	for i, svc := range []*fiscal.Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			changed[i], errs[i] = svc.CheckCancellations(ctx, company)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.Equal(t, len(docs), changed[0]+changed[1])
	require.Equal(t, statusCalls+len(docs), e.pac.Calls(statusPath), "each document asked about once")
	for _, doc := range docs {
		got, err := e.svc.Get(ctx, company, "", doc.ID)
		require.NoError(t, err)
		require.Equal(t, sdkfiscal.StatusCancelled, got.Status)
		audit := e.auditActions(t, company, doc)
		require.Equal(t, []string{"fiscal.document.cancellation_requested", "fiscal.document.cancelled"}, audit[3:])
	}
}

// newEnvOn is a second host on e's database, PAC and clock.
func newEnvOn(t *testing.T, e *env) *fiscal.Service {
	t.Helper()
	issuer := mx.New(e.pool, e.invoices, mx.WithPACURL(e.pac.URL))
	return fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Issuers: []fiscal.Issuer{issuer}, Now: e.clock.Now})
}

// TestNotCancelable: a CFDI that a CFDI in force relates is "No
// cancelable" for SAT: 409 with SAT's words, nothing sent; once the
// relating CFDI is cancelled it may be.
func TestNotCancelable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)
	invoice := e.issued(t, company, bigSale("sale-1"))
	ret := sale("return-1")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &invoice.ID
	note := e.issued(t, company, ret)

	_, err := e.svc.Cancel(ctx, company, vertical, invoice.ID, "02")
	require.Equal(t, "cfdi_not_cancelable", httpCode(t, err))
	require.Equal(t, 409, httpStatus(t, err))
	require.Contains(t, err.Error(), pac.NoCancelable)
	require.Zero(t, e.pac.Calls(cancelPath))
	got, err := e.svc.Get(ctx, company, "", invoice.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, got.Status)

	_, err = e.svc.Cancel(ctx, company, vertical, note.ID, "02")
	require.NoError(t, err)
	got, err = e.svc.Cancel(ctx, company, vertical, invoice.ID, "02")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancellationRequested, got.Status)
}

// TestCancelRefusesABadReason: a reason SAT does not know, or 01 without
// the replacing CFDI, is a 422 naming the field; nothing is sent or
// written.
func TestCancelRefusesABadReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)
	doc := e.issued(t, company, bigSale("sale-1"))
	statusCalls := e.pac.Calls(statusPath)
	for _, reason := range []string{"", "05", "1", "01", "01:not-a-uuid", "02:" + uuid.NewString(), "cancel it"} {
		_, err := e.svc.Cancel(ctx, company, vertical, doc.ID, reason)
		require.Equal(t, "invalid_field", httpCode(t, err), "reason %q", reason)
		require.Equal(t, 422, httpStatus(t, err))
	}
	require.Zero(t, e.pac.Calls(cancelPath))
	require.Equal(t, statusCalls, e.pac.Calls(statusPath))
	got, err := e.svc.Get(ctx, company, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, got.Status)
	require.Len(t, e.auditActions(t, company, doc), 3)

	// 01 with the replacing CFDI goes through.
	replacement := e.issued(t, company, bigSale("sale-2"))
	pending, err := e.svc.Cancel(ctx, company, vertical, doc.ID, "01:"+*replacement.AuthorizationCode)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancellationRequested, pending.Status)
}

// TestPendingCancellationIsTheCompanysOwn: another company neither sees a
// pending cancellation nor cancels or checks it.
func TestPendingCancellationIsTheCompanysOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	a := e.company(t, cfditest.RFC, true)
	b := e.company(t, "URE180429TM6", true)
	doc := e.issued(t, a, bigSale("sale-a"))
	_, err := e.svc.Cancel(ctx, a, vertical, doc.ID, "02")
	require.NoError(t, err)

	_, err = e.svc.Get(ctx, b, "", doc.ID)
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, b, vertical, doc.ID, "02")
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	list, _, err := e.svc.List(ctx, b, fiscal.ListFilter{Status: sdkfiscal.StatusCancellationRequested})
	require.NoError(t, err)
	require.Empty(t, list)

	require.NoError(t, e.pac.Respond(*doc.AuthorizationCode, pactest.Accept))
	e.clock.advance(time.Hour)
	n, err := e.svc.CheckCancellations(ctx, b)
	require.NoError(t, err)
	require.Zero(t, n)
	got, err := e.svc.Get(ctx, a, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancellationRequested, got.Status, "B's check does not touch A's document")
	require.Equal(t, 1, e.pac.Calls(cancelPath))
}
