package mx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

const stampPath = "/cfdi33/stamp/v4"

// anonymousSale is a sale to the public in general dated date (in the
// company's calendar), paid with form: 100 at 16 % and 30 at 0 %.
func anonymousSale(source, date, form string) sdkfiscal.Input {
	in := sale(source)
	in.Customer, in.Date, in.PaymentForm = sdkfiscal.Customer{}, date, form
	return in
}

// setPeriodicidad configures the company's global CFDIs' periodicidad.
func (e *env) setPeriodicidad(t *testing.T, company uuid.UUID, p string) {
	t.Helper()
	_, err := e.svc.PutSettings(t.Context(), company, fiscal.Settings{Environment: fiscal.Homologation,
		Config: json.RawMessage(`{"name":"ESCUELA KEMPER URGATE","regimen_fiscal":"601","lugar_expedicion":"06600","periodicidad":"` + p + `"}`)})
	require.NoError(t, err)
}

// at is a wall-clock time in Mexico City.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, cfditest.MexicoCity)
	require.NoError(t, err)
	return v
}

// globals are the company's global documents, oldest first.
func (e *env) globals(t *testing.T, company uuid.UUID) []*fiscal.Document {
	t.Helper()
	rows, err := e.pool.Query(t.Context(),
		`SELECT id FROM fiscal_documents WHERE company_id = $1 AND is_global ORDER BY created_at, id`, company)
	require.NoError(t, err)
	var out []*fiscal.Document
	for rows.Next() {
		var id uuid.UUID
		require.NoError(t, rows.Scan(&id))
		doc, err := e.svc.Get(t.Context(), company, "", id)
		require.NoError(t, err)
		out = append(out, doc)
	}
	require.NoError(t, rows.Err())
	return out
}

var informacionGlobal = regexp.MustCompile(`<cfdi:InformacionGlobal Periodicidad="(\d\d)" Meses="(\d\d)" Año="(\d{4})"`)

// period is the InformacionGlobal of a stamped CFDI: "periodicidad meses año".
func period(t *testing.T, stamped []byte) string {
	t.Helper()
	m := informacionGlobal.FindSubmatch(stamped)
	require.NotNil(t, m, "no InformacionGlobal")
	return string(m[1]) + " " + string(m[2]) + " " + string(m[3])
}

