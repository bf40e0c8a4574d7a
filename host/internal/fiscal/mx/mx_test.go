package mx_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

const (
	vertical        = "shop"
	accountUser     = "kemper@pac.test"
	accountPassword = "pac-Secret-42"
)

// env is a database with the fiscal core, the MX issuer, the invoices and
// a fake PAC.
type env struct {
	pool     *pgxpool.Pool
	secrets  *secrets.Service
	invoices *invoices.Service
	pac      *pactest.Server
	svc      *fiscal.Service
	logs     *syncBuffer
	// clock is the core's clock of cancellation checks.
	clock *clock
	// failIngest makes the issuer's next store of a stamped CFDI fail.
	failIngest atomic.Bool
}

// flakyInvoices is the invoices service whose Ingest fails once when the
// env says so.
type flakyInvoices struct {
	*invoices.Service
	e *env
}

func (f flakyInvoices) Ingest(ctx context.Context, companyID, actorID uuid.UUID, data []byte) (invoices.IngestResult, error) {
	if f.e.failIngest.Swap(false) {
		return invoices.IngestResult{}, errors.New("database hiccup")
	}
	return f.Service.Ingest(ctx, companyID, actorID, data)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T, opts ...mx.Option) *env {
	t.Helper()
	return newEnvWith(t, nil, opts...)
}

// newEnvWith is newEnv with the core's breakers in pool (nil: defaults).
func newEnvWith(t *testing.T, pool *outbound.Pool, opts ...mx.Option) *env {
	t.Helper()
	e := &env{pool: storetest.NewPool(t), pac: pactest.New(accountUser, accountPassword), logs: &syncBuffer{}, clock: newClock()}
	t.Cleanup(e.pac.Close)
	e.secrets = secrets.NewService(e.pool, secrets.DevKeyring(), func(name string) bool { return name == fiscal.SecretsNamespace })
	e.invoices = invoices.NewService(e.pool, nil)
	log := hclog.New(&hclog.LoggerOptions{Output: e.logs, Level: hclog.Trace})
	issuer := mx.New(e.pool, flakyInvoices{e.invoices, e}, append([]mx.Option{mx.WithPACURL(e.pac.URL)}, opts...)...)
	e.svc = fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets,
		Issuers: []fiscal.Issuer{issuer}, Logger: log, Outbound: pool, Now: e.clock.Now})
	return e
}

