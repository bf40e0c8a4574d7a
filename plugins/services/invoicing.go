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
// charge's rate — and the client's tax id and name.

// chargeInvoiceBody is the optional body of POST /charges/{id}/invoice:
// what the authority needs of the client beyond its tax id and name (an
// IVA condition, a régimen, a postal code, the CFDI use).
type chargeInvoiceBody struct {
	Customer *fiscal.Customer `json:"customer"`
}

// invoiceCharge handles POST /charges/{id}/invoice: the charge's fiscal
// document, issued now or answered as it was. 422 fiscal_document_rejected
// carries the authority's codes; 503 fiscal_service_unavailable leaves the
// charge uninvoiced, to be asked again.
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
	var (
		charge   chargeRow
		client   clientRow
		contract contractRow
	)
	if err := c.DB().Get("charges", id, &charge); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("invoice charge: %w", err)
	}
	b := c.DB().Batch()
	b.Get("clients", charge.ClientID, &client)
	b.Get("contracts", charge.ContractID, &contract)
	if err := b.Run(); err != nil {
		return fmt.Errorf("invoice charge: %w", err)
	}
	in, err := chargeInput(e, charge, client, contract, body.Customer)
	if err != nil {
		return err
	}
	doc, err := c.Fiscal().Issue(in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}

// chargeInput is a charge's fiscal document: services of the charge's
// period, due on its due date.
func chargeInput(e *env, ch chargeRow, cl clientRow, k contractRow, customer *fiscal.Customer) (fiscal.Input, error) {
	from, err := time.Parse("2006-01", ch.Period)
	if err != nil {
		return fiscal.Input{}, fmt.Errorf("charge %s: period %q: %w", ch.ID, ch.Period, err)
	}
	net, tax := ch.Subtotal.Decimal, ch.Tax.Decimal
	t := fiscal.Tax{Type: "iva", Rate: ch.TaxRate, Base: net, Amount: tax}
	in := fiscal.Input{
		SourceID: ch.ID, Kind: fiscal.KindInvoice, Currency: ch.Currency,
		Concept: fiscal.ConceptServices, ServiceFrom: from.Format(time.DateOnly),
		ServiceTo: from.AddDate(0, 1, -1).Format(time.DateOnly), PaymentDue: ch.DueDate,
		Customer: fiscal.Customer{TaxID: cl.TaxID, Name: cl.Name},
		Lines: []fiscal.Line{{Description: k.Description + " " + ch.Period, Code: k.ID, Quantity: decimal.NewFromInt(1),
			UnitPrice: net, Net: net, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)}},
		Totals:      fiscal.Totals{Net: net, Tax: tax, Taxes: []fiscal.Tax{t}, Total: net.Add(tax)},
		PaymentForm: "transfer",
	}
	if ch.IssuedAt != nil {
		in.Date = ch.IssuedAt.In(e.loc).Format(time.DateOnly)
	}
	if customer != nil {
		merged := *customer
		if merged.TaxID == "" {
			merged.TaxID = cl.TaxID
		}
		if merged.Name == "" {
			merged.Name = cl.Name
		}
		in.Customer = merged
	}
	return in, nil
}

// getChargeInvoice handles GET /charges/{id}/invoice: the charge's fiscal
// document (404 fiscal_document_not_found when it has none).
func getChargeInvoice(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	doc, err := c.Fiscal().BySource(fiscal.KindInvoice, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