func TestAnonymousSalesGoIntoOneGlobalPerDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)

	var held []*fiscal.Document
	for i, s := range []struct{ date, form string }{{"2026-12-03", "cash"}, {"2026-12-03", "card"}, {"2026-12-03", "cash"}, {"2026-12-04", "card"}} {
		doc, err := e.svc.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("ticket-%d", i+1), s.date, s.form))
		require.NoError(t, err)
		require.Equal(t, sdkfiscal.StatusPendingGlobal, doc.Status)
		require.Nil(t, doc.Number)
		held = append(held, doc)
	}
	// The generic RFC is the public in general too; a named customer is
	// stamped at once.
	generic := anonymousSale("ticket-5", "2026-12-04", "cash")
	generic.Customer.TaxID = cfdi.RFCPublicoGeneral
	doc, err := e.svc.Issue(ctx, company, vertical, generic)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, doc.Status)
	named, err := e.svc.Issue(ctx, company, vertical, sale("named-1"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, named.Status)
	require.Equal(t, 1, e.pac.Calls(stampPath), "nothing sent for the held sales")

	// Asking again answers the held document.
	again, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, held[0].ID, again.ID)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, again.Status)
	list, _, err := e.svc.List(ctx, company, fiscal.ListFilter{Status: sdkfiscal.StatusPendingGlobal})
	require.NoError(t, err)
	require.Len(t, list, 5)

	// Before the 3rd has ended in Mexico City, nothing is issued.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-03 23:59")))
	require.Empty(t, e.globals(t, company))
	require.Equal(t, 1, e.pac.Calls(stampPath))

	// Once it has, one global CFDI of its three sales.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 00:01")))
	globals := e.globals(t, company)
	require.Len(t, globals, 1)
	g := globals[0]
	require.Equal(t, sdkfiscal.StatusAuthorized, g.Status, "%+v", g.Messages)
	require.Equal(t, "global:01:2026-12-03", g.SourceID)
	require.Equal(t, vertical, g.Vertical)
	require.Equal(t, sdkfiscal.KindInvoice, g.Kind)
	require.Equal(t, "A", *g.Series)
	require.EqualValues(t, 2, *g.Number, "the global numbers in the serie after the named sale")
	require.Equal(t, "438.00", g.Total.String(), "three sales of 146")
	cfdiChecks(t, g.LegalDocument)
	parsed, err := invoices.Parse(g.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, cfdi.RFCPublicoGeneral, parsed.Receptor.Rfc)
	require.Equal(t, "S01", parsed.Receptor.UsoCFDI)
	require.Equal(t, "PUE", parsed.MetodoPago)
	require.Equal(t, "01", parsed.FormaPago, "cash paid the most (292 against 146)")
	require.Equal(t, "01 12 2026", period(t, g.LegalDocument))
	require.Len(t, parsed.Conceptos, 6, "one line per sale and tax rate")
	sum := decimal.Zero
	for i, c := range parsed.Conceptos {
		require.Equal(t, fmt.Sprintf("ticket-%d", i/2+1), c.NoIdentificacion)
		require.Equal(t, "01010101", c.ClaveProdServ)
		require.Equal(t, "ACT", c.ClaveUnidad)
		require.Equal(t, "Venta", c.Descripcion)
		require.True(t, c.Cantidad.Equal(decimal.NewFromInt(1)))
		sum = sum.Add(c.Importe)
	}
	require.Equal(t, "390", sum.String())
	require.Equal(t, "390", parsed.SubTotal.String())
	require.Equal(t, "438", parsed.Total.String(), "the members' totals add up")
	// The cadena original, checked by its structure (the goldens in
	// cfdi/testdata are SAT's XSLT's output for fixed documents; this one
	// carries the PAC's date and folio): InformacionGlobal after the
	// header, then each ticket's lines in order.
	cadena, err := cfdi.CadenaOriginal(complemento.ReplaceAll(g.LegalDocument, nil))
	require.NoError(t, err)
	require.Contains(t, cadena, "|PUE|06600|01|12|2026|"+cfditest.RFC+"|")
	require.Contains(t, cadena, "|XAXX010101000|PUBLICO EN GENERAL|06600|616|S01|")
	pos := 0
	for i := 1; i <= 3; i++ {
		rates := map[string]bool{}
		for range 2 {
			k := strings.Index(cadena[pos:], fmt.Sprintf("|01010101|ticket-%d|1|ACT|Venta|", i))
			require.GreaterOrEqual(t, k, 0, "ticket-%d's lines in order", i)
			pos += k + 1
			for _, rate := range []string{"0.000000", "0.160000"} {
				if strings.Contains(cadena[pos:pos+120], "|002|Tasa|"+rate+"|") {
					rates[rate] = true
				}
			}
		}
		require.Len(t, rates, 2, "ticket-%d: a line at 16 %% and one at 0 %%", i)
	}

	// The members are authorized with its UUID and name it; the 4th's and
	// 5th's day has not been issued.
	for i, h := range held {
		m, err := e.svc.Get(ctx, company, vertical, h.ID)
		require.NoError(t, err)
		if i < 3 {
			require.Equal(t, sdkfiscal.StatusAuthorized, m.Status)
			require.Equal(t, *g.AuthorizationCode, *m.AuthorizationCode)
			require.Equal(t, g.ID.String(), m.Details["global_document_id"])
			require.Nil(t, m.Number)
		} else {
			require.Equal(t, sdkfiscal.StatusPendingGlobal, m.Status)
		}
	}
	// The stamped global is with the invoices once, beside the named sale.
	inv, _, err := e.invoices.List(ctx, company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Len(t, inv, 2)

	// A member is printed and cancelled only with its global; motivo 04
	// is for a global.
	_, err = e.svc.Printable(ctx, company, held[0].ID)
	require.Equal(t, "fiscal_document_in_global", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, company, vertical, held[0].ID, "02")
	require.Equal(t, "fiscal_document_in_global", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, company, vertical, named.ID, "04")
	require.Equal(t, "invalid_field", httpCode(t, err))
	// A vertical's source id may not pose as a global.
	_, err = e.svc.Issue(ctx, company, vertical, anonymousSale("global:01:2026-12-09", "2026-12-09", "cash"))
	require.Equal(t, "invalid_field", httpCode(t, err))

	// A return of a member is an Egreso relating the global's UUID.
	ret := anonymousSale("return-1", "2026-12-04", "cash")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &held[0].ID
	ret.Lines, ret.Totals = ret.Lines[1:], sdkfiscal.Totals{Net: d("30"), Tax: d("0"), Total: d("30"),
		Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0"), Base: d("30"), Amount: d("0")}}}
	note, err := e.svc.Issue(ctx, company, vertical, ret)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, note.Status)
	np, err := invoices.Parse(note.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, invoices.TipoEgreso, np.TipoDeComprobante)
	require.Equal(t, []invoices.Relacionados{{TipoRelacion: "01", UUIDs: []string{strings.ToLower(*g.AuthorizationCode)}}}, np.Relacionados)

	// The next day, the second global; a run with nothing to do sends
	// nothing.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-05 08:00")))
	globals = e.globals(t, company)
	require.Len(t, globals, 2)
	require.Equal(t, "global:01:2026-12-04", globals[1].SourceID)
	require.Equal(t, sdkfiscal.StatusAuthorized, globals[1].Status)
	calls := e.pac.Calls(stampPath)
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-06 08:00")))
	require.Equal(t, calls, e.pac.Calls(stampPath))

	// Cancelling a global (motivo 04) puts its sales back on hold; the
	// next run issues a new global of their day.
	cancelled, err := e.svc.Cancel(ctx, company, vertical, globals[1].ID, "04")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancelled, cancelled.Status)
	m, err := e.svc.Get(ctx, company, vertical, held[3].ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, m.Status)
	require.Nil(t, m.AuthorizationCode)
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-06 08:00")))
	globals = e.globals(t, company)
	require.Len(t, globals, 3)
	require.Equal(t, "global:01:2026-12-04:2", globals[2].SourceID)
	require.Equal(t, sdkfiscal.StatusAuthorized, globals[2].Status)
	m, err = e.svc.Get(ctx, company, vertical, held[3].ID)
	require.NoError(t, err)
	require.Equal(t, *globals[2].AuthorizationCode, *m.AuthorizationCode)
}

