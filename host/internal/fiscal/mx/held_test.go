package mx_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/httpx"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// named is an anonymous sale of anonymousSale asked for again with the
// customer's RFC (a "factura" of a ticket).
func named(source, date, form string) sdkfiscal.Input {
	in := anonymousSale(source, date, form)
	in.Customer = sale(source).Customer
	return in
}

// errCode is the error code err answers.
func errCode(t *testing.T, err error) string {
	t.Helper()
	var he *httpx.Error
	require.ErrorAs(t, err, &he)
	return he.Code
}

func TestHeldSaleInvoicedByNameLeavesTheGlobal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)

	held, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, held.Status)
	other, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-2", "2026-12-03", "card"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, other.Status)
	require.Zero(t, e.pac.Calls(stampPath))

	// Another amount is another sale: still a conflict.
	bigger := named("ticket-1", "2026-12-03", "cash")
	bigger.Lines[1].Net, bigger.Lines[1].Total, bigger.Lines[1].UnitPrice = d("40"), d("40"), d("40")
	bigger.Lines[1].Taxes[0].Base = d("40")
	bigger.Totals = sdkfiscal.TotalsOf(bigger.Lines)
	_, err = e.svc.Issue(ctx, company, vertical, bigger)
	require.Equal(t, "fiscal_document_conflict", errCode(t, err))

	// The customer asks for a factura of ticket 1: the held document is
	// stamped now in the customer's name.
	inv, err := e.svc.Issue(ctx, company, vertical, named("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, held.ID, inv.ID, "the same document")
	require.Equal(t, sdkfiscal.StatusAuthorized, inv.Status, "%+v", inv.Messages)
	require.Equal(t, "URE180429TM6", inv.CustomerTaxID)
	require.Nil(t, inv.GlobalID)
	require.Equal(t, 1, e.pac.Calls(stampPath))
	require.Contains(t, string(inv.LegalDocument), `Rfc="URE180429TM6"`)
	require.Equal(t, []string{"fiscal.document.created", "fiscal.document.held", "fiscal.document.named",
		"fiscal.document.requested", "fiscal.document.authorized"}, e.auditActions(t, company, inv))

	// Asked again, the named invoice is answered as it is; the anonymous
	// request is now the conflict.
	again, err := e.svc.Issue(ctx, company, vertical, named("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, inv.ID, again.ID)
	require.Equal(t, 1, e.pac.Calls(stampPath))
	_, err = e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.Equal(t, "fiscal_document_conflict", errCode(t, err))

	// The day's global holds ticket 2 alone.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 00:01")))
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[0].Status, "%+v", g[0].Messages)
	require.Equal(t, float64(1), g[0].Details["members"])
	require.Equal(t, "146.00", g[0].Total.String())
	require.Contains(t, string(g[0].LegalDocument), `NoIdentificacion="ticket-2"`)
	require.NotContains(t, string(g[0].LegalDocument), `NoIdentificacion="ticket-1"`)
	inv, err = e.svc.Get(ctx, company, vertical, inv.ID)
	require.NoError(t, err)
	require.Nil(t, inv.GlobalID)
	require.Equal(t, sdkfiscal.StatusAuthorized, inv.Status)

	// A sale already in a global is not invoiced by name here: SAT's
	// motivo 04 flow (cancel and replace the global) is not done.
	_, err = e.svc.Issue(ctx, company, vertical, named("ticket-2", "2026-12-03", "card"))
	require.Equal(t, "fiscal_document_in_global", errCode(t, err))
	require.Equal(t, http.StatusConflict, httpStatus(t, err))
}

func TestHeldSaleInvoicedByNameIsTheCompanysOwn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	a := e.company(t, cfditest.RFC, true)
	b := e.company(t, "URE180429TM6", false)

	mine, err := e.svc.Issue(ctx, a, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	theirs, err := e.svc.Issue(ctx, b, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, theirs.Status)

	// One company's ticket invoiced by name leaves the other's of the
	// same number held.
	inv, err := e.svc.Issue(ctx, a, vertical, named("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	require.Equal(t, mine.ID, inv.ID)
	require.Equal(t, sdkfiscal.StatusAuthorized, inv.Status, "%+v", inv.Messages)
	theirs, err = e.svc.Get(ctx, b, vertical, theirs.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, theirs.Status)
	require.Empty(t, theirs.CustomerTaxID)

	// Nor can a company void the other's held sale.
	_, err = e.svc.Cancel(ctx, a, vertical, theirs.ID, "02")
	require.Equal(t, http.StatusNotFound, httpStatus(t, err))
	theirs, err = e.svc.Get(ctx, b, vertical, theirs.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, theirs.Status)
}

func TestVoidHeldSale(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	company := e.company(t, cfditest.RFC, true)

	held, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-1", "2026-12-03", "cash"))
	require.NoError(t, err)
	kept, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-2", "2026-12-03", "card"))
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, kept.Status)

	// A held sale in no global is voided without a word to the PAC.
	void, err := e.svc.Cancel(ctx, company, vertical, held.ID, "02")
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancelled, void.Status)
	require.Equal(t, "02", *void.CancelReason)
	require.NotNil(t, void.CancelledAt)
	require.Zero(t, e.pac.Calls(stampPath)+e.pac.Calls(cancelPath)+e.pac.Calls(statusPath))
	require.Equal(t, []string{"fiscal.document.created", "fiscal.document.held", "fiscal.document.cancelled"},
		e.auditActions(t, company, void))
	_, err = e.svc.Cancel(ctx, company, vertical, held.ID, "02")
	require.Equal(t, "invalid_transition", errCode(t, err))

	// A held sale with a return waiting is not voided.
	withReturn, err := e.svc.Issue(ctx, company, vertical, anonymousSale("ticket-3", "2026-12-03", "cash"))
	require.NoError(t, err)
	note := anonymousSale("return-3", "2026-12-03", "cash")
	note.Kind, note.RelatedDocumentID = sdkfiscal.KindCreditNote, &withReturn.ID
	cn, err := e.svc.Issue(ctx, company, vertical, note)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusPendingGlobal, cn.Status)
	_, err = e.svc.Cancel(ctx, company, vertical, withReturn.ID, "02")
	require.Equal(t, "fiscal_document_has_credit_notes", errCode(t, err))
	require.Equal(t, http.StatusConflict, httpStatus(t, err))

	// The day's global leaves the voided sale out; once in it, a sale is
	// cancelled only with it.
	require.NoError(t, e.svc.IssueGlobals(ctx, company, at(t, "2026-12-04 00:01")))
	g := e.globals(t, company)
	require.Len(t, g, 1)
	require.Equal(t, sdkfiscal.StatusAuthorized, g[0].Status, "%+v", g[0].Messages)
	require.Equal(t, float64(2), g[0].Details["members"])
	require.NotContains(t, string(g[0].LegalDocument), `NoIdentificacion="ticket-1"`)
	_, err = e.svc.Cancel(ctx, company, vertical, kept.ID, "02")
	require.Equal(t, "fiscal_document_in_global", errCode(t, err))
	kept, err = e.svc.Get(ctx, company, vertical, kept.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusAuthorized, kept.Status)
	voided, err := e.svc.Get(ctx, company, vertical, held.ID)
	require.NoError(t, err)
	require.Equal(t, sdkfiscal.StatusCancelled, voided.Status)
	require.Nil(t, voided.GlobalID)
}
