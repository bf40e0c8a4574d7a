package cpg

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Fiscal documents of sales and returns: the host's fiscal service issues
// them (an AFIP receipt with its CAE, a CFDI with its UUID, by the
// company's country); the vertical builds each document from the sale's
// calculated lines, asks for it on POST /sales/{id}/invoice or, when the
// company's fiscal settings say every sale needs one, from its job, and
// keeps the link in fiscal_documents. A return of an invoiced sale gets a
// credit note naming the invoice.

// Fiscal link statuses besides the host document's (which include
// pending_global: a sale held by the host for its period's global CFDI,
// settled as far as the vertical is concerned).
const fiscalPending = "pending"

// Named queries of the fiscal documents.
const (
	qFiscalUninvoiced = "fiscal_uninvoiced_sales"
	qFiscalUncredited = "fiscal_uncredited_returns"
	qReturnLines      = "fiscal_return_lines"
	qFiscalLink       = "fiscal_link"
)

// fiscalQueries are the named queries of this file, declared with the
// vertical's others.
var fiscalQueries = map[string]string{
	// The recent sales without an invoice (or whose invoice could not be
	// issued yet), oldest first.
	qFiscalUninvoiced: `SELECT s.id FROM sales s
LEFT JOIN fiscal_documents f ON f.company_id = s.company_id AND f.id = s.id
WHERE s.company_id = ` + companyFilter + ` AND s.status IN ('completed', 'partially_returned', 'returned')
  AND s.occurred_at > now() - interval '7 days' AND (f.id IS NULL OR f.status IN ('pending', 'requested'))
ORDER BY s.occurred_at, s.id LIMIT $1`,
	// The returns of invoiced sales (or sales held for a global CFDI, whose
	// credit note the host holds too) without a credit note, oldest first.
	qFiscalUncredited: `SELECT r.id FROM returns r
JOIN fiscal_documents inv ON inv.company_id = r.company_id AND inv.id = r.sale_id AND inv.status IN ('authorized', 'pending_global')
LEFT JOIN fiscal_documents f ON f.company_id = r.company_id AND f.id = r.id
WHERE r.company_id = ` + companyFilter + ` AND (f.id IS NULL OR f.status IN ('pending', 'requested'))
ORDER BY r.occurred_at, r.id LIMIT $1`,
	// One source's link.
	qFiscalLink: `SELECT id, kind, sale_id, status, document_id, series, number, authorization_code, error_code,
       attempts, updated_at
FROM fiscal_documents WHERE company_id = ` + companyFilter + ` AND id = $1::uuid`,
	// A return's lines with what the sale line says of them.
	qReturnLines: `SELECT rl.quantity, rl.net, rl.tax, rl.total, sl.sku, sl.description, sl.tax_rate
FROM return_lines rl
JOIN sale_lines sl ON sl.company_id = rl.company_id AND sl.id = rl.sale_line_id
WHERE rl.company_id = ` + companyFilter + ` AND rl.return_id = $1::uuid
ORDER BY sl.line_no, rl.id`,
}

// fiscalLink is a row of fiscal_documents.
type fiscalLink struct {
	ID                string        `json:"id"`
	Kind              string        `json:"kind"`
	SaleID            string        `json:"sale_id"`
	Status            string        `json:"status"`
	DocumentID        *string       `json:"document_id"`
	Series            *string       `json:"series"`
	Number            *int64        `json:"number"`
	AuthorizationCode *string       `json:"authorization_code"`
	ErrorCode         *string       `json:"error_code"`
	Attempts          int           `json:"attempts"`
	UpdatedAt         sdk.Timestamp `json:"updated_at"`
}

// invoiceBody is the optional body of POST /sales/{id}/invoice: the
// customer as the authority needs them, when the sale's is not enough
// (an IVA condition, a régimen, a postal code).
type invoiceBody struct {
	Customer *fiscal.Customer `json:"customer"`
	// PointOfSale is, in Argentina, the AFIP point of sale of the register
	// (one of the company's; zero: its first).
	PointOfSale int `json:"point_of_sale"`
}

