package mx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
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
// other are paid later (MetodoPago PPD, FormaPago 99).
var formasPago = map[string]string{
	"": "01", "cash": "01", "card": "04", "debit_card": "28", "transfer": "03", "wallet": "05",
}

// document is the CFDI of doc, dated now in the company's time zone.
// A sale without the customer's RFC (or with the generic one) is a global
// CFDI to the public in general for this one sale, in the period of the
// configured Periodicidad; a credit note relates the invoice it reverses.
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
	if forma, ok := formasPago[in.PaymentForm]; ok {
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
	if cust.TaxID == "" || strings.EqualFold(cust.TaxID, cfdi.RFCPublicoGeneral) {
		period, err := cfdi.PeriodOf(c.Periodicidad, d.Fecha)
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

// cfdiLines are the input's lines as CFDI lines.
func cfdiLines(in *sdkfiscal.Input) ([]cfdi.Line, error) {
	unit := unitPiece
	if in.Concept == sdkfiscal.ConceptServices {
		unit = unitService
	}
	out := make([]cfdi.Line, 0, len(in.Lines))
	for i, l := range in.Lines {
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
		for j, t := range l.Taxes {
			if t.Type != "iva" {
				return nil, &cfdi.FieldError{Field: fmt.Sprintf("lines[%d].taxes[%d].type", i+1, j+1), Message: `only "iva" is issued in a CFDI today`}
			}
			line.Traslados = append(line.Traslados, cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa,
				Rate: decimal.NewNullDecimal(t.Rate)})
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
			keys = append(keys, t.Rate.Decimal.String())
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
	number := in.SourceID
	if len(number) > 100 {
		number = number[:100]
	}
	t := cfdi.Ticket{Number: number}
	for _, k := range keys {
		t.Parts = append(t.Parts, cfdi.TicketPart{Net: parts[k].net, Traslados: parts[k].taxes})
	}
	return t
}
