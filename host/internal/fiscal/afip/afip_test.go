package afip_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
	"github.com/nexuspos/nexus/host/internal/httpx"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

func requireCode(t *testing.T, err error, status int, code string) *httpx.Error {
	t.Helper()
	var he *httpx.Error
	require.ErrorAs(t, err, &he)
	require.Equal(t, status, he.Status(), he.Message)
	require.Equal(t, code, he.Code, he.Message)
	return he
}

// TestReceiptBToAFinalConsumer checks a whole issuance against the fake:
// a responsable inscripto's sale to a final consumer is a Factura B with
// IVA per rate and CondicionIVAReceptorId 5, authorized with a CAE; the
// QR carries AFIP's JSON; the printable receipt shows the CAE and the QR;
// asking again changes nothing at AFIP.
func TestReceiptBToAFinalConsumer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, doc.Messages)
	require.Equal(t, int64(1), *doc.Number)
	require.Equal(t, c+"-3-6", *doc.Series)
	require.Len(t, *doc.AuthorizationCode, 14)
	require.Equal(t, "2026-12-15", *doc.AuthorizationExpires)
	require.Equal(t, "B", doc.Details["receipt_letter"])

	got := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB)
	require.Len(t, got, 1)
	d := got[0].Detail
	require.Equal(t, 99, d.DocTipo)
	require.Equal(t, 5, d.CondicionIVAReceptorId)
	require.Equal(t, "286.20", d.ImpTotal)
	require.Equal(t, "240.00", d.ImpNeto)
	require.Equal(t, "46.20", d.ImpIVA)
	require.Equal(t, "PES", d.MonId)
	require.Equal(t, "20261205", d.CbteFch)
	require.Equal(t, []afip.AlicIva{{Id: 5, BaseImp: "200.00", Importe: "42.00"}, {Id: 4, BaseImp: "40.00", Importe: "4.20"}}, d.Iva)

	qr, ok := doc.Details["qr_url"].(string)
	require.True(t, ok)
	u, err := url.Parse(qr)
	require.NoError(t, err)
	require.Equal(t, "www.afip.gob.ar", u.Host)
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("p"))
	require.NoError(t, err)
	require.JSONEq(t, fmt.Sprintf(`{"ver":1,"fecha":"2026-12-05","cuit":%s,"ptoVta":3,"tipoCmp":6,"nroCmp":1,"importe":286.20,
		"moneda":"PES","ctz":1,"tipoCodAut":"E","codAut":%s}`, c, *doc.AuthorizationCode), string(raw))

	p, err := e.svc.Printable(t.Context(), companyID, doc.ID)
	require.NoError(t, err)
	require.Equal(t, "text/html; charset=utf-8", p.ContentType)
	require.Contains(t, string(p.Body), "CAE: "+*doc.AuthorizationCode)
	require.Contains(t, string(p.Body), "00003-00000001")
	require.Contains(t, string(p.Body), `src="data:image/png;base64,`)
	require.Contains(t, string(p.Body), strings.ReplaceAll(qr, "+", "&#43;"))

	again, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, doc.ID, again.ID)
	require.Equal(t, 1, e.afip.Calls("FECAESolicitar"))
	require.Equal(t, 1, e.afip.Calls("LoginCms"), "the ticket is reused from the cache")
	e.requireNoCredentialInLogs(t)
}

// TestTwentyConcurrentIssuancesNumberInSequence: twenty sales issued at
// once on one point of sale get AFIP numbers 1..20, none skipped or
// repeated, with one login.
func TestTwentyConcurrentIssuancesNumberInSequence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	var wg sync.WaitGroup
	errs := make([]error, 20)
	numbers := make([]int64, 20)
	for i := range 20 {
		wg.Go(func() {
			doc, err := e.svc.Issue(context.Background(), companyID, "cpg", sale(fmt.Sprintf("sale-%02d", i), sdkfiscal.Customer{}))
			errs[i] = err
			if err == nil && doc.Number != nil {
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
	receipts := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB)
	require.Len(t, receipts, 20)
	for i, r := range receipts {
		require.Equal(t, int64(i+1), r.Detail.CbteDesde)
		require.True(t, seen[int64(i+1)], "number %d skipped", i+1)
	}
	require.Equal(t, 20, e.afip.Calls("FECAESolicitar"), "no request was refused or repeated")
	require.Equal(t, 1, e.afip.Calls("LoginCms"))
}

// TestTimeoutAfterProcessingConsultsBeforeAnything: AFIP authorizes the
// receipt but the answer never comes; the issuer asks FECompConsultar and
// takes the CAE it recorded, sending nothing twice; the next sale gets the
// next number.
func TestTimeoutAfterProcessingConsultsBeforeAnything(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{timeout: time.Second})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.FailNext("FECAESolicitar", afiptest.TimeoutAfterProcessing)
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status)
	receipts := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB)
	require.Len(t, receipts, 1)
	require.Equal(t, receipts[0].CAE, *doc.AuthorizationCode)
	require.Equal(t, 1, e.afip.Calls("FECAESolicitar"))
	require.Equal(t, 1, e.afip.Calls("FECompConsultar"))

	next, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(2), *next.Number)
	e.requireNoCredentialInLogs(t)
}