// invoiceSale handles POST /sales/{id}/invoice: the sale's fiscal document,
// issued now or answered as it was (200); 422 fiscal_document_rejected with
// the authority's codes; 503 fiscal_service_unavailable when the authority
// cannot be reached (the sale stays uninvoiced).
func invoiceSale(c *sdk.Context) error {
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	var body invoiceBody
	if len(c.Body()) > 0 {
		if err := c.Bind(&body); err != nil {
			return err
		}
	}
	doc, err := issueSale(c, id, body.Customer, body.PointOfSale)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// issueSale issues sale id's invoice and records its link in the call's
// unit of work. A rejection is recorded and returned as the error.
func issueSale(c *sdk.Context, id string, customer *fiscal.Customer, pointOfSale int) (fiscal.Document, error) {
	e, err := newEnv(c)
	if err != nil {
		return fiscal.Document{}, err
	}
	var (
		hs    []saleHeader
		lines []saleLineRow
		pays  []paymentRow
	)
	b := c.DB().Batch()
	b.Query(qSaleHeader, &hs, id)
	loadSaleDetails(b, id, &lines, &pays)
	if err := b.Run(); err != nil {
		return fiscal.Document{}, fmt.Errorf("invoice: %w", err)
	}
	if len(hs) == 0 {
		return fiscal.Document{}, notFound("sale", id)
	}
	sale := hs[0].saleRow
	switch sale.Status {
	case SaleCompleted, SalePartiallyReturned, SaleReturned:
	default:
		return fiscal.Document{}, sdk.Conflict("sale_not_invoiceable", fmt.Sprintf("a %s sale has no fiscal document", sale.Status)).
			WithDetails(map[string]any{"id": id, "status": sale.Status})
	}
	in := saleFiscalInput(e, sale, lines, pays, customer)
	in.PointOfSale = pointOfSale
	doc, err := c.Fiscal().Issue(in)
	return doc, recordLink(c, id, id, fiscal.KindInvoice, doc, err)
}

// recordLink stores what became of a source's fiscal document: the host
// document when it answered one, pending when the authority was
// unreachable. The issuing error, if any, is returned.
func recordLink(c *sdk.Context, id, saleID string, k fiscal.Kind, doc fiscal.Document, issueErr error) error {
	link := fiscalLink{ID: id, Kind: string(k), SaleID: saleID, Status: fiscalPending, UpdatedAt: sdk.Timestamp{Time: time.Now().UTC()}}
	var se *sdk.Error
	switch {
	case doc.ID != uuid.Nil:
		docID := doc.ID.String()
		link.Status, link.DocumentID, link.Series, link.Number, link.AuthorizationCode =
			string(doc.Status), &docID, doc.Series, doc.Number, doc.AuthorizationCode
		if doc.Status == fiscal.StatusRejected && len(doc.Messages) > 0 {
			link.ErrorCode = &doc.Messages[0].Code
		}
	case errors.As(issueErr, &se) && se.Kind == kind.Unavailable:
		link.ErrorCode = &se.Code
	default:
		return issueErr
	}
	var old []fiscalLink
	if err := c.DB().Query(qFiscalLink, &old, id); err != nil {
		return fmt.Errorf("fiscal link %s: %w", id, err)
	}
	link.Attempts = 1
	var err error
	if len(old) == 0 {
		err = c.DB().Insert("fiscal_documents", link)
	} else {
		err = c.DB().Update("fiscal_documents", id, map[string]any{"status": link.Status, "document_id": link.DocumentID,
			"series": link.Series, "number": link.Number, "authorization_code": link.AuthorizationCode,
			"error_code": link.ErrorCode, "attempts": old[0].Attempts + 1, "updated_at": time.Now().UTC()})
	}
	if err != nil {
		return fmt.Errorf("fiscal link %s: %w", id, err)
	}
	return issueErr
}

// saleFiscalInput builds a sale's fiscal document from its calculated lines:
// prices without tax (the calculator's net per line is the taxable base),
// IVA per rate, the first tender as the payment form.
func saleFiscalInput(e *env, s saleRow, lines []saleLineRow, pays []paymentRow, customer *fiscal.Customer) fiscal.Input {
	in := fiscal.Input{SourceID: s.ID, Kind: fiscal.KindInvoice, Currency: s.Currency, Date: localDate(e, s.OccurredAt)}
	if customer != nil {
		in.Customer = *customer
	} else if s.CustomerTaxID != nil {
		in.Customer.TaxID = *s.CustomerTaxID
	}
	if in.Customer.Name == "" && s.CustomerName != nil {
		in.Customer.Name = *s.CustomerName
	}
	for _, p := range pays {
		if p.ReturnID == nil {
			in.PaymentForm = paymentForm(p.Method)
			break
		}
	}
	for _, l := range lines {
		in.Lines = append(in.Lines, fiscalLine(l.SKU, l.Description, l.Quantity, l.TaxRate, l.Net, l.Tax))
	}
	in.Totals = totalsOf(in.Lines)
	return in
}

// fiscalLine is one line: a unit price without tax that gives the net
// (to the cent, the rest as discount), the tax at the line's rate.
func fiscalLine(sku, description string, qty, rate, net, tax decimal.Decimal) fiscal.Line {
	rate = rate.Truncate(6)
	unit := net.DivRound(qty, 6)
	discount := qty.Mul(unit).Sub(net).Round(2)
	if discount.IsNegative() {
		discount = decimal.Zero
	}
	t := fiscal.Tax{Type: fiscal.TaxIVA, Rate: rate, Base: net, Amount: tax}
	return fiscal.Line{Description: description, Code: sku, Quantity: qty, UnitPrice: unit, Discount: discount,
		Net: net, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)}
}

