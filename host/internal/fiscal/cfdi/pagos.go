package cfdi

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// What SAT's Guía de llenado del complemento para recepción de pagos asks
// of a CFDI of type P: no amounts of its own (SubTotal and Total 0, Moneda
// XXX, no FormaPago nor MetodoPago), one Concepto "Pago" of 1 ACT under
// 84111506 at 0, not subject to tax, and the Receptor's use CP01.
const (
	// UsoPagos is UsoCFDI CP01 (pagos), the Receptor's use in a CFDI of
	// type P.
	UsoPagos          = "CP01"
	pagoClaveProdServ = "84111506"
	pagoClaveUnidad   = "ACT"
	pagoDescripcion   = "Pago"
	monedaSinMoneda   = "XXX"
	pagosVersion      = "2.0"
	pagosPrefix       = "pago20"
	schemaPagos20     = invoices.NamespacePagos20 + " http://www.sat.gob.mx/sitio_internet/cfd/Pagos/Pagos20.xsd"
	// equivalenciaDR is the most decimals EquivalenciaDR may carry.
	equivalenciaDR = 10
)

// PaymentDocument is what a payment receipt (a CFDI of type P with the
// Pagos 2.0 complement) is built from: the issuer, the customer of the
// invoices paid, and the payments.
type PaymentDocument struct {
	Serie string
	Folio string
	// Fecha is the issue time, written in its own location.
	Fecha           time.Time
	LugarExpedicion string
	Emisor          invoices.Emisor
	// Receptor is the invoices' receptor; its UsoCFDI becomes CP01.
	Receptor invoices.Receptor
	Payments []Payment
}

// Payment is one payment received (a pago20:Pago).
type Payment struct {
	// Fecha is when it was received (FechaPago), written in its own
	// location.
	Fecha time.Time
	// FormaDePago is the c_FormaPago key; 99 (por definir) is refused.
	FormaDePago string
	// Moneda is the payment's currency (MonedaP); TipoCambio converts it
	// to MXN and is required unless Moneda is MXN.
	Moneda     string
	TipoCambio decimal.Decimal
	Monto      decimal.Decimal
	// NumOperacion is the bank's operation number, if any.
	NumOperacion string
	Documents    []PaidInvoice
}

// PaidInvoice is an invoice a payment pays (a pago20:DoctoRelacionado):
// its installment and balances as the caller computed them from its
// records, and its taxes, which the payment carries in proportion to
// what it pays of the invoice's Total.
type PaidInvoice struct {
	UUID  string
	Serie string
	Folio string
	// Moneda is the invoice's currency; Equivalencia is how many units of
	// it one unit of the payment's currency is worth (zero: 1, the same
	// currency).
	Moneda       string
	Equivalencia decimal.Decimal
	// NumParcialidad is the installment's number, from 1.
	NumParcialidad int
	// SaldoAnterior is the invoice's balance before the payment; Pagado
	// what the payment pays of it. ImpSaldoInsoluto is their difference.
	SaldoAnterior decimal.Decimal
	Pagado        decimal.Decimal
	// Total is the invoice's Total; Taxes are its taxes, each with the
	// base it applies to in the whole invoice.
	Total decimal.Decimal
	Taxes []InvoiceTax
}

// InvoiceTax is one tax of a paid invoice: a traslado or a retención at
// a rate, and the base it applies to in the invoice.
type InvoiceTax struct {
	Retencion bool
	Tax
	Base decimal.Decimal
}

// Pagos is the Pagos 2.0 complement as written.
type Pagos struct {
	Totales PagosTotales
	Pagos   []Pago
}

// PagosTotales is pago20:Totales: the payments' amounts and taxes in MXN.
type PagosTotales struct {
	TotalRetencionesIVA         string
	TotalRetencionesISR         string
	TotalRetencionesIEPS        string
	TotalTrasladosBaseIVA16     string
	TotalTrasladosImpuestoIVA16 string
	TotalTrasladosBaseIVA8      string
	TotalTrasladosImpuestoIVA8  string
	TotalTrasladosBaseIVA0      string
	TotalTrasladosImpuestoIVA0  string
	TotalTrasladosBaseIVAExento string
	MontoTotalPagos             string
}