// company inserts a Mexican company with RFC rfc, configured to issue
// CFDIs with the generated test CSD when credentials is set.
func (e *env) company(t *testing.T, rfc string, credentials bool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ('Escuela', 'MX', 'MXN', $1, 'America/Mexico_City') RETURNING id`, rfc).Scan(&id))
	_, err := e.svc.PutSettings(t.Context(), id, fiscal.Settings{Environment: fiscal.Homologation,
		Config: json.RawMessage(`{"name":"ESCUELA KEMPER URGATE","regimen_fiscal":"601","lugar_expedicion":"06600"}`)})
	require.NoError(t, err)
	if credentials {
		cer, key := cfditest.CSDFiles(t)
		for name, v := range map[string]string{
			mx.SecretCSDCertificate: base64.StdEncoding.EncodeToString(cer), mx.SecretCSDKey: base64.StdEncoding.EncodeToString(key),
			mx.SecretCSDPassword: cfditest.Password, mx.SecretPACUser: accountUser, mx.SecretPACPassword: accountPassword,
		} {
			require.NoError(t, e.secrets.Put(t.Context(), secrets.Address{CompanyID: id, Vertical: fiscal.SecretsNamespace, Name: name}, []byte(v)))
		}
	}
	return id
}

var d = decimal.RequireFromString

// sale is a sale to a company customer: two lines at IVA 16 % and 0 %.
func sale(source string) sdkfiscal.Input {
	return sdkfiscal.Input{
		SourceID: source, Kind: sdkfiscal.KindInvoice, Currency: "MXN", PaymentForm: "card",
		Customer: sdkfiscal.Customer{TaxID: "URE180429TM6", Name: "UNIVERSIDAD ROBOTICA ESPAÑOLA", Condition: "601",
			PostalCode: "64000", Use: "G03"},
		Lines: []sdkfiscal.Line{
			{Description: "Refresco 600 ml", Code: "SKU-1", ProductKey: "50202306", Quantity: d("2"), UnitPrice: d("50"),
				Net: d("100"), Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0.16"), Base: d("100"), Amount: d("16")}}, Total: d("116")},
			{Description: "Tortilla 1 kg", Code: "SKU-2", ProductKey: "01010101", UnitKey: "KGM", Quantity: d("1"), UnitPrice: d("30"),
				Net: d("30"), Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}, Total: d("30")},
		},
		Totals: sdkfiscal.Totals{Net: d("130"), Tax: d("16"), Total: d("146"), Taxes: []sdkfiscal.Tax{
			{Type: "iva", Rate: d("0.16"), Base: d("100"), Amount: d("16")}, {Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}},
	}
}

var complemento = regexp.MustCompile(`(?s)\s*<cfdi:Complemento>.*</cfdi:Complemento>`)

// cfdiChecks puts the CFDI part of a stamped document (the Timbre taken
// out, as SAT's schema validates the CFDI without it) through
// cfditest.Checks: the Sello, and SAT's schema and XSLT under the tag
// satfiles.
func cfdiChecks(t *testing.T, stamped []byte) {
	t.Helper()
	plain := complemento.ReplaceAll(stamped, nil)
	cadena, err := cfdi.CadenaOriginal(plain)
	require.NoError(t, err)
	parsed, err := invoices.Parse(stamped)
	require.NoError(t, err)
	cfditest.Checks(t, plain, parsed.Timbre.SelloCFD, cadena)
}

func httpCode(t *testing.T, err error) string {
	t.Helper()
	var he *httpx.Error
	require.True(t, errors.As(err, &he), "%v is not an *httpx.Error", err)
	return he.Code
}

func TestIssueStampsAndStoresTheCFDI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)

	doc, err := e.svc.Issue(ctx, company, vertical, sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, "%+v", doc.Messages)
	require.Equal(t, "A", *doc.Series)
	require.EqualValues(t, 1, *doc.Number)
	cfdiChecks(t, doc.LegalDocument)

	// The stamped CFDI is with the company's invoices, issued, at the
	// sale's total.
	inv, err := e.invoices.Get(ctx, company, uuid.MustParse(doc.Details["invoice_id"].(string)))
	require.NoError(t, err)
	require.Equal(t, invoices.DirectionIssued, inv.Direction)
	require.True(t, strings.EqualFold(*doc.AuthorizationCode, inv.UUID))
	require.Equal(t, "146.00", inv.Total)
	require.Equal(t, "URE180429TM6", inv.ReceptorRFC)
	require.Equal(t, "A", inv.Serie)
	require.Equal(t, "1", inv.Folio)

	// Asking again answers the same document; the next sale takes folio 2.
	again, err := e.svc.Issue(ctx, company, vertical, sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, doc.ID, again.ID)
	second, err := e.svc.Issue(ctx, company, vertical, sale("sale-2"))
	require.NoError(t, err)
	require.EqualValues(t, 2, *second.Number)
	require.Equal(t, 2, e.pac.Calls("/cfdi33/stamp/v4"))

	// The printable form is a PDF; printing stores the CFDI with the
	// invoices again if it was lost (here it was not: still one).
	p, err := e.svc.Printable(ctx, company, doc.ID)
	require.NoError(t, err)
	require.Equal(t, "application/pdf", p.ContentType)
	require.True(t, bytes.HasPrefix(p.Body, []byte("%PDF-")))

	// A credit note is an Egreso of serie NC relating the invoice.
	ret := sale("return-1")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &doc.ID
	ret.Lines, ret.Totals = ret.Lines[1:], sdkfiscal.Totals{Net: d("30"), Tax: d("0"), Total: d("30"),
		Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}}
	note, err := e.svc.Issue(ctx, company, vertical, ret)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, note.Status)
	require.Equal(t, "NC", *note.Series)
	cfdiChecks(t, note.LegalDocument)
	parsed, err := invoices.Parse(note.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, invoices.TipoEgreso, parsed.TipoDeComprobante)
	require.Equal(t, []invoices.Relacionados{{TipoRelacion: "01", UUIDs: []string{strings.ToLower(*doc.AuthorizationCode)}}}, parsed.Relacionados)
	require.Equal(t, "G02", parsed.Receptor.UsoCFDI)

	// Cancellation: motivo 01 needs the replacing CFDI; 02 goes through
	// the PAC and the invoice is cancelled too.
	_, err = e.svc.Cancel(ctx, company, vertical, second.ID, "01")
	require.Equal(t, "invalid_field", httpCode(t, err))
	cancelled, err := e.svc.Cancel(ctx, company, vertical, second.ID, "02")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancelled, cancelled.Status)
	inv2, err := e.invoices.Get(ctx, company, uuid.MustParse(second.Details["invoice_id"].(string)))
	require.NoError(t, err)
	require.Equal(t, invoices.StatusCancelled, inv2.Status)

	// Nothing logged carries a credential.
	logs := e.logs.String()
	cer, key := cfditest.CSDFiles(t)
	for _, secret := range []string{accountPassword, cfditest.Password, base64.StdEncoding.EncodeToString(key)[:40], base64.StdEncoding.EncodeToString(cer)[:40]} {
		require.NotContains(t, logs, secret)
	}
}

func TestConcurrentIssuancesNumberInOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	company := e.company(t, cfditest.RFC, true)
	// Fewer issuances than the pool's 10 connections: each waiter of the
	// core's series lock holds a connection while the holder's issuer
	// needs one more (secrets, folio, invoices), so 10 or more at once
	// wait on each other until their context ends.
	const n = 8
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	numbers := make(chan int64, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc, err := e.svc.Issue(ctx, company, vertical, sale(fmt.Sprintf("sale-%02d", k)))
			if assert.NoError(t, err) && assert.Equal(t, sdkfiscal.StatusAuthorized, doc.Status) {
				numbers <- *doc.Number
			}
		}()
	}
	wg.Wait()
	close(numbers)
	var got []int64
	for n := range numbers {
		got = append(got, n)
	}
	slices.Sort(got)
	want := make([]int64, n)
	for k := range want {
		want[k] = int64(k + 1)
	}
	require.Equal(t, want, got, "folios 1..n, none skipped or repeated")
	list, _, err := e.invoices.List(context.Background(), company, invoices.ListFilter{Limit: 100})
	require.NoError(t, err)
	require.Len(t, list, n)
}

// An anonymous sale in another currency is not held for the period's
// global CFDI (whose tickets share one Moneda): it is a global CFDI of its
// own at once.
func TestAnonymousSaleInDollarsIsAGlobalCFDIOfItsOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	company := e.company(t, cfditest.RFC, true)
	in := sale("ticket-77")
	in.Customer, in.PaymentForm = sdkfiscal.Customer{}, "cash"
	in.Currency, in.ExchangeRate = "USD", d("17.25")
	doc, err := e.svc.Issue(context.Background(), company, vertical, in)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status)
	cfdiChecks(t, doc.LegalDocument)
	parsed, err := invoices.Parse(doc.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, cfdi.RFCPublicoGeneral, parsed.Receptor.Rfc)
	require.Equal(t, "616", parsed.Receptor.RegimenFiscalReceptor)
	require.Equal(t, "S01", parsed.Receptor.UsoCFDI)
	require.Equal(t, "01", parsed.FormaPago)
	require.Contains(t, string(doc.LegalDocument), `<cfdi:InformacionGlobal Periodicidad="01"`)
	require.Len(t, parsed.Conceptos, 2, "one line per tax rate of the ticket")
	require.Equal(t, "ticket-77", parsed.Conceptos[0].NoIdentificacion)
	require.Equal(t, "146", parsed.Total.String())
}

func TestLostAnswerIsResolvedWithTheSameStamp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	company := e.company(t, cfditest.RFC, true)
	e.pac.Fail(pactest.FailLostAnswer)
	doc, err := e.svc.Issue(context.Background(), company, vertical, sale("sale-lost"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status)
	// The PAC stamped once; the second request (the core's Status) got
	// that stamp back. One invoice holds it.
	require.Equal(t, 2, e.pac.Calls("/cfdi33/stamp/v4"))
	list, _, err := e.invoices.List(context.Background(), company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, strings.EqualFold(*doc.AuthorizationCode, list[0].UUID))
}

func TestPrintingStoresACFDIWhoseStoreFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	e.failIngest.Store(true)
	doc, err := e.svc.Issue(ctx, company, vertical, sale("sale-1"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, "the CFDI exists at the SAT whatever the host's store did")
	require.NotContains(t, doc.Details, "invoice_id")
	list, _, err := e.invoices.List(ctx, company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Empty(t, list)

	_, err = e.svc.Printable(ctx, company, doc.ID)
	require.NoError(t, err)
	list, _, err = e.invoices.List(ctx, company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.True(t, strings.EqualFold(*doc.AuthorizationCode, list[0].UUID))
}

func TestRefusalsSendNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// No credentials: 422 naming the first missing one; the document
	// stays a draft.
	bare := e.company(t, "XIQB891116QE4", false)
	_, err := e.svc.Issue(ctx, bare, vertical, sale("s-1"))
	require.Equal(t, "fiscal_credentials_missing", httpCode(t, err))

	// A CSD of another RFC is refused before anything is sent.
	other := e.company(t, "URE180429TM6", true)
	_, err = e.svc.Issue(ctx, other, vertical, sale("s-1"))
	require.Equal(t, "fiscal_credentials_invalid", httpCode(t, err))

	// A wrong CSD password.
	company := e.company(t, cfditest.RFC, true)
	require.NoError(t, e.secrets.Put(ctx, secrets.Address{CompanyID: company, Vertical: fiscal.SecretsNamespace, Name: mx.SecretCSDPassword}, []byte("nope")))
	_, err = e.svc.Issue(ctx, company, vertical, sale("s-1"))
	require.Equal(t, "fiscal_credentials_invalid", httpCode(t, err))
	require.NotContains(t, err.Error(), "nope")
	require.NoError(t, e.secrets.Put(ctx, secrets.Address{CompanyID: company, Vertical: fiscal.SecretsNamespace, Name: mx.SecretCSDPassword}, []byte(cfditest.Password)))

	// A customer without régimen, and a total the CFDI cannot reach.
	in := sale("s-2")
	in.Customer.Condition = ""
	_, err = e.svc.Issue(ctx, company, vertical, in)
	require.Equal(t, "invalid_field", httpCode(t, err))
	in = sale("s-3")
	in.Lines[0].Taxes[0].Amount, in.Lines[0].Total = d("16.01"), d("116.01")
	in.Totals.Tax, in.Totals.Total, in.Totals.Taxes[0].Amount = d("16.01"), d("146.01"), d("16.01")
	_, err = e.svc.Issue(ctx, company, vertical, in)
	require.NoError(t, err, "a cent per line is rounding")
	require.Equal(t, 1, e.pac.Calls("/cfdi33/stamp/v4"), "only the last sale was stamped")

	// A PAC that cannot be reached: 503, nothing stamped; once its
	// breaker opened, 503 at once without calling it.
	down := newEnvWith(t, outbound.NewPool(outbound.Config{FailureThreshold: 1, OpenTimeout: time.Hour, MaxAttempts: 1}),
		mx.WithPACURL("http://127.0.0.1:1"))
	c := down.company(t, cfditest.RFC, true)
	_, err = down.svc.Issue(ctx, c, vertical, sale("s-1"))
	require.Equal(t, "fiscal_service_unavailable", httpCode(t, err))
	_, err = down.svc.Issue(ctx, c, vertical, sale("s-1"))
	require.Equal(t, "fiscal_service_unavailable", httpCode(t, err))
	require.Contains(t, err.Error(), "failed too often lately")
	got, err := down.svc.GetBySource(ctx, c, vertical, sdkfiscal.KindInvoice, "s-1")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusDraft, got.Status, "the sale stays un-invoiced")
	require.Equal(t, "open", down.svc.Outbound().Breakers()[0].State)
}

func TestAnotherCompanyNeverSeesIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.company(t, cfditest.RFC, true)
	b := e.company(t, "URE180429TM6", false)
	doc, err := e.svc.Issue(ctx, a, vertical, sale("sale-a"))
	require.NoError(t, err)
	invoiceID := uuid.MustParse(doc.Details["invoice_id"].(string))

	_, err = e.svc.Get(ctx, b, "", doc.ID)
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.svc.Printable(ctx, b, doc.ID)
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, b, "", doc.ID, "02")
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.invoices.Get(ctx, b, invoiceID)
	require.Error(t, err)
	list, _, err := e.invoices.List(ctx, b, invoices.ListFilter{})
	require.NoError(t, err)
	require.Empty(t, list)
	var folios int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM cfdi_folios WHERE company_id = $1`, b).Scan(&folios))
	require.Zero(t, folios)
}