func TestHeldCreditNoteWaitsForTheGlobal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	sold, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	ret := anonymousSale("return-1", "2026-12-03", "cash")
	ret.Kind, ret.RelatedDocumentID = sdkfiscal.KindCreditNote, &sold.ID
	note, err := e.svc.Issue(ctx, company, vertical, ret)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, note.Status, "the return waits for its sale's global")
	require.Zero(t, e.pac.Calls(stampPath))

	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 00:00")))
	g := e.globals(t, company)[0]
	require.Equal(t, sdkfiscal.StatusAuthorized, g.Status)
	note, err = e.svc.Get(ctx, company, vertical, note.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, note.Status)
	require.Equal(t, "NC", *note.Series)
	cfdiChecks(t, note.LegalDocument)
	np, err := invoices.Parse(note.LegalDocument)
	require.NoError(t, err)
	require.Equal(t, invoices.TipoEgreso, np.TipoDeComprobante)
	require.Equal(t, cfdi.RFCPublicoGeneral, np.Receptor.Rfc)
	require.Equal(t, []invoices.Relacionados{{TipoRelacion: "01", UUIDs: []string{strings.ToLower(*g.AuthorizationCode)}}}, np.Relacionados)
	require.Equal(t, 2, e.pac.Calls(stampPath))
}