// Pago is pago20:Pago as written; Retenciones and Traslados are its
// ImpuestosP.
type Pago struct {
	FechaPago    string
	FormaDePagoP string
	MonedaP      string
	TipoCambioP  string
	Monto        string
	NumOperacion string
	Doctos       []DoctoRelacionado
	Retenciones  []Impuesto
	Traslados    []Impuesto
}

// DoctoRelacionado is pago20:DoctoRelacionado as written; Retenciones and
// Traslados are its ImpuestosDR.
type DoctoRelacionado struct {
	IDDocumento      string
	Serie            string
	Folio            string
	MonedaDR         string
	EquivalenciaDR   string
	NumParcialidad   string
	ImpSaldoAnt      string
	ImpPagado        string
	ImpSaldoInsoluto string
	ObjetoImpDR      string
	Retenciones      []Impuesto
	Traslados        []Impuesto
}

// BuildPayment checks d and computes the payment receipt: a Comprobante
// of type P whose Complemento is the Pagos 2.0 complement. Each related
// invoice's ImpSaldoInsoluto is SaldoAnterior − Pagado; its taxes
// (ImpuestosDR) are the invoice's bases in the proportion Pagado / Total,
// rounded to the cent, and the tax at their rate (a tax per unit, Cuota,
// is refused: its Base is units, not an amount); ImpuestosP are their
// sums per tax in the payment's currency, and Totales the payments and
// taxes in MXN. An invalid document is a *FieldError.
func BuildPayment(d PaymentDocument) (*Comprobante, error) {
	if err := checkPaymentHeader(d); err != nil {
		return nil, err
	}
	rec := d.Receptor
	rec.UsoCFDI = UsoPagos
	c := &Comprobante{
		Version: Version, Serie: d.Serie, Folio: d.Folio, Fecha: d.Fecha.Format(fechaLayout),
		SubTotal: "0", Moneda: monedaSinMoneda, Total: "0", TipoDeComprobante: invoices.TipoPago,
		Exportacion: ExportacionNoAplica, LugarExpedicion: d.LugarExpedicion, Emisor: d.Emisor, Receptor: rec,
		Conceptos: []Concepto{{ClaveProdServ: pagoClaveProdServ, Cantidad: "1", ClaveUnidad: pagoClaveUnidad,
			Descripcion: pagoDescripcion, ValorUnitario: "0", Importe: "0", ObjetoImp: ObjetoImpNo}},
		Pagos: &Pagos{},
	}
	var tot pagosSums
	for i, p := range d.Payments {
		pago, err := buildPago(fmt.Sprintf("Payments[%d]", i+1), p, &tot)
		if err != nil {
			return nil, err
		}
		c.Pagos.Pagos = append(c.Pagos.Pagos, pago)
	}
	c.Pagos.Totales = tot.totales()
	return c, nil
}

// checkPaymentHeader checks everything of d but its payments' contents.
func checkPaymentHeader(d PaymentDocument) error {
	switch {
	case d.Fecha.IsZero():
		return invalid("Fecha", "is required")
	case len(d.Serie) > 25:
		return invalid("Serie", "has more than 25 characters")
	case len(d.Folio) > 40:
		return invalid("Folio", "has more than 40 characters")
	case !postalCode.MatchString(d.LugarExpedicion):
		return invalid("LugarExpedicion", "must be a 5-digit postal code, got %q", d.LugarExpedicion)
	case d.Receptor.Rfc == RFCPublicoGeneral:
		return invalid("Receptor.Rfc", "a payment receipt is issued to the invoices' customer, never to the public in general")
	case len(d.Payments) == 0:
		return invalid("Payments", "a payment receipt records at least one payment")
	}
	if err := checkEmisor(d.Emisor); err != nil {
		return err
	}
	rec := d.Receptor
	rec.UsoCFDI = UsoPagos
	return checkReceptor(rec, false)
}