// feesAndDrinks is an invoice to a company for professional fees, with
// the ISR and IVA the customer withholds, flavoured drinks with IEPS per
// liter (IVA on the price plus IEPS) and an exempt course.
func feesAndDrinks(source string) sdkfiscal.Input {
	in := sale(source)
	in.PaymentForm = "transfer"
	in.Lines = []sdkfiscal.Line{
		{Description: "Honorarios diciembre", ProductKey: "84111506", UnitKey: "E48", Quantity: d("1"), UnitPrice: d("10000"), Net: d("10000"),
			Taxes: []sdkfiscal.Tax{
				{Type: sdkfiscal.TaxIVA, Rate: d("0.16"), Base: d("10000"), Amount: d("1600")},
				{Type: sdkfiscal.TaxISR, Withheld: true, Rate: d("0.10"), Base: d("10000"), Amount: d("1000")},
				{Type: sdkfiscal.TaxIVA, Withheld: true, Rate: d("0.106667"), Base: d("10000"), Amount: d("1066.67")},
			}, Total: d("9533.33")},
		{Description: "Bebida saborizada 600 ml", ProductKey: "50202301", Quantity: d("6"), UnitPrice: d("15"), Net: d("90"),
			Taxes: []sdkfiscal.Tax{
				{Type: sdkfiscal.TaxIEPS, Quota: d("1.6451"), Base: d("3.6"), Amount: d("5.92")},
				{Type: sdkfiscal.TaxIVA, Rate: d("0.16"), Base: d("95.92"), Amount: d("15.35")},
			}, Total: d("111.27")},
		{Description: "Curso", ProductKey: "86101700", UnitKey: "E48", Quantity: d("1"), UnitPrice: d("300"), Net: d("300"),
			Taxes: []sdkfiscal.Tax{{Type: sdkfiscal.TaxIVA, Exempt: true, Base: d("300")}}, Total: d("300")},
	}
	in.Totals = sdkfiscal.TotalsOf(in.Lines)
	return in
}

