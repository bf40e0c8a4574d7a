package mx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// Defaults for what a vertical's line may leave out.
const (
	genericProduct = "01010101"
	unitPiece      = "H87"
	unitService    = "E48"
	usoGastos      = "G03"
	monedaMXN      = "MXN"
)

// formasPago maps the SDK's payment forms to c_FormaPago; credit and
// other are paid later (MetodoPago PPD, FormaPago 99), as is an invoice
// issued as Deferred whatever its form.
var formasPago = map[string]string{
	"": "01", "cash": "01", "card": "04", "debit_card": "28", "transfer": "03", "wallet": "05",
}

// document is the CFDI of doc, dated now in the company's time zone. A
// global document (made by the core of held sales) is the global CFDI of
// its period, one ticket per sale; a sale without the customer's RFC (or
// with the generic one) that was not held (another currency, on credit)
// and a credit note to the public in general are a global CFDI of their
// own, in the period of the configured Periodicidad; a credit note
// relates the invoice it reverses (for a sale in a global, the global).
func document(env *fiscal.Env, c Config, doc *fiscal.Document, now time.Time) (cfdi.Document, error) {
	in := doc.Input
	if in == nil {
		return cfdi.Document{}, fmt.Errorf("mx: document %s has no input", doc.ID)
	}
	d := cfdi.Document{
		Tipo: invoices.TipoIngreso, Serie: serie(c, doc), Fecha: now.In(env.Company.Location),
		Moneda: strings.ToUpper(in.Currency), LugarExpedicion: c.LugarExpedicion,
		Emisor: invoices.Emisor{Rfc: env.Company.TaxID, Nombre: c.Name, RegimenFiscal: c.RegimenFiscal},
	}
	if forma, ok := formasPago[in.PaymentForm]; ok && !in.Deferred {
		d.FormaPago, d.MetodoPago = forma, "PUE"
	} else {
		d.FormaPago, d.MetodoPago = "99", "PPD"
	}
	if d.Moneda != monedaMXN {
		rate := in.ExchangeRate
		if rate.IsZero() {
			rate = decimal.NewFromInt(1)
		}
		d.TipoCambio = decimal.NewNullDecimal(rate)
	}
	lines, err := cfdiLines(in)
	if err != nil {
		return cfdi.Document{}, err
	}
	cust := in.Customer
	if doc.Global {
		period, err := globalPeriod(doc)
		if err != nil {
			return cfdi.Document{}, err
		}
		return cfdi.GlobalDocument(d, period, globalTickets(lines))
	}
	if anonymous(in) {
		period, err := cfdi.PeriodOf(periodicidad(c), d.Fecha)
		if err != nil {
			return cfdi.Document{}, err
		}
		if d, err = cfdi.GlobalDocument(d, period, []cfdi.Ticket{ticket(in, lines)}); err != nil {
			return cfdi.Document{}, err
		}
	} else {
		use := cust.Use
		if use == "" {
			use = usoGastos
		}
		d.Receptor = invoices.Receptor{Rfc: strings.ToUpper(strings.TrimSpace(cust.TaxID)), Nombre: cust.Name,
			DomicilioFiscalReceptor: cust.PostalCode, RegimenFiscalReceptor: cust.Condition, UsoCFDI: use}
		d.Lines = lines
	}
	if doc.Kind == sdkfiscal.KindCreditNote {
		if doc.Related == nil || doc.Related.AuthorizationCode == nil {
			return cfdi.Document{}, fmt.Errorf("mx: credit note %s without its authorized invoice", doc.ID)
		}
		d = cfdi.CreditNote(d, *doc.Related.AuthorizationCode)
	}
	return d, nil
}

// anonymous reports whether in goes to the public in general (a global
// CFDI): no customer RFC, or the generic one.
func anonymous(in *sdkfiscal.Input) bool {
	return in.Customer.TaxID == "" || strings.EqualFold(in.Customer.TaxID, cfdi.RFCPublicoGeneral)
}