// buildPago checks and writes one payment, adding it to tot.
func buildPago(field string, p Payment, tot *pagosSums) (Pago, error) {
	rate := p.TipoCambio
	switch {
	case p.Fecha.IsZero():
		return Pago{}, invalid(field+".Fecha", "is required")
	case !catalogKey.MatchString(p.FormaDePago) || p.FormaDePago == formaPorDefinir:
		return Pago{}, invalid(field+".FormaDePago", "must be the c_FormaPago key of how it was paid (not 99), got %q", p.FormaDePago)
	case !currencyCode.MatchString(p.Moneda) || p.Moneda == monedaSinMoneda:
		return Pago{}, invalid(field+".Moneda", "must be an ISO 4217 code such as MXN, got %q", p.Moneda)
	case p.Moneda != monedaMXN && !rate.IsPositive():
		return Pago{}, invalid(field+".TipoCambio", "is required and positive for Moneda %s", p.Moneda)
	case -rate.Exponent() > maxPlaces:
		return Pago{}, invalid(field+".TipoCambio", "has more than %d decimals", maxPlaces)
	case !p.Monto.IsPositive() || !p.Monto.Equal(p.Monto.Round(amountPlaces)):
		return Pago{}, invalid(field+".Monto", "must be positive with at most %d decimals, got %s", amountPlaces, p.Monto)
	case len(p.NumOperacion) > 100:
		return Pago{}, invalid(field+".NumOperacion", "has more than 100 characters")
	case len(p.Documents) == 0:
		return Pago{}, invalid(field+".Documents", "a payment pays at least one invoice")
	}
	if p.Moneda == monedaMXN {
		rate = decimal.NewFromInt(1)
	}
	pago := Pago{
		FechaPago: p.Fecha.Format(fechaLayout), FormaDePagoP: p.FormaDePago, MonedaP: p.Moneda,
		TipoCambioP: formatPlaces(rate, 0), Monto: p.Monto.StringFixed(amountPlaces), NumOperacion: p.NumOperacion,
	}
	var (
		paid  decimal.Decimal
		taxes pagoTaxes
	)
	for i, inv := range p.Documents {
		f := fmt.Sprintf("%s.Documents[%d]", field, i+1)
		dr, inPayment, err := buildDocto(f, inv, p.Moneda, &taxes)
		if err != nil {
			return Pago{}, err
		}
		paid = paid.Add(inPayment)
		pago.Doctos = append(pago.Doctos, dr)
	}
	if paid.Round(amountPlaces).GreaterThan(p.Monto) {
		return Pago{}, invalid(field+".Monto", "%s is less than what it pays of its invoices, %s", p.Monto.StringFixed(amountPlaces), paid.StringFixed(amountPlaces))
	}
	pago.Retenciones, pago.Traslados = taxes.write()
	tot.add(p.Monto, rate, taxes)
	return pago, nil
}