func TestGlobalPeriodsEndInTheCompanysZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// Monthly: a sale on the last day of November (23:30 in Mexico City
	// is already December in UTC) is in November's global, issued once
	// November has ended in Mexico City.
	monthly := e.company(t, cfditest.RFC, true)
	e.setPeriodicidad(t, monthly, cfdi.PeriodicidadMensual)
	for i, date := range []string{"2026-11-02", "2026-11-30"} {
		_, err := e.svc.Issue(ctx, monthly, vertical, anonymousSale(fmt.Sprintf("m-%d", i), date, "cash"))
		require.NoError(t, err)
	}
	require.NoError(t, e.svc.IssueGlobals(ctx, monthly, time.Date(2026, 12, 1, 5, 59, 0, 0, time.UTC)))
	require.Empty(t, e.globals(t, monthly), "23:59 on November 30th in Mexico City")
	require.NoError(t, e.svc.IssueGlobals(ctx, monthly, time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)))
	g := e.globals(t, monthly)
	require.Len(t, g, 1)
	require.Equal(t, "global:04:2026-11-01", g[0].SourceID)
	require.Equal(t, "04 11 2026", period(t, g[0].LegalDocument))
	require.Equal(t, float64(2), g[0].Details["members"])

	// Weekly: the week of Monday November 30th is cut at the month's end;
	// December 1st to Sunday 6th is one global, Monday 7th waits.
	e = newEnv(t) // one company of the test CSD's RFC per database
	weekly := e.company(t, cfditest.RFC, true)
	e.setPeriodicidad(t, weekly, cfdi.PeriodicidadSemanal)
	for i, date := range []string{"2026-11-30", "2026-12-01", "2026-12-06", "2026-12-07"} {
		_, err := e.svc.Issue(ctx, weekly, vertical, anonymousSale(fmt.Sprintf("w-%d", i), date, "cash"))
		require.NoError(t, err)
	}
	require.NoError(t, e.svc.IssueGlobals(ctx, weekly, at(t, "2026-12-07 00:30")))
	g = e.globals(t, weekly)
	require.Len(t, g, 2)
	require.Equal(t, "global:02:2026-11-30", g[0].SourceID)
	require.Equal(t, "02 11 2026", period(t, g[0].LegalDocument))
	require.Equal(t, "global:02:2026-12-01", g[1].SourceID)
	require.Equal(t, "02 12 2026", period(t, g[1].LegalDocument))
	require.Equal(t, float64(2), g[1].Details["members"])
	last, err := e.svc.GetBySource(ctx, weekly, vertical, sdkfiscal.KindInvoice, "w-3")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, last.Status)

	// Bimonthly: November–December is Meses 18.
	e = newEnv(t)
	bimonthly := e.company(t, cfditest.RFC, true)
	e.setPeriodicidad(t, bimonthly, cfdi.PeriodicidadBimestral)
	_, err = e.svc.Issue(ctx, bimonthly, vertical, anonymousSale("b-1", "2026-11-15", "cash"))
	require.NoError(t, err)
	require.NoError(t, e.svc.IssueGlobals(ctx, bimonthly, at(t, "2026-12-31 23:59")))
	require.Empty(t, e.globals(t, bimonthly))
	require.NoError(t, e.svc.IssueGlobals(ctx, bimonthly, at(t, "2027-01-01 00:00")))
	g = e.globals(t, bimonthly)
	require.Len(t, g, 1)
	require.Equal(t, "05 18 2026", period(t, g[0].LegalDocument))
}

func TestGlobalUnknownOutcomeIsNeverStampedTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	for i := range 3 {
		_, err := e.svc.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("t-%d", i), "2026-12-03", "cash"))
		require.NoError(t, err)
	}
	// The PAC stamps and the answer is lost; asking again meets a 502.
	e.pac.Fail(pactest.FailLostAnswer, pactest.FailGateway)
	err := e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 01:00"))
	require.Error(t, err)
	require.Equal(t, "fiscal_outcome_unknown", httpCode(t, err))
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusRequested, g[0].Status)
	m, err := e.svc.GetBySource(ctx, company, vertical, sdkfiscal.KindInvoice, "t-0")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, m.Status)

	// The next run resolves it with the PAC's earlier stamp: one CFDI.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 01:05")))
	g = e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[0].Status)
	require.Equal(t, 3, e.pac.Calls(stampPath), "the same sealed CFDI sent three times")
	inv, _, err := e.invoices.List(ctx, company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Len(t, inv, 1)
	require.True(t, strings.EqualFold(*g[0].AuthorizationCode, inv[0].UUID))
	m, err = e.svc.GetBySource(ctx, company, vertical, sdkfiscal.KindInvoice, "t-0")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, m.Status)
	require.Equal(t, *g[0].AuthorizationCode, *m.AuthorizationCode)

	// A PAC that answers 500 before stamping: the global is resent by
	// the next run, still one per period.
	for i := range 2 {
		_, err := e.svc.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("u-%d", i), "2026-12-04", "cash"))
		require.NoError(t, err)
	}
	e.pac.Fail(pactest.FailServerError, pactest.FailServerError)
	require.Error(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-05 01:00")))
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-05 01:05")))
	g = e.globals(t, company)
	require.Len(t, g, 2)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[1].Status)
	inv, _, err = e.invoices.List(ctx, company, invoices.ListFilter{})
	require.NoError(t, err)
	require.Len(t, inv, 2)
}