// TestTaxesBeyondIVAReachTheCFDI issues, through the fiscal service and
// the fake PAC, an invoice with withholdings, IEPS per unit and an
// exemption, and reads the stamped CFDI stored with the document: each
// Concepto's Traslados and Retenciones, the document's
// TotalImpuestosRetenidos and a Total that is the vertical's (net +
// transferred − withheld), sealed and verified. Taxes a CFDI cannot carry
// are refused naming the tax, and nothing is stored.
func TestTaxesBeyondIVAReachTheCFDI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	in := feesAndDrinks("fees-1")
	require.Equal(t, "9944.60", in.Totals.Total.StringFixed(2), "10390 + 1621.27 − 2066.67")
	doc, err := e.svc.Issue(ctx, company, vertical, in)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, doc.Status, "%+v", doc.Messages)

	stored, err := e.svc.Get(ctx, company, vertical, doc.ID)
	require.NoError(t, err)
	cfdiChecks(t, stored.LegalDocument)
	xml := string(stored.LegalDocument)
	for _, node := range []string{
		`<cfdi:Concepto ClaveProdServ="84111506" Cantidad="1" ClaveUnidad="E48" Descripcion="Honorarios diciembre" ValorUnitario="10000.00" Importe="10000.00" ObjetoImp="02">`,
		`<cfdi:Traslado Base="10000.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="1600.00"/>`,
		`<cfdi:Retencion Base="10000.00" Impuesto="001" TipoFactor="Tasa" TasaOCuota="0.100000" Importe="1000.00"/>`,
		`<cfdi:Retencion Base="10000.00" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.106667" Importe="1066.67"/>`,
		`<cfdi:Traslado Base="3.60" Impuesto="003" TipoFactor="Cuota" TasaOCuota="1.645100" Importe="5.92"/>`,
		`<cfdi:Traslado Base="95.92" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="15.35"/>`,
		`<cfdi:Traslado Base="300.00" Impuesto="002" TipoFactor="Exento"/>`,
		`<cfdi:Impuestos TotalImpuestosRetenidos="2066.67" TotalImpuestosTrasladados="1621.27">`,
		`<cfdi:Retencion Impuesto="001" Importe="1000.00"/>`,
		`<cfdi:Retencion Impuesto="002" Importe="1066.67"/>`,
		`<cfdi:Traslado Base="10095.92" Impuesto="002" TipoFactor="Tasa" TasaOCuota="0.160000" Importe="1615.35"/>`,
	} {
		require.Contains(t, xml, node)
	}
	parsed, err := invoices.Parse(stored.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, "9944.60", parsed.Total.StringFixed(2))
	require.Equal(t, "10390.00", parsed.SubTotal.StringFixed(2))

	// Another country's tax, IEPS or a withholding to the public in
	// general: 422 naming the tax, nothing stored.
	for i, c := range []struct {
		field  string
		change func(*sdkfiscal.Input)
	}{
		{"lines[1].taxes[0].type", func(in *sdkfiscal.Input) {
			in.Lines[1].Taxes[0] = sdkfiscal.Tax{Type: sdkfiscal.TaxGrossIncomePerception, Rate: d("0.03"), Base: d("90"), Amount: d("2.70")}
			in.Lines[1].Taxes[1].Base, in.Lines[1].Taxes[1].Amount, in.Lines[1].Total = d("90"), d("14.40"), d("107.10")
		}},
		{"lines[0].taxes[1].withheld", func(in *sdkfiscal.Input) { in.Customer = sdkfiscal.Customer{} }},
		{"lines[0].taxes[0].type", func(in *sdkfiscal.Input) {
			in.Customer = sdkfiscal.Customer{}
			in.Lines = in.Lines[1:]
		}},
	} {
		field, change := c.field, c.change
		in := feesAndDrinks(fmt.Sprintf("refused-%d", i))
		change(&in)
		in.Totals = sdkfiscal.TotalsOf(in.Lines)
		require.NoError(t, in.Validate())
		_, err := e.svc.Issue(ctx, company, vertical, in)
		var he *httpx.Error
		require.ErrorAs(t, err, &he)
		require.Equal(t, "invalid_field", he.Code, he.Message)
		require.Equal(t, field, he.Details["field"], he.Message)
		_, err = e.svc.GetBySource(ctx, company, vertical, sdkfiscal.KindInvoice, in.SourceID)
		require.Equal(t, "fiscal_document_not_found", httpCode(t, err), "nothing stored")
	}
	require.Equal(t, 1, e.pac.Calls("/cfdi33/stamp/v4"))
}