// TestServerErrorIsConsultedThenSentAgain: a 5xx that processed nothing
// is consulted (AFIP has no such receipt) and sent once more with the same
// number.
func TestServerErrorIsConsultedThenSentAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.FailNext("FECAESolicitar", afiptest.ServerError)
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status)
	require.Equal(t, int64(1), *doc.Number)
	require.Len(t, e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB), 1)
	require.Equal(t, 2, e.afip.Calls("FECAESolicitar"))
	require.Equal(t, 1, e.afip.Calls("FECompConsultar"))
}

// TestConsultFailingLeavesTheNumberPending: when neither the answer nor
// FECompConsultar can be read, the document stays requested and nothing
// else of the series is numbered until AFIP answers.
func TestConsultFailingLeavesTheNumberPending(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	e.afip.FailNext("FECAESolicitar", afiptest.ServerError)
	for range 3 { // the outbound client retries a read-only call
		e.afip.FailNext("FECompConsultar", afiptest.ServerError)
	}
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	requireCode(t, err, http.StatusServiceUnavailable, "fiscal_outcome_unknown")
	pending, err := e.svc.GetBySource(t.Context(), companyID, "cpg", sdkfiscal.KindInvoice, "sale-1")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusRequested, pending.Status)

	// The next sale first settles sale-1 (AFIP has no receipt 1), then
	// takes number 1; sale-1 is sent again when asked, as number 2.
	second, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(1), *second.Number)
	first, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(2), *first.Number)
	require.Len(t, e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB), 2)
}

// TestExpiredTicketLogsInAgain: WSFEv1 refuses the cached ticket (error
// 600); the issuer gets a new one and goes on.
func TestExpiredTicketLogsInAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	e.afip.ExpireTokens()
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(2), *doc.Number)
	require.Equal(t, 2, e.afip.Calls("LoginCms"))
	e.afip.FailNext("FECAESolicitar", afiptest.ExpiredToken)
	e.afip.ExpireTokens()
	doc, err = e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-3", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(3), *doc.Number)
	e.requireNoCredentialInLogs(t)
}