// rejectingPAC is the fake PAC behind a proxy that refuses every stamp
// while reject is set, as SW does a CFDI that breaks SAT's rules.
func rejectingPAC(t *testing.T, e *env) (string, *atomic.Bool) {
	t.Helper()
	var reject atomic.Bool
	target, err := url.Parse(e.pac.URL)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == stampPath && reject.Load() {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"status":"error","message":"CFDI40124 - El campo Año no es válido.","messageDetail":null,"data":null}`)
			return
		}
		r.URL.Scheme, r.URL.Host, r.Host = target.Scheme, target.Host, target.Host
		r.RequestURI = ""
		res, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &reject
}

func TestRejectedGlobalIsNotSentAgainUntilItMayBe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	proxy, reject := rejectingPAC(t, e)
	svc := fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets,
		Issuers: []fiscal.Issuer{mx.New(e.pool, e.invoices, mx.WithPACURL(proxy))}})
	e.svc = svc
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	for i := range 2 {
		_, err := svc.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("t-%d", i), "2026-12-03", "cash"))
		require.NoError(t, err)
	}
	reject.Store(true)
	require.NoError(t, svc.IssueGlobals(ctx, company, at(t, "2026-12-04 01:00")), "a rejection is on the document")
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusRejected, g[0].Status)
	require.Equal(t, "CFDI40124", g[0].Messages[0].Code)
	m, err := svc.GetBySource(ctx, company, vertical, sdkfiscal.KindInvoice, "t-0")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, m.Status, "the sales stay held")
	require.Equal(t, g[0].ID.String(), m.Details["global_document_id"])
	calls := e.pac.Calls("/security/authenticate")

	// Runs within the wait send nothing.
	require.NoError(t, svc.IssueGlobals(ctx, company, time.Now().Add(10*time.Minute)))
	require.NoError(t, svc.IssueGlobals(ctx, company, time.Now().Add(59*time.Minute)))
	require.Len(t, e.globals(t, company), 1)
	require.Equal(t, calls, e.pac.Calls("/security/authenticate"))

	// After the wait, a new global of the period; refused again, the
	// next wait is twice as long.
	require.NoError(t, svc.IssueGlobals(ctx, company, time.Now().Add(61*time.Minute)))
	g = e.globals(t, company)
	require.Len(t, g, 2)
	require.Equal(t, "global:01:2026-12-03:2", g[1].SourceID)
	require.Equal(t, sdkfiscal.StatusRejected, g[1].Status)
	require.NoError(t, svc.IssueGlobals(ctx, company, time.Now().Add(61*time.Minute)))
	require.Len(t, e.globals(t, company), 2)

	// The company's settings change (the cause fixed): the next run
	// tries again at once.
	reject.Store(false)
	e.setPeriodicidad(t, company, cfdi.PeriodicidadDiaria)
	require.NoError(t, svc.IssueGlobals(ctx, company, time.Now()))
	g = e.globals(t, company)
	require.Len(t, g, 3)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[2].Status)
	m, err = svc.GetBySource(ctx, company, vertical, sdkfiscal.KindInvoice, "t-0")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, m.Status)
	require.Equal(t, g[2].ID.String(), m.Details["global_document_id"])
}

func TestConcurrentGlobalRunsStampOneGlobal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	for i := range 5 {
		_, err := e.svc.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("t-%d", i), "2026-12-03", "cash"))
		require.NoError(t, err)
	}
	// Two replicas, each with its own service on the same database.
	other := fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets,
		Issuers: []fiscal.Issuer{mx.New(e.pool, e.invoices, mx.WithPACURL(e.pac.URL))}})
	var wg sync.WaitGroup
	for _, svc := range []*fiscal.Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			assert.NoError(t, svc.IssueGlobals(ctx, company, at(t, "2026-12-04 01:00")))
		}()
	}
	wg.Wait()
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[0].Status)
	require.Equal(t, 1, e.pac.Calls(stampPath))
	var members int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FROM fiscal_documents WHERE company_id = $1 AND global_id = $2 AND status = 'authorized'`,
		company, g[0].ID).Scan(&members))
	require.Equal(t, 5, members)
}

