package services

import (
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// A charge is invoiced through the host's fiscal service (an AFIP
// receipt with its CAE in Argentina, a CFDI in Mexico, by the company's
// country): one document per charge, built from the charge's calculated
// amounts — one line of services for the contract's period, IVA at the
// charge's rate — and the client's tax id, name and fiscal profile. A
// credit's credit note reverses that invoice (fiscal.go issues both).

// chargeInvoiceBody is the optional body of POST /charges/{id}/invoice:
// what the authority needs of the client beyond its tax id and name (an
// IVA condition, a régimen, a postal code, the CFDI use).
type chargeInvoiceBody struct {
	Customer *fiscal.Customer `json:"customer"`
}

// invoiceCharge handles POST /charges/{id}/invoice: the charge's fiscal
// document, issued now or answered as it was, its state recorded on the
// charge. 422 fiscal_document_rejected carries the authority's codes; 503
// fiscal_service_unavailable (at once while the authority's breaker is
// open) leaves the charge uninvoiced: ask again, or let the job
// services.issue_fiscal_documents issue it when the company invoices
// automatically.
func invoiceCharge(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	var body chargeInvoiceBody
	if len(c.Body()) > 0 {
		if err := c.Bind(&body); err != nil {
			return err
		}
	}
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	doc, err := issueCharge(c, e, id, body.Customer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// servicePeriod is the first and last day of a charge's period.
func servicePeriod(ch chargeRow) (from, to string, err error) {
	start, err := time.Parse("2006-01", ch.Period)
	if err != nil {
		return "", "", fmt.Errorf("charge %s: period %q: %w", ch.ID, ch.Period, err)
	}
	return start.Format(time.DateOnly), start.AddDate(0, 1, -1).Format(time.DateOnly), nil
}

// chargeInput is a charge's fiscal document: services of the charge's
// period, due on its due date, to the client as its tax id, name and
// fiscal profile say, or as customer says where it says something.
func chargeInput(e *env, ch chargeRow, cl clientRow, k contractRow, customer *fiscal.Customer) (fiscal.Input, error) {
	from, to, err := servicePeriod(ch)
	if err != nil {
		return fiscal.Input{}, err
	}
	net, tax := ch.Subtotal.Decimal, ch.Tax.Decimal
	t := fiscal.Tax{Type: fiscal.TaxIVA, Rate: ch.TaxRate, Base: net, Amount: tax}
	in := fiscal.Input{
		SourceID: ch.ID, Kind: fiscal.KindInvoice, Currency: ch.Currency,
		Concept: fiscal.ConceptServices, ServiceFrom: from, ServiceTo: to, PaymentDue: ch.DueDate,
		Customer: fiscal.Customer{TaxID: cl.TaxID, Name: cl.Name, Condition: cl.Fiscal.Condition,
			PostalCode: cl.Fiscal.PostalCode, Use: cl.Fiscal.Use},
		Lines: []fiscal.Line{{Description: k.Description + " " + ch.Period, Code: k.ID, Quantity: decimal.NewFromInt(1),
			UnitPrice: net, Net: net, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)}},
		Totals:      fiscal.Totals{Net: net, Tax: tax, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)},
		PaymentForm: "transfer",
	}
	if ch.IssuedAt != nil {
		in.Date = ch.IssuedAt.In(e.loc).Format(time.DateOnly)
	}
	in.Deferred = deferredInvoice(e, ch.DueDate, in.Date)
	if customer != nil {
		in.Customer = mergeCustomer(*customer, in.Customer)
	}
	return in, nil
}

// mergeCustomer is c with what it leaves empty taken from def.
func mergeCustomer(c, def fiscal.Customer) fiscal.Customer {
	for _, f := range []struct {
		v *string
		d string
	}{
		{&c.TaxID, def.TaxID}, {&c.Name, def.Name}, {&c.Condition, def.Condition}, {&c.PostalCode, def.PostalCode}, {&c.Use, def.Use},
	} {
		if *f.v == "" {
			*f.v = f.d
		}
	}
	return c
}

// creditNoteInput is the credit note of credit cr of charge ch: the
// credit's net and IVA at the charge's rate, for the customer, services
// period, payment form and point of sale of the invoice it reverses.
func creditNoteInput(e *env, cr creditRow, ch chargeRow, invoice fiscal.Document) (fiscal.Input, error) {
	related := invoice.ID
	net, tax := cr.Net.Decimal, cr.Tax.Decimal
	t := fiscal.Tax{Type: fiscal.TaxIVA, Rate: ch.TaxRate, Base: net, Amount: tax}
	in := fiscal.Input{
		SourceID: cr.ID, Kind: fiscal.KindCreditNote, Currency: ch.Currency, RelatedDocumentID: &related,
		Concept: fiscal.ConceptServices, PaymentDue: ch.DueDate,
		Lines: []fiscal.Line{{Description: cr.Reason, Code: ch.ContractID, Quantity: decimal.NewFromInt(1),
			UnitPrice: net, Net: net, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)}},
		Totals: fiscal.Totals{Net: net, Tax: tax, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)},
	}
	var err error
	if in.ServiceFrom, in.ServiceTo, err = servicePeriod(ch); err != nil {
		return fiscal.Input{}, err
	}
	if cr.CreatedAt != nil {
		in.Date = cr.CreatedAt.In(e.loc).Format(time.DateOnly)
	}
	if inv := invoice.Input; inv != nil {
		in.Customer, in.PaymentForm, in.PointOfSale, in.ExchangeRate = inv.Customer, inv.PaymentForm, inv.PointOfSale, inv.ExchangeRate
		if inv.ServiceFrom != "" {
			in.ServiceFrom, in.ServiceTo, in.PaymentDue = inv.ServiceFrom, inv.ServiceTo, inv.PaymentDue
		}
	}
	return in, nil
}

// getChargeInvoice handles GET /charges/{id}/invoice: the charge's fiscal
// document as the host has it now, its state stored on the charge when it
// changed (404 not_found for no such charge, fiscal_document_not_found
// when it has none).
func getChargeInvoice(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	var ch chargeRow
	if err := c.DB().Get("charges", id, &ch); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("charge invoice: %w", err)
	}
	doc, err := c.Fiscal().BySource(fiscal.KindInvoice, id)
	if err != nil {
		return err
	}
	if err := syncCharge(c, &ch, doc); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