// TestReceiptForUnrepresentedCUIT: a certificate that may not act for
// the company's CUIT gets WSFEv1's 600 "No apareció CUIT en lista de
// relaciones" on the receipt calls: the issuance is a 422
// fiscal_authority_error naming AFIP's code and operation after exactly
// one login (not an expired ticket logged in again), and nothing is sent
// for authorization.
func TestReceiptForUnrepresentedCUIT(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	c := cuit(t, "30", int(time.Now().UnixNano()%90000000))
	var companyID uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(), `INSERT INTO companies (name, country, currency, tax_id, timezone)
		VALUES ('Almacén', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`, c).Scan(&companyID))
	_, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3]}`))
	require.NoError(t, err)
	cert, key := e.afip.Credentials(t, cuit(t, "20", 30111333))
	putCredential(t, e, companyID, afip.CredentialCertificate, cert)
	putCredential(t, e, companyID, afip.CredentialKey, key)

	_, err = e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	he := requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_authority_error")
	require.Equal(t, "FECompUltimoAutorizado", he.Details["operation"])
	first := he.Details["errors"].([]map[string]any)[0]
	require.Equal(t, "600", first["code"])
	require.Contains(t, first["message"], "No apareció CUIT en lista de relaciones")
	require.Contains(t, he.Message, "error 600")
	require.Equal(t, 1, e.afip.Calls("LoginCms"))
	require.Zero(t, e.afip.Calls("FECAESolicitar"))
	e.requireNoCredentialInLogs(t)
}

// TestRefusedFreshTicketIsUnavailable: a ticket WSAA has just issued
// refused too (600 after the second login) is a 503, never a 500.
func TestRefusedFreshTicketIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	e.afip.ExpireTokens()
	e.afip.FailNext("FECompUltimoAutorizado", afiptest.ExpiredToken)
	e.afip.FailNext("FECompUltimoAutorizado", afiptest.ExpiredToken)
	_, err = e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	requireCode(t, err, http.StatusServiceUnavailable, "fiscal_service_unavailable")
	require.Equal(t, 2, e.afip.Calls("LoginCms"))
}

// TestRejectionKeepsAFIPsCodes: Resultado R is a rejected document with
// AFIP's errors and observations, codes as sent.
func TestRejectionKeepsAFIPsCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	e.afip.FailNext("FECAESolicitar", afiptest.Reject)
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusRejected, doc.Status)
	codes := map[string]string{}
	for _, m := range doc.Messages {
		codes[m.Code] = m.Type
	}
	require.Equal(t, map[string]string{"10048": "error", "10063": "observation"}, codes)
	require.Nil(t, doc.Number)
}

// TestFacturaAAndItsCreditNote: a sale to a responsable inscripto is a
// Factura A (needs the customer's CUIT); its return is a Nota de Crédito A
// naming the invoice in CbtesAsoc. A monotributista issues C without IVA.
func TestFacturaAAndItsCreditNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	ri := sdkfiscal.Customer{Condition: "responsable_inscripto", Name: "Distribuidora SA"}
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", ri))
	requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
	ri.TaxID = cuit(t, "30", 71234567)
	invoice, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", ri))
	require.NoError(t, err)
	require.Equal(t, "A", invoice.Details["receipt_letter"])
	a := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaA)
	require.Len(t, a, 1)
	require.Equal(t, 80, a[0].Detail.DocTipo)
	require.Equal(t, 1, a[0].Detail.CondicionIVAReceptorId)

	credit := sale("return-1", ri)
	credit.Kind, credit.RelatedDocumentID = sdkfiscal.KindCreditNote, &invoice.ID
	note, err := e.svc.Issue(t.Context(), companyID, "cpg", credit)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, note.Status, note.Messages)
	nc := e.afip.Receipts(cuitNumber(c), 3, afip.NotaCreditoA)
	require.Len(t, nc, 1)
	require.Equal(t, []afip.CbteAsoc{{Tipo: afip.FacturaA, PtoVta: 3, Nro: 1, Cuit: c, CbteFch: "20261205"}}, nc[0].Detail.CbtesAsoc)
	_, err = e.svc.Cancel(t.Context(), companyID, "cpg", invoice.ID, "")
	requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_cancel_unsupported")

	// Another point of sale of the company numbers on its own; one it does
	// not have is refused before anything is stored.
	e.afip.SetPointsOfSale(cuitNumber(c), afip.PtoVenta{Nro: 3, EmisionTipo: "CAE", Bloqueado: "N"},
		afip.PtoVenta{Nro: 7, EmisionTipo: "CAE", Bloqueado: "N"})
	_, err = e.svc.PutSettings(t.Context(), companyID, fiscalSettings(`{"iva_condition":"responsable_inscripto","points_of_sale":[3,7]}`))
	require.NoError(t, err)
	other := sale("sale-7", ri)
	other.PointOfSale = 7
	onSeven, err := e.svc.Issue(t.Context(), companyID, "cpg", other)
	require.NoError(t, err)
	require.Equal(t, int64(1), *onSeven.Number)
	require.Equal(t, c+"-7-1", *onSeven.Series)
	require.Len(t, e.afip.Receipts(cuitNumber(c), 7, afip.FacturaA), 1)
	other.SourceID, other.PointOfSale = "sale-9", 9
	_, err = e.svc.Issue(t.Context(), companyID, "cpg", other)
	he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
	require.Equal(t, "point_of_sale", he.Details["field"])

	mono, mc := e.company(t, "monotributo")
	doc, err := e.svc.Issue(t.Context(), mono, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, "C", doc.Details["receipt_letter"])
	cr := e.afip.Receipts(cuitNumber(mc), 3, afip.FacturaC)
	require.Len(t, cr, 1)
	require.Equal(t, "286.20", cr[0].Detail.ImpNeto)
	require.Empty(t, cr[0].Detail.Iva)
}

// TestOpenBreakerAnswersAtOnce: after AFIP failed enough calls in a row,
// the company's breaker opens and an issuance answers 503
// fiscal_service_unavailable without calling AFIP; the sale stays a draft
// to be issued later.
func TestOpenBreakerAnswersAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{threshold: 3})
	companyID, _ := e.company(t, "responsable_inscripto")
	e.afip.SetDown(true)
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	requireCode(t, err, http.StatusServiceUnavailable, "fiscal_service_unavailable")
	calls := e.afip.Calls("FECompUltimoAutorizado")
	require.Equal(t, 3, calls, "three attempts opened the breaker")
	_, err = e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	he := requireCode(t, err, http.StatusServiceUnavailable, "fiscal_service_unavailable")
	require.Equal(t, "afip_wsfe", he.Details["service"])
	require.Equal(t, calls, e.afip.Calls("FECompUltimoAutorizado"), "the open breaker calls nothing")
	doc, err := e.svc.GetBySource(t.Context(), companyID, "cpg", sdkfiscal.KindInvoice, "sale-2")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusDraft, doc.Status)
}

// TestBadCredentialsAndSettings: settings are validated (the CUIT's check
// digit, the IVA condition, points of sale), and a certificate WSAA does
// not trust is a 422 naming the failure, with nothing sent to WSFEv1.
func TestBadCredentialsAndSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, _ := e.company(t, "responsable_inscripto")
	for cfg, field := range map[string]string{
		`{"cuit":"30712345670","iva_condition":"monotributo","points_of_sale":[1]}`: "config.cuit",
		`{"iva_condition":"consumidor_final","points_of_sale":[1]}`:                 "config.iva_condition",
		`{"iva_condition":"monotributo","points_of_sale":[]}`:                       "config.points_of_sale",
		`{"iva_condition":"monotributo","points_of_sale":[1,1]}`:                    "config.points_of_sale",
		`{"iva_condition":"monotributo","points_of_sale":[1],"colour":"red"}`:       "config.",
	} {
		_, err := e.svc.PutSettings(t.Context(), companyID, fiscalSettings(cfg))
		he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
		require.Equal(t, field, he.Details["field"], cfg)
	}
	// A certificate from another authority.
	other := afiptest.New(t)
	var c string
	require.NoError(t, e.pool.QueryRow(t.Context(), `SELECT tax_id FROM companies WHERE id = $1`, companyID).Scan(&c))
	cert, key := other.Credentials(t, c)
	putCredential(t, e, companyID, afip.CredentialCertificate, cert)
	putCredential(t, e, companyID, afip.CredentialKey, key)
	_, err := e.svc.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	he := requireCode(t, err, http.StatusUnprocessableEntity, "fiscal_authentication_failed")
	require.Equal(t, "cms.cert.untrusted", he.Details["code"])
	require.Zero(t, e.afip.Calls("FECompUltimoAutorizado"))
	e.requireNoCredentialInLogs(t)
	raw, _ := json.Marshal(he)
	require.NotContains(t, string(raw), "PRIVATE")
}

// perceptionSale is a sale of two lines to customer: one at 21 % IVA with
// a percepción de IIBB and impuestos internos, one exempt.
func perceptionSale(source string, customer sdkfiscal.Customer) sdkfiscal.Input {
	d := decimal.RequireFromString
	lines := []sdkfiscal.Line{
		{Description: "Vino tinto 750 ml", Quantity: d("10"), UnitPrice: d("100"), Net: d("1000"),
			Taxes: []sdkfiscal.Tax{
				{Type: sdkfiscal.TaxIVA, Rate: d("0.21"), Base: d("1000"), Amount: d("210")},
				{Type: sdkfiscal.TaxGrossIncomePerception, Description: "Percepción IIBB CABA", Rate: d("0.03"), Base: d("1000"), Amount: d("30")},
				{Type: sdkfiscal.TaxInternal, Rate: d("0.2"), Base: d("1000"), Amount: d("200")},
			}, Total: d("1440")},
		{Description: "Libro", Quantity: d("1"), UnitPrice: d("500"), Net: d("500"),
			Taxes: []sdkfiscal.Tax{{Type: sdkfiscal.TaxIVA, Exempt: true, Base: d("500")}}, Total: d("500")},
	}
	return sdkfiscal.Input{SourceID: source, Kind: sdkfiscal.KindInvoice, Currency: "ARS", Date: "2026-12-05", Customer: customer,
		Lines: lines, Totals: sdkfiscal.TotalsOf(lines)}
}

// TestTributosReachAFIP issues a Factura A with a percepción de IIBB,
// impuestos internos and an exempt line: FECAESolicitar carries the
// Tributos array and ImpTrib, the exempt base as ImpOpEx, and ImpTotal
// adds up as AFIP checks it; the stored document and the printed receipt
// show the tributos; a C receipt keeps its tributos out of ImpNeto; a
// Mexican tax or a withholding is refused naming the tax, before
// anything reaches AFIP.
func TestTributosReachAFIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	ri := sdkfiscal.Customer{Condition: "responsable_inscripto", Name: "Vinoteca SRL", TaxID: cuit(t, "30", 71234567)}
	doc, err := e.svc.Issue(t.Context(), companyID, "cpg", perceptionSale("sale-p1", ri))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, doc.Messages)
	got := e.afip.Receipts(cuitNumber(c), 3, afip.FacturaA)
	require.Len(t, got, 1)
	det := got[0].Detail
	require.Equal(t, "1940.00", det.ImpTotal)
	require.Equal(t, "1000.00", det.ImpNeto)
	require.Equal(t, "500.00", det.ImpOpEx)
	require.Equal(t, "210.00", det.ImpIVA)
	require.Equal(t, "230.00", det.ImpTrib)
	require.Equal(t, []afip.AlicIva{{Id: 5, BaseImp: "1000.00", Importe: "210.00"}}, det.Iva)
	require.Equal(t, []afip.Tributo{
		{Id: 7, Desc: "Percepción IIBB CABA", BaseImp: "1000.00", Alic: "3.00", Importe: "30.00"},
		{Id: 4, Desc: "Impuestos internos", BaseImp: "1000.00", Alic: "20.00", Importe: "200.00"},
	}, det.Tributos)

	stored, err := e.svc.Get(t.Context(), companyID, "cpg", doc.ID)
	require.NoError(t, err)
	require.Equal(t, "1940", stored.Input.Totals.Total.String())
	require.Len(t, stored.Input.Totals.Taxes, 4)
	p, err := e.svc.Printable(t.Context(), companyID, doc.ID)
	require.NoError(t, err)
	for _, want := range []string{"IVA 21%: 210.00", "Percepción IIBB CABA 3% s/ 1000.00: 30.00", "Impuestos internos 20% s/ 1000.00: 200.00",
		"Exento: 500.00", "Total ARS 1940.00"} {
		require.Contains(t, string(p.Body), want)
	}

	mono, mc := e.company(t, "monotributo")
	cdoc, err := e.svc.Issue(t.Context(), mono, "cpg", perceptionSale("sale-p1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, cdoc.Status, cdoc.Messages)
	cr := e.afip.Receipts(cuitNumber(mc), 3, afip.FacturaC)
	require.Len(t, cr, 1)
	require.Equal(t, "1710.00", cr[0].Detail.ImpNeto, "the total less the tributos")
	require.Equal(t, "230.00", cr[0].Detail.ImpTrib)
	require.Equal(t, "0.00", cr[0].Detail.ImpOpEx)
	require.Empty(t, cr[0].Detail.Iva)
	p, err = e.svc.Printable(t.Context(), mono, cdoc.ID)
	require.NoError(t, err)
	require.Contains(t, string(p.Body), "Percepción IIBB CABA 3%")
	require.NotContains(t, string(p.Body), "IVA 21%", "a C receipt shows no IVA")

	d := decimal.RequireFromString
	for field, change := range map[string]func(*sdkfiscal.Input){
		"lines[0].taxes[1].type": func(in *sdkfiscal.Input) {
			in.Lines[0].Taxes[1] = sdkfiscal.Tax{Type: sdkfiscal.TaxISR, Withheld: true, Rate: d("0.03"), Base: d("1000"), Amount: d("30")}
			in.Lines[0].Total = d("1380")
		},
		"lines[0].taxes[1].withheld": func(in *sdkfiscal.Input) {
			in.Lines[0].Taxes[1] = sdkfiscal.Tax{Type: sdkfiscal.TaxIVA, Withheld: true, Rate: d("0.03"), Base: d("1000"), Amount: d("30")}
			in.Lines[0].Total = d("1380")
		},
	} {
		in := perceptionSale("sale-bad-"+field, ri)
		change(&in)
		in.Totals = sdkfiscal.TotalsOf(in.Lines)
		_, err := e.svc.Issue(t.Context(), companyID, "cpg", in)
		he := requireCode(t, err, http.StatusUnprocessableEntity, "invalid_field")
		require.Equal(t, field, he.Details["field"])
	}
	require.Equal(t, 2, e.afip.Calls("FECAESolicitar"), "refused inputs reach AFIP never")
}