func TestGlobalsOfManySales(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	company := e.company(t, cfditest.RFC, true)
	// 2000 held sales of one day, written by SQL as Issue stores them.
	in := anonymousSale("template", "2026-12-03", "cash")
	body, err := json.Marshal(in)
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `
INSERT INTO fiscal_documents (company_id, vertical, source_id, kind, status, country, input, input_hash, currency, total, created_at)
SELECT $1, $2, 'bulk-' || lpad(g::text, 4, '0'), 'invoice', 'pending_global', 'MX',
       jsonb_set($3::jsonb, '{source_id}', to_jsonb('bulk-' || lpad(g::text, 4, '0'))), '\x00', 'MXN', 146,
       now() + g * interval '1 microsecond'
FROM generate_series(1, 2000) g`, company, vertical, string(body))
	require.NoError(t, err)

	start := time.Now()
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 01:00")))
	t.Logf("a global CFDI of 2000 sales issued in %s", time.Since(start))
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[0].Status, "%+v", g[0].Messages)
	parsed, err := invoices.Parse(g[0].LegalDocument)
	require.NoError(t, err)
	require.Len(t, parsed.Conceptos, 4000)
	require.Equal(t, "bulk-0001", parsed.Conceptos[0].NoIdentificacion)
	require.Equal(t, "bulk-2000", parsed.Conceptos[3999].NoIdentificacion)
	require.Equal(t, "292000", parsed.Total.String(), "2000 × 146")
	cfdiChecks(t, g[0].LegalDocument)
	var held, authorized int
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending_global'), count(*) FILTER (WHERE status = 'authorized' AND authorization_code = $2)
FROM fiscal_documents WHERE company_id = $1 AND NOT is_global`, company, *g[0].AuthorizationCode).Scan(&held, &authorized))
	require.Zero(t, held)
	require.Equal(t, 2000, authorized)

	// A service bounding a global to 3 members splits a period of 7.
	small := fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets, GlobalMaxMembers: 3,
		Issuers: []fiscal.Issuer{mx.New(e.pool, e.invoices, mx.WithPACURL(e.pac.URL))}})
	for i := range 7 {
		_, err := small.Issue(ctx, company, vertical, anonymousSale(fmt.Sprintf("s-%d", i), "2026-12-04", "card"))
		require.NoError(t, err)
	}
	require.NoError(t, small.IssueGlobals(ctx, company, at(t, "2026-12-05 01:00")))
	g = e.globals(t, company)
	require.Len(t, g, 4)
	for i, want := range []string{"global:01:2026-12-04", "global:01:2026-12-04:2", "global:01:2026-12-04:3"} {
		require.Equal(t, want, g[i+1].SourceID)
		require.Equal(t, sdkfiscal.StatusAuthorized, g[i+1].Status)
	}
	require.Equal(t, []any{float64(3), float64(3), float64(1)}, []any{g[1].Details["members"], g[2].Details["members"], g[3].Details["members"]})
}

func TestGlobalsOfAnotherCompany(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.company(t, cfditest.RFC, true)
	// B has no CSD (the test CSD is of A's RFC): its global is made but
	// cannot be sent.
	b := e.company(t, "URE180429TM6", false)
	_, err := e.svc.Issue(ctx, a, vertical, anonymousSale("a-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	_, err = e.svc.Issue(ctx, b, vertical, anonymousSale("b-1", "2026-12-03", "cash"))
	require.NoError(t, err)

	// B's run never takes A's sales.
	err = e.svc.IssueGlobals(ctx, b, at(t, "2026-12-04 01:00"))
	require.Equal(t, "fiscal_credentials_missing", httpCode(t, err))
	gb := e.globals(t, b)
	require.Len(t, gb, 1)
	require.Equal(t, sdkfiscal.StatusDraft, gb[0].Status)
	require.Equal(t, float64(1), gb[0].Details["members"])
	var members []string
	rows, err := e.pool.Query(ctx, `SELECT source_id FROM fiscal_documents WHERE global_id = $1`, gb[0].ID)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		members = append(members, s)
	}
	require.Equal(t, []string{"b-1"}, members)
	require.Empty(t, e.globals(t, a))
	held, err := e.svc.GetBySource(ctx, a, vertical, sdkfiscal.KindInvoice, "a-1")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, held.Status)

	require.NoError(t, e.svc.IssueGlobals(ctx, a, at(t, "2026-12-04 01:00")))
	ga := e.globals(t, a)
	require.Len(t, ga, 1)
	// B can neither read nor list nor cancel A's global.
	_, err = e.svc.Get(ctx, b, "", ga[0].ID)
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	_, err = e.svc.Cancel(ctx, b, "", ga[0].ID, "04")
	require.Equal(t, "fiscal_document_not_found", httpCode(t, err))
	list, _, err := e.svc.List(ctx, b, fiscal.ListFilter{})
	require.NoError(t, err)
	for _, d := range list {
		require.NotEqual(t, ga[0].ID, d.ID)
	}
	require.Len(t, list, 2, "B's sale and B's global")
}