// buildDocto checks and writes one paid invoice; inPayment is what it
// pays in the payment's currency. Its taxes are added to taxes in the
// payment's currency.
func buildDocto(field string, inv PaidInvoice, monedaP string, taxes *pagoTaxes) (DoctoRelacionado, decimal.Decimal, error) {
	eq := inv.Equivalencia
	switch {
	case !uuidPattern.MatchString(inv.UUID):
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".UUID", "is not a UUID: %q", inv.UUID)
	case len(inv.Serie) > 25 || len(inv.Folio) > 40:
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Serie", "Serie or Folio too long")
	case !currencyCode.MatchString(inv.Moneda) || inv.Moneda == monedaSinMoneda:
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Moneda", "must be an ISO 4217 code such as MXN, got %q", inv.Moneda)
	case inv.Moneda != monedaP && !eq.IsPositive():
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Equivalencia", "is required and positive when the invoice's currency %s is not the payment's %s", inv.Moneda, monedaP)
	case inv.Moneda == monedaP && !eq.IsZero() && !eq.Equal(decimal.NewFromInt(1)):
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Equivalencia", "is 1 for an invoice in the payment's currency")
	case -eq.Exponent() > equivalenciaDR:
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Equivalencia", "has more than %d decimals", equivalenciaDR)
	case inv.NumParcialidad < 1 || inv.NumParcialidad > 999:
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".NumParcialidad", "must be from 1 to 999, got %d", inv.NumParcialidad)
	case !inv.Pagado.IsPositive() || !inv.Pagado.Equal(inv.Pagado.Round(amountPlaces)):
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Pagado", "must be positive with at most %d decimals, got %s", amountPlaces, inv.Pagado)
	case inv.Pagado.GreaterThan(inv.SaldoAnterior):
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".Pagado", "%s is more than the balance %s", inv.Pagado.StringFixed(amountPlaces), inv.SaldoAnterior.StringFixed(amountPlaces))
	case inv.SaldoAnterior.GreaterThan(inv.Total) || !inv.Total.IsPositive():
		return DoctoRelacionado{}, decimal.Zero, invalid(field+".SaldoAnterior", "%s is more than the invoice's Total %s", inv.SaldoAnterior.StringFixed(amountPlaces), inv.Total.StringFixed(amountPlaces))
	}
	if eq.IsZero() {
		eq = decimal.NewFromInt(1)
	}
	dr := DoctoRelacionado{
		IDDocumento: inv.UUID, Serie: inv.Serie, Folio: inv.Folio, MonedaDR: inv.Moneda, EquivalenciaDR: formatPlaces(eq, 0),
		NumParcialidad: fmt.Sprint(inv.NumParcialidad), ImpSaldoAnt: inv.SaldoAnterior.StringFixed(amountPlaces),
		ImpPagado: inv.Pagado.StringFixed(amountPlaces), ImpSaldoInsoluto: inv.SaldoAnterior.Sub(inv.Pagado).StringFixed(amountPlaces),
		ObjetoImpDR: ObjetoImpNo,
	}
	for i, t := range inv.Taxes {
		if t.TipoFactor == FactorCuota {
			return DoctoRelacionado{}, decimal.Zero, invalid(fmt.Sprintf("%s.Taxes[%d].TipoFactor", field, i+1),
				"a tax per unit (Cuota) is not prorated in a payment: its Base is units, not an amount in proportion to the payment")
		}
		if err := checkTax(fmt.Sprintf("%s.Taxes[%d]", field, i+1), t.Tax, !t.Retencion); err != nil {
			return DoctoRelacionado{}, decimal.Zero, err
		}
		base := t.Base.Mul(inv.Pagado).Div(inv.Total).Round(amountPlaces)
		im := Impuesto{Base: base.StringFixed(amountPlaces), Impuesto: t.Impuesto, TipoFactor: t.TipoFactor}
		var amount decimal.Decimal
		if t.TipoFactor != FactorExento {
			amount = base.Mul(t.Rate.Decimal).Round(amountPlaces)
			im.TasaOCuota, im.Importe = t.Rate.Decimal.StringFixed(maxPlaces), amount.StringFixed(amountPlaces)
		}
		if t.Retencion {
			dr.Retenciones = append(dr.Retenciones, im)
		} else {
			dr.Traslados = append(dr.Traslados, im)
		}
		taxes.add(t, base.Div(eq), amount.Div(eq))
		dr.ObjetoImpDR = ObjetoImpSi
	}
	return dr, inv.Pagado.Div(eq), nil
}

// pagoTaxes sums a payment's taxes per tax, in the payment's currency.
type pagoTaxes struct {
	order       []taxKey
	retencion   map[taxKey]bool
	base, total map[taxKey]decimal.Decimal
}

func (p *pagoTaxes) add(t InvoiceTax, base, amount decimal.Decimal) {
	k := taxKey{impuesto: t.Impuesto, factor: t.TipoFactor}
	if t.Rate.Valid {
		k.rate = t.Rate.Decimal.StringFixed(maxPlaces)
	}
	if t.Retencion {
		k.factor = "R" + k.factor
	}
	if p.base == nil {
		p.retencion, p.base, p.total = map[taxKey]bool{}, map[taxKey]decimal.Decimal{}, map[taxKey]decimal.Decimal{}
	}
	if _, ok := p.base[k]; !ok {
		p.order = append(p.order, k)
		p.retencion[k] = t.Retencion
	}
	p.base[k] = p.base[k].Add(base)
	p.total[k] = p.total[k].Add(amount)
}