// totalsOf sums lines, per rate too.
func totalsOf(lines []fiscal.Line) fiscal.Totals {
	var t fiscal.Totals
	index := map[string]int{}
	for _, l := range lines {
		t.Net, t.Discount = t.Net.Add(l.Net), t.Discount.Add(l.Discount)
		for _, x := range l.Taxes {
			t.Tax = t.Tax.Add(x.Amount)
			k := x.Rate.String()
			i, ok := index[k]
			if !ok {
				i = len(t.Taxes)
				index[k] = i
				t.Taxes = append(t.Taxes, fiscal.Tax{Type: x.Type, Rate: x.Rate})
			}
			t.Taxes[i].Base, t.Taxes[i].Amount = t.Taxes[i].Base.Add(x.Base), t.Taxes[i].Amount.Add(x.Amount)
		}
	}
	t.Total = t.Net.Add(t.Tax)
	return t
}

// paymentForm maps a tender to the fiscal payment forms.
func paymentForm(method string) string {
	switch method {
	case "cash", "card", "transfer":
		return method
	case "debit":
		return "debit_card"
	case "mercadopago":
		return "wallet"
	default:
		return "other"
	}
}

// localDate is the day of t in the company's time zone.
func localDate(e *env, t sdk.Timestamp) string {
	loc, err := time.LoadLocation(e.company.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

// returnLine is a return's line as qReturnLines reads it.
type returnLine struct {
	Quantity    decimal.Decimal `json:"quantity"`
	Net         decimal.Decimal `json:"net"`
	Tax         decimal.Decimal `json:"tax"`
	Total       decimal.Decimal `json:"total"`
	SKU         string          `json:"sku"`
	Description string          `json:"description"`
	TaxRate     decimal.Decimal `json:"tax_rate"`
}

// issueReturn issues the credit note of return id, reversing its sale's
// authorized invoice.
func issueReturn(c *sdk.Context, id string) (fiscal.Document, error) {
	e, err := newEnv(c)
	if err != nil {
		return fiscal.Document{}, err
	}
	var (
		rets  []returnRow
		lines []returnLine
	)
	b := c.DB().Batch()
	b.List("returns", sdk.Query{Where: []sdk.Filter{sdk.Eq("id", id)}, Limit: 1}, &rets)
	b.Query(qReturnLines, &lines, id)
	if err := b.Run(); err != nil {
		return fiscal.Document{}, fmt.Errorf("credit note: %w", err)
	}
	if len(rets) == 0 {
		return fiscal.Document{}, notFound("return", id)
	}
	r := rets[0]
	invoice, err := c.Fiscal().BySource(fiscal.KindInvoice, r.SaleID)
	if err != nil {
		return fiscal.Document{}, err
	}
	related := invoice.ID
	in := fiscal.Input{SourceID: r.ID, Kind: fiscal.KindCreditNote, Currency: invoice.Currency,
		Date: localDate(e, r.OccurredAt), RelatedDocumentID: &related}
	if invoice.Input != nil {
		in.Customer, in.PaymentForm = invoice.Input.Customer, invoice.Input.PaymentForm
	}
	for _, l := range lines {
		in.Lines = append(in.Lines, fiscalLine(l.SKU, l.Description, l.Quantity, l.TaxRate, l.Net, l.Tax))
	}
	in.Totals = totalsOf(in.Lines)
	doc, err := c.Fiscal().Issue(in)
	return doc, recordLink(c, r.ID, r.SaleID, fiscal.KindCreditNote, doc, err)
}

// creditReturn handles POST /returns/{id}/credit-note.
func creditReturn(c *sdk.Context) error {
	id, err := c.PathUUID("id", "return")
	if err != nil {
		return err
	}
	doc, err := issueReturn(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// fiscalBatch bounds what one run of the job issues per company.
const fiscalBatch = 50

// fiscalJob issues, for companies whose fiscal settings say every sale
// needs a document, the invoices of recent sales that have none (new
// sales, and those left pending while the authority was unreachable) and
// the credit notes of their returns. A document the authority still
// cannot take stays pending for the next run.
var fiscalJob = sdk.Job{
	Name: "issue_fiscal_documents", Schedule: "@every 1m", PerCompany: true,
	Summary: "Issue the fiscal documents of sales and returns that need one (automatic invoicing)",
	Handler: func(c *sdk.Context, _ sdk.JobRun) error {
		st, err := c.Fiscal().Settings()
		if err != nil || !st.Configured || !st.AutoIssue {
			return err
		}
		var sales, returns []struct {
			ID string `json:"id"`
		}
		b := c.DB().Batch()
		b.Query(qFiscalUninvoiced, &sales, fiscalBatch)
		if err := b.Run(); err != nil {
			return err
		}
		for _, s := range sales {
			if _, err := issueSale(c, s.ID, nil, 0); !settled(err) {
				return err
			}
		}
		if err := c.DB().Query(qFiscalUncredited, &returns, fiscalBatch); err != nil {
			return err
		}
		for _, r := range returns {
			if _, err := issueReturn(c, r.ID); !settled(err) {
				return err
			}
		}
		return nil
	},
}

// settled reports whether an issuance error leaves the job free to go on:
// none, the fiscal service's answer about one document (sdk.FiscalAnswer:
// a rejection, its input refused, the authority unavailable: recorded as
// pending) or a sale that takes no document, not a failure of the unit of
// work.
func settled(err error) bool {
	return err == nil || sdk.FiscalAnswer(err) != nil || isCode(err, "sale_not_invoiceable")
}

// receiptFiscal is what a ticket prints of the sale's fiscal document.
type receiptFiscal struct {
	Status            string  `json:"status"`
	DocumentID        *string `json:"document_id"`
	Series            *string `json:"series"`
	Number            *int64  `json:"number"`
	AuthorizationCode *string `json:"authorization_code"`
	// AuthorizationExpires is the CAE's due date (Argentina).
	AuthorizationExpires *string `json:"authorization_expires,omitempty"`
	// QRURL is AFIP's QR of the receipt (Argentina).
	QRURL string `json:"qr_url,omitempty"`
	// GlobalDocumentID is, for a sale to the public in general in Mexico,
	// the global CFDI it is in: while Status is pending_global the sale
	// will be in its period's global CFDI; once authorized,
	// AuthorizationCode is the global's UUID.
	GlobalDocumentID string `json:"global_document_id,omitempty"`
}

// saleFiscal returns the fiscal document of sale id, nil when it has none.
func saleFiscal(c *sdk.Context, id string) (*receiptFiscal, error) {
	var links []fiscalLink
	if err := c.DB().Query(qFiscalLink, &links, id); err != nil {
		return nil, fmt.Errorf("receipt: fiscal document: %w", err)
	}
	if len(links) == 0 {
		return nil, nil
	}
	l := links[0]
	out := &receiptFiscal{Status: l.Status, DocumentID: l.DocumentID, Series: l.Series, Number: l.Number, AuthorizationCode: l.AuthorizationCode}
	held := l.Status == string(fiscal.StatusPendingGlobal)
	if l.DocumentID != nil && (l.Status == string(fiscal.StatusAuthorized) || held) {
		doc, err := c.Fiscal().Get(*l.DocumentID)
		if err != nil {
			return nil, err
		}
		out.Status, out.AuthorizationExpires = string(doc.Status), doc.AuthorizationExpires
		out.QRURL, _ = doc.Details["qr_url"].(string)
		out.GlobalDocumentID, _ = doc.Details["global_document_id"].(string)
		if held {
			// The host stamped the period's global since the link was written.
			out.AuthorizationCode = doc.AuthorizationCode
		}
	}
	return out, nil
}