// checkTaxes refuses, naming the tax, what a CFDI cannot carry: a tax type
// of another country, and on an anonymous sale (a global CFDI) IEPS, which
// is itemised only to a customer who pays it (Ley del IEPS art. 19 II),
// and withholdings, which only a company customer makes.
func checkTaxes(in *sdkfiscal.Input) error {
	for i, l := range in.Lines {
		for j, t := range l.Taxes {
			at := fmt.Sprintf("lines[%d].taxes[%d]", i, j)
			switch {
			case t.Type != sdkfiscal.TaxIVA && t.Type != sdkfiscal.TaxIEPS && t.Type != sdkfiscal.TaxISR:
				return inputError(at+".type", fmt.Sprintf("%q is not a Mexican tax: iva, ieps or isr", t.Type))
			case anonymous(in) && t.Withheld:
				return inputError(at+".withheld", "a sale to the public in general (no customer RFC) has no withholdings")
			case anonymous(in) && t.Type == sdkfiscal.TaxIEPS:
				return inputError(at+".type", "IEPS is itemised only to a customer RFC who pays it; to the public in general it is part of the price")
			}
		}
	}
	return nil
}

// inputError is a 422 naming a field of the vertical's input.
func inputError(field, reason string) *httpx.Error {
	return httpx.Unprocessable("invalid_field", field+": "+reason).WithDetails(map[string]any{"field": field, "reason": reason})
}

// cfdiTax is a line's tax as a CFDI Traslado or Retencion.
func cfdiTax(t sdkfiscal.Tax) (tax cfdi.Tax, withheld bool) {
	tax = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa, Rate: decimal.NewNullDecimal(t.Rate)}
	switch {
	case t.Type == sdkfiscal.TaxISR:
		tax.Impuesto = cfdi.ImpuestoISR
	case t.Type == sdkfiscal.TaxIEPS && !t.Quota.IsZero():
		tax = cfdi.Tax{Impuesto: cfdi.ImpuestoIEPS, TipoFactor: cfdi.FactorCuota, Rate: decimal.NewNullDecimal(t.Quota), Units: t.Base}
	case t.Type == sdkfiscal.TaxIEPS:
		tax.Impuesto = cfdi.ImpuestoIEPS
	case t.Exempt:
		tax = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorExento}
	}
	return tax, t.Withheld
}

// cfdiLines are the input's lines as CFDI lines.
func cfdiLines(in *sdkfiscal.Input) ([]cfdi.Line, error) {
	if err := checkTaxes(in); err != nil {
		return nil, err
	}
	unit := unitPiece
	if in.Concept == sdkfiscal.ConceptServices {
		unit = unitService
	}
	out := make([]cfdi.Line, 0, len(in.Lines))
	for _, l := range in.Lines {
		line := cfdi.Line{
			ClaveProdServ: l.ProductKey, NoIdentificacion: l.Code, Cantidad: l.Quantity, ClaveUnidad: l.UnitKey,
			Descripcion: l.Description, ValorUnitario: l.UnitPrice, Descuento: l.Discount,
		}
		if line.ClaveProdServ == "" {
			line.ClaveProdServ = genericProduct
		}
		if line.ClaveUnidad == "" {
			line.ClaveUnidad = unit
		}
		for _, t := range l.Taxes {
			if tax, withheld := cfdiTax(t); withheld {
				line.Retenciones = append(line.Retenciones, tax)
			} else {
				line.Traslados = append(line.Traslados, tax)
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// ticket is the sale as one ticket of a global CFDI: its net amounts per
// set of tax rates.
func ticket(in *sdkfiscal.Input, lines []cfdi.Line) cfdi.Ticket {
	type part struct {
		net   decimal.Decimal
		taxes []cfdi.Tax
	}
	parts := map[string]*part{}
	for i, l := range in.Lines {
		var keys []string
		for _, t := range lines[i].Traslados {
			keys = append(keys, t.TipoFactor+t.Rate.Decimal.String())
		}
		sort.Strings(keys)
		k := strings.Join(keys, "+")
		p, ok := parts[k]
		if !ok {
			p = &part{taxes: lines[i].Traslados}
			parts[k] = p
		}
		p.net = p.net.Add(l.Net)
	}
	keys := make([]string, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := cfdi.Ticket{Number: ticketNumber(in.SourceID)}
	for _, k := range keys {
		t.Parts = append(t.Parts, cfdi.TicketPart{Net: parts[k].net, Traslados: parts[k].taxes})
	}
	return t
}