// write is ImpuestosP: a RetencionP per impuesto, a TrasladoP per
// (impuesto, factor, rate).
func (p *pagoTaxes) write() (ret, tras []Impuesto) {
	retIm := map[string]decimal.Decimal{}
	var retOrder []string
	for _, k := range p.order {
		if p.retencion[k] {
			if _, ok := retIm[k.impuesto]; !ok {
				retOrder = append(retOrder, k.impuesto)
			}
			retIm[k.impuesto] = retIm[k.impuesto].Add(p.total[k])
			continue
		}
		t := Impuesto{Base: p.base[k].Round(amountPlaces).StringFixed(amountPlaces), Impuesto: k.impuesto, TipoFactor: k.factor}
		if k.factor != FactorExento {
			t.TasaOCuota, t.Importe = k.rate, p.total[k].Round(amountPlaces).StringFixed(amountPlaces)
		}
		tras = append(tras, t)
	}
	for _, i := range retOrder {
		ret = append(ret, Impuesto{Impuesto: i, Importe: retIm[i].Round(amountPlaces).StringFixed(amountPlaces)})
	}
	return ret, tras
}

// pagosSums accumulates the Totales, in MXN.
type pagosSums struct {
	monto                            decimal.Decimal
	retIVA, retISR, retIEPS          decimal.Decimal
	base16, iva16, base8, iva8       decimal.Decimal
	base0, iva0, baseExento          decimal.Decimal
	anyRetIVA, anyRetISR, anyRetIEPS bool
	any16, any8, any0, anyEx         bool
}

// add adds one payment of monto at rate (to MXN) with its taxes.
func (s *pagosSums) add(monto, rate decimal.Decimal, taxes pagoTaxes) {
	s.monto = s.monto.Add(monto.Mul(rate))
	for _, k := range taxes.order {
		base, total := taxes.base[k].Round(amountPlaces).Mul(rate), taxes.total[k].Round(amountPlaces).Mul(rate)
		if taxes.retencion[k] {
			switch k.impuesto {
			case ImpuestoIVA:
				s.retIVA, s.anyRetIVA = s.retIVA.Add(total), true
			case ImpuestoISR:
				s.retISR, s.anyRetISR = s.retISR.Add(total), true
			case ImpuestoIEPS:
				s.retIEPS, s.anyRetIEPS = s.retIEPS.Add(total), true
			}
			continue
		}
		if k.impuesto != ImpuestoIVA {
			continue
		}
		switch {
		case k.factor == FactorExento:
			s.baseExento, s.anyEx = s.baseExento.Add(base), true
		case k.rate == "0.160000":
			s.base16, s.iva16, s.any16 = s.base16.Add(base), s.iva16.Add(total), true
		case k.rate == "0.080000":
			s.base8, s.iva8, s.any8 = s.base8.Add(base), s.iva8.Add(total), true
		case k.rate == "0.000000":
			s.base0, s.iva0, s.any0 = s.base0.Add(base), s.iva0.Add(total), true
		}
	}
}

func (s *pagosSums) totales() PagosTotales {
	cents := func(ok bool, d decimal.Decimal) string {
		if !ok {
			return ""
		}
		return d.Round(amountPlaces).StringFixed(amountPlaces)
	}
	return PagosTotales{
		TotalRetencionesIVA: cents(s.anyRetIVA, s.retIVA), TotalRetencionesISR: cents(s.anyRetISR, s.retISR),
		TotalRetencionesIEPS:    cents(s.anyRetIEPS, s.retIEPS),
		TotalTrasladosBaseIVA16: cents(s.any16, s.base16), TotalTrasladosImpuestoIVA16: cents(s.any16, s.iva16),
		TotalTrasladosBaseIVA8: cents(s.any8, s.base8), TotalTrasladosImpuestoIVA8: cents(s.any8, s.iva8),
		TotalTrasladosBaseIVA0: cents(s.any0, s.base0), TotalTrasladosImpuestoIVA0: cents(s.any0, s.iva0),
		TotalTrasladosBaseIVAExento: cents(s.anyEx, s.baseExento), MontoTotalPagos: cents(true, s.monto),
	}
}

// write writes the complement inside cfdi:Complemento.
func (p *Pagos) write(w *xmlWriter) {
	w.open(pagosPrefix+":Pagos", "Version", pagosVersion)
	t := p.Totales
	w.empty(pagosPrefix+":Totales", "TotalRetencionesIVA", t.TotalRetencionesIVA, "TotalRetencionesISR", t.TotalRetencionesISR,
		"TotalRetencionesIEPS", t.TotalRetencionesIEPS, "TotalTrasladosBaseIVA16", t.TotalTrasladosBaseIVA16,
		"TotalTrasladosImpuestoIVA16", t.TotalTrasladosImpuestoIVA16, "TotalTrasladosBaseIVA8", t.TotalTrasladosBaseIVA8,
		"TotalTrasladosImpuestoIVA8", t.TotalTrasladosImpuestoIVA8, "TotalTrasladosBaseIVA0", t.TotalTrasladosBaseIVA0,
		"TotalTrasladosImpuestoIVA0", t.TotalTrasladosImpuestoIVA0, "TotalTrasladosBaseIVAExento", t.TotalTrasladosBaseIVAExento,
		"MontoTotalPagos", t.MontoTotalPagos)
	for _, pg := range p.Pagos {
		w.open(pagosPrefix+":Pago", "FechaPago", pg.FechaPago, "FormaDePagoP", pg.FormaDePagoP, "MonedaP", pg.MonedaP,
			"TipoCambioP", pg.TipoCambioP, "Monto", pg.Monto, "NumOperacion", pg.NumOperacion)
		for _, dr := range pg.Doctos {
			attrs := []string{"IdDocumento", dr.IDDocumento, "Serie", dr.Serie, "Folio", dr.Folio, "MonedaDR", dr.MonedaDR,
				"EquivalenciaDR", dr.EquivalenciaDR, "NumParcialidad", dr.NumParcialidad, "ImpSaldoAnt", dr.ImpSaldoAnt,
				"ImpPagado", dr.ImpPagado, "ImpSaldoInsoluto", dr.ImpSaldoInsoluto, "ObjetoImpDR", dr.ObjetoImpDR}
			if len(dr.Retenciones)+len(dr.Traslados) == 0 {
				w.empty(pagosPrefix+":DoctoRelacionado", attrs...)
				continue
			}
			w.open(pagosPrefix+":DoctoRelacionado", attrs...)
			w.open(pagosPrefix + ":ImpuestosDR")
			w.suffixed("RetencionesDR", "RetencionDR", "DR", dr.Retenciones)
			w.suffixed("TrasladosDR", "TrasladoDR", "DR", dr.Traslados)
			w.close(pagosPrefix + ":ImpuestosDR")
			w.close(pagosPrefix + ":DoctoRelacionado")
		}
		if len(pg.Retenciones)+len(pg.Traslados) > 0 {
			w.open(pagosPrefix + ":ImpuestosP")
			w.suffixed("RetencionesP", "RetencionP", "P", pg.Retenciones)
			w.suffixed("TrasladosP", "TrasladoP", "P", pg.Traslados)
			w.close(pagosPrefix + ":ImpuestosP")
		}
		w.close(pagosPrefix + ":Pago")
	}
	w.close(pagosPrefix + ":Pagos")
}

// suffixed writes a pago20 tax group whose attributes carry a suffix
// (BaseDR, ImpuestoP...); nothing when list is empty.
func (w *xmlWriter) suffixed(group, elem, sfx string, list []Impuesto) {
	if len(list) == 0 {
		return
	}
	w.open(pagosPrefix + ":" + group)
	for _, t := range list {
		w.empty(pagosPrefix+":"+elem, "Base"+sfx, t.Base, "Impuesto"+sfx, t.Impuesto, "TipoFactor"+sfx, t.TipoFactor,
			"TasaOCuota"+sfx, t.TasaOCuota, "Importe"+sfx, t.Importe)
	}
	w.close(pagosPrefix + ":" + group)
}
