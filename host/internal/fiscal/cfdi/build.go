package cfdi

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/sdk/taxid"
)

const (
	// amountPlaces is the precision of amounts (Importe, SubTotal, Total,
	// tax amounts): the cent of MXN and of the usual currencies.
	amountPlaces = 2
	// maxPlaces is the most decimals Cantidad, ValorUnitario and TipoCambio
	// may carry (tdCFDI t_Importe and cfdv40.xsd).
	maxPlaces = 6
	// fechaLayout is how Fecha is written: local time, no zone.
	fechaLayout     = "2006-01-02T15:04:05"
	monedaMXN       = "MXN"
	formaPorDefinir = "99"
	metodoPUE       = "PUE"
	metodoPPD       = "PPD"
)

var (
	postalCode    = regexp.MustCompile(`^[0-9]{5}$`)
	claveProdServ = regexp.MustCompile(`^[0-9]{8}$`)
	currencyCode  = regexp.MustCompile(`^[A-Z]{3}$`)
	catalogKey    = regexp.MustCompile(`^[0-9A-Z]{1,4}$`)
	uuidPattern   = regexp.MustCompile(`^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$`)
)

// Build checks d and computes the Comprobante: each line's Importe
// (Cantidad × ValorUnitario) and taxes (rate × (Importe − Descuento), IVA's
// base plus the line's IEPS, a Cuota's Units × quota), rounded to the
// cent; the document's taxes summed per impuesto, factor and rate or
// quota; SubTotal, Descuento and Total (SubTotal − Descuento + transferred
// − withheld). An invalid document is a *FieldError (ErrInvalidDocument).
func Build(d Document) (*Comprobante, error) {
	if err := checkHeader(d); err != nil {
		return nil, err
	}
	c := &Comprobante{
		Version: Version, Serie: d.Serie, Folio: d.Folio,
		Fecha:     d.Fecha.Format(fechaLayout),
		FormaPago: d.FormaPago, Moneda: d.Moneda,
		TipoDeComprobante: d.Tipo, Exportacion: d.Exportacion,
		MetodoPago: d.MetodoPago, LugarExpedicion: d.LugarExpedicion,
		Global: d.Global, Relacionados: d.Relacionados,
		Emisor: d.Emisor, Receptor: d.Receptor,
	}
	if c.Exportacion == "" {
		c.Exportacion = ExportacionNoAplica
	}
	if d.Moneda != monedaMXN {
		c.TipoCambio = formatPlaces(d.TipoCambio.Decimal, 0)
	}
	var sums summary
	for i, l := range d.Lines {
		k, err := sums.line(fmt.Sprintf("Lines[%d]", i+1), l)
		if err != nil {
			return nil, err
		}
		c.Conceptos = append(c.Conceptos, k)
	}
	c.SubTotal = sums.subTotal.StringFixed(amountPlaces)
	if sums.discounted {
		c.Descuento = sums.descuento.StringFixed(amountPlaces)
	}
	c.Impuestos = sums.impuestos()
	c.Total = sums.subTotal.Sub(sums.descuento).Add(sums.trasladados).Sub(sums.retenidos).StringFixed(amountPlaces)
	return c, nil
}

// checkHeader checks everything of d but its lines.
func checkHeader(d Document) error {
	switch {
	case d.Tipo != invoices.TipoIngreso && d.Tipo != invoices.TipoEgreso:
		return invalid("Tipo", "must be %q (ingreso) or %q (egreso), got %q", invoices.TipoIngreso, invoices.TipoEgreso, d.Tipo)
	case d.Fecha.IsZero():
		return invalid("Fecha", "is required")
	case len(d.Serie) > 25:
		return invalid("Serie", "has more than 25 characters")
	case len(d.Folio) > 40:
		return invalid("Folio", "has more than 40 characters")
	case !postalCode.MatchString(d.LugarExpedicion):
		return invalid("LugarExpedicion", "must be a 5-digit postal code, got %q", d.LugarExpedicion)
	case !currencyCode.MatchString(d.Moneda):
		return invalid("Moneda", "must be an ISO 4217 code such as MXN, got %q", d.Moneda)
	case d.Moneda != monedaMXN && (!d.TipoCambio.Valid || !d.TipoCambio.Decimal.IsPositive()):
		return invalid("TipoCambio", "is required and positive for Moneda %s", d.Moneda)
	case d.Moneda != monedaMXN && -d.TipoCambio.Decimal.Exponent() > maxPlaces:
		return invalid("TipoCambio", "has more than %d decimals", maxPlaces)
	case d.MetodoPago != metodoPUE && d.MetodoPago != metodoPPD:
		return invalid("MetodoPago", "must be PUE or PPD, got %q", d.MetodoPago)
	case !catalogKey.MatchString(d.FormaPago):
		return invalid("FormaPago", "must be a c_FormaPago key, got %q", d.FormaPago)
	case d.MetodoPago == metodoPPD && d.FormaPago != formaPorDefinir:
		return invalid("FormaPago", "must be 99 (por definir) with MetodoPago PPD")
	case len(d.Lines) == 0:
		return invalid("Lines", "a CFDI needs at least one line")
	}
	if err := checkEmisor(d.Emisor); err != nil {
		return err
	}
	if err := checkReceptor(d.Receptor, d.Global != nil); err != nil {
		return err
	}
	if g := d.Global; g != nil {
		if !catalogKey.MatchString(g.Periodicidad) || !catalogKey.MatchString(g.Meses) {
			return invalid("Global", "Periodicidad and Meses must be catalog keys, got %q and %q", g.Periodicidad, g.Meses)
		}
		if g.Anio < 2021 || g.Anio > 9999 {
			return invalid("Global.Anio", "must be a year from 2021, got %d", g.Anio)
		}
	}
	for i, r := range d.Relacionados {
		f := fmt.Sprintf("Relacionados[%d]", i+1)
		if !catalogKey.MatchString(r.TipoRelacion) {
			return invalid(f+".TipoRelacion", "must be a c_TipoRelacion key, got %q", r.TipoRelacion)
		}
		if len(r.UUIDs) == 0 {
			return invalid(f+".UUIDs", "needs at least one UUID")
		}
		for j, u := range r.UUIDs {
			if !uuidPattern.MatchString(u) {
				return invalid(fmt.Sprintf("%s.UUIDs[%d]", f, j+1), "is not a UUID: %q", u)
			}
		}
	}
	return nil
}

func checkEmisor(e invoices.Emisor) error {
	if _, err := taxid.ValidateCompanyRFC(e.Rfc); err != nil {
		return invalid("Emisor.Rfc", "%v", err)
	}
	if err := checkText("Emisor.Nombre", e.Nombre, 254); err != nil {
		return err
	}
	if !catalogKey.MatchString(e.RegimenFiscal) {
		return invalid("Emisor.RegimenFiscal", "must be a c_RegimenFiscal key, got %q", e.RegimenFiscal)
	}
	return nil
}

func checkReceptor(r invoices.Receptor, global bool) error {
	if _, err := taxid.ValidateRFC(r.Rfc); err != nil {
		return invalid("Receptor.Rfc", "%v", err)
	}
	if global && r.Rfc != RFCPublicoGeneral {
		return invalid("Receptor.Rfc", "a global CFDI is issued to %s", RFCPublicoGeneral)
	}
	if err := checkText("Receptor.Nombre", r.Nombre, 254); err != nil {
		return err
	}
	switch {
	case !postalCode.MatchString(r.DomicilioFiscalReceptor):
		return invalid("Receptor.DomicilioFiscalReceptor", "must be a 5-digit postal code, got %q", r.DomicilioFiscalReceptor)
	case !catalogKey.MatchString(r.RegimenFiscalReceptor):
		return invalid("Receptor.RegimenFiscalReceptor", "must be a c_RegimenFiscal key, got %q", r.RegimenFiscalReceptor)
	case !catalogKey.MatchString(r.UsoCFDI):
		return invalid("Receptor.UsoCFDI", "must be a c_UsoCFDI key, got %q", r.UsoCFDI)
	}
	return nil
}

// checkText refuses an empty or over-long text and characters XML 1.0
// cannot carry.
func checkText(field, s string, maxRunes int) error {
	if strings.TrimSpace(s) == "" {
		return invalid(field, "is required")
	}
	if !utf8.ValidString(s) {
		return invalid(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return invalid(field, "has %d characters, at most %d", n, maxRunes)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return invalid(field, "contains the control character %U", r)
		}
	}
	return nil
}

// taxKey groups document-level traslados.
type taxKey struct{ impuesto, factor, rate string }

// summary accumulates the document's figures line by line.
type summary struct {
	subTotal, descuento      decimal.Decimal
	trasladados, retenidos   decimal.Decimal
	discounted, anyTraslado  bool
	trasladoBase, trasladoIm map[taxKey]decimal.Decimal
	trasladoOrder            []taxKey
	retencionOrder           []string
	retencionIm              map[string]decimal.Decimal
}

// line checks one line, computes its Concepto and adds it to the sums.
func (s *summary) line(field string, l Line) (Concepto, error) {
	if err := checkLine(field, l); err != nil {
		return Concepto{}, err
	}
	importe := l.Cantidad.Mul(l.ValorUnitario).Round(amountPlaces)
	if l.Descuento.GreaterThan(importe) {
		return Concepto{}, invalid(field+".Descuento", "%s is more than the line's Importe %s", l.Descuento, importe.StringFixed(amountPlaces))
	}
	base := importe.Sub(l.Descuento)
	k := Concepto{
		ClaveProdServ: l.ClaveProdServ, NoIdentificacion: l.NoIdentificacion,
		Cantidad: l.Cantidad.String(), ClaveUnidad: l.ClaveUnidad, Unidad: l.Unidad,
		Descripcion: l.Descripcion, ValorUnitario: formatPlaces(l.ValorUnitario, amountPlaces),
		Importe: importe.StringFixed(amountPlaces), ObjetoImp: l.ObjetoImp,
	}
	if l.Descuento.IsPositive() {
		k.Descuento = l.Descuento.StringFixed(amountPlaces)
		s.discounted = true
	}
	if k.ObjetoImp == "" {
		k.ObjetoImp = ObjetoImpNo
		if len(l.Traslados)+len(l.Retenciones) > 0 {
			k.ObjetoImp = ObjetoImpSi
		}
	}
	// IVA is levied on the price plus the line's IEPS.
	ivaBase := base
	for _, t := range l.Traslados {
		if t.Impuesto == ImpuestoIEPS && t.TipoFactor != FactorExento {
			ivaBase = ivaBase.Add(taxAmount(base, t))
		}
	}
	for _, t := range l.Traslados {
		b := base
		if t.Impuesto == ImpuestoIVA {
			b = ivaBase
		}
		k.Traslados = append(k.Traslados, s.traslado(b, t))
	}
	for _, t := range l.Retenciones {
		b := base
		if t.Impuesto == ImpuestoIVA {
			b = ivaBase
		}
		k.Retenciones = append(k.Retenciones, s.retencion(b, t))
	}
	s.subTotal = s.subTotal.Add(importe)
	s.descuento = s.descuento.Add(l.Descuento)
	return k, nil
}

func checkLine(field string, l Line) error {
	switch {
	case !claveProdServ.MatchString(l.ClaveProdServ):
		return invalid(field+".ClaveProdServ", "must be an 8-digit c_ClaveProdServ key, got %q", l.ClaveProdServ)
	case !catalogKey.MatchString(l.ClaveUnidad):
		return invalid(field+".ClaveUnidad", "must be a c_ClaveUnidad key, got %q", l.ClaveUnidad)
	case !l.Cantidad.IsPositive():
		return invalid(field+".Cantidad", "must be positive, got %s", l.Cantidad)
	case -l.Cantidad.Exponent() > maxPlaces:
		return invalid(field+".Cantidad", "has more than %d decimals", maxPlaces)
	case l.ValorUnitario.IsNegative():
		return invalid(field+".ValorUnitario", "must not be negative, got %s", l.ValorUnitario)
	case -l.ValorUnitario.Exponent() > maxPlaces:
		return invalid(field+".ValorUnitario", "has more than %d decimals", maxPlaces)
	case l.Descuento.IsNegative():
		return invalid(field+".Descuento", "must not be negative, got %s", l.Descuento)
	case !l.Descuento.Equal(l.Descuento.Round(amountPlaces)):
		return invalid(field+".Descuento", "has more than %d decimals", amountPlaces)
	case l.ObjetoImp != "" && !catalogKey.MatchString(l.ObjetoImp):
		return invalid(field+".ObjetoImp", "must be a c_ObjetoImp key, got %q", l.ObjetoImp)
	case l.ObjetoImp == ObjetoImpSi && len(l.Traslados)+len(l.Retenciones) == 0:
		return invalid(field+".ObjetoImp", "02 (subject to tax) needs at least one tax")
	case l.ObjetoImp != "" && l.ObjetoImp != ObjetoImpSi && len(l.Traslados)+len(l.Retenciones) > 0:
		return invalid(field+".ObjetoImp", "%s carries no taxes, the line has some", l.ObjetoImp)
	}
	if err := checkText(field+".Descripcion", l.Descripcion, 1000); err != nil {
		return err
	}
	for i, t := range l.Traslados {
		if err := checkTax(fmt.Sprintf("%s.Traslados[%d]", field, i+1), t, true); err != nil {
			return err
		}
	}
	for i, t := range l.Retenciones {
		if err := checkTax(fmt.Sprintf("%s.Retenciones[%d]", field, i+1), t, false); err != nil {
			return err
		}
	}
	return nil
}

func checkTax(field string, t Tax, traslado bool) error {
	switch t.Impuesto {
	case ImpuestoISR, ImpuestoIVA, ImpuestoIEPS:
	default:
		return invalid(field+".Impuesto", "must be 001 (ISR), 002 (IVA) or 003 (IEPS), got %q", t.Impuesto)
	}
	if traslado && t.Impuesto == ImpuestoISR {
		return invalid(field+".Impuesto", "ISR is withheld, never transferred")
	}
	switch t.TipoFactor {
	case FactorTasa:
		if !t.Rate.Valid || t.Rate.Decimal.IsNegative() || t.Rate.Decimal.GreaterThan(decimal.NewFromInt(1)) {
			return invalid(field+".Rate", "a Tasa needs a rate between 0 and 1")
		}
		if -t.Rate.Decimal.Exponent() > maxPlaces {
			return invalid(field+".Rate", "has more than %d decimals", maxPlaces)
		}
	case FactorCuota:
		switch {
		case !traslado:
			return invalid(field+".TipoFactor", "a retención here is at a Tasa, not a Cuota")
		case t.Impuesto != ImpuestoIEPS:
			return invalid(field+".TipoFactor", "only IEPS is levied per unit (Cuota)")
		case !t.Rate.Valid || !t.Rate.Decimal.IsPositive():
			return invalid(field+".Rate", "a Cuota needs a positive amount per unit")
		case -t.Rate.Decimal.Exponent() > maxPlaces:
			return invalid(field+".Rate", "has more than %d decimals", maxPlaces)
		case !t.Units.IsPositive():
			return invalid(field+".Units", "a Cuota needs the positive number of units it applies to")
		case -t.Units.Exponent() > maxPlaces:
			return invalid(field+".Units", "has more than %d decimals", maxPlaces)
		}
	case FactorExento:
		if !traslado {
			return invalid(field+".TipoFactor", "a retención cannot be Exento")
		}
		if t.Rate.Valid {
			return invalid(field+".Rate", "an Exento tax has no rate")
		}
	default:
		return invalid(field+".TipoFactor", "must be Tasa, Cuota or Exento, got %q", t.TipoFactor)
	}
	return nil
}

// taxAmount is a tax's Importe on base: base × rate, or units × quota for
// a Cuota, rounded to the cent; zero for Exento.
func taxAmount(base decimal.Decimal, t Tax) decimal.Decimal {
	switch t.TipoFactor {
	case FactorExento:
		return decimal.Zero
	case FactorCuota:
		return t.Units.Mul(t.Rate.Decimal).Round(amountPlaces)
	default:
		return base.Mul(t.Rate.Decimal).Round(amountPlaces)
	}
}

// traslado computes one line traslado on base (its Units for a Cuota) and
// adds it to its group.
func (s *summary) traslado(base decimal.Decimal, t Tax) Impuesto {
	amount := taxAmount(base, t)
	if t.TipoFactor == FactorCuota {
		base = t.Units
	}
	im := Impuesto{Base: formatPlaces(base, amountPlaces), Impuesto: t.Impuesto, TipoFactor: t.TipoFactor}
	key := taxKey{impuesto: t.Impuesto, factor: t.TipoFactor}
	if t.TipoFactor != FactorExento {
		im.TasaOCuota = t.Rate.Decimal.StringFixed(maxPlaces)
		im.Importe = amount.StringFixed(amountPlaces)
		key.rate = im.TasaOCuota
		s.trasladados = s.trasladados.Add(amount)
		s.anyTraslado = true
	}
	if s.trasladoBase == nil {
		s.trasladoBase, s.trasladoIm = map[taxKey]decimal.Decimal{}, map[taxKey]decimal.Decimal{}
	}
	if _, ok := s.trasladoBase[key]; !ok {
		s.trasladoOrder = append(s.trasladoOrder, key)
	}
	s.trasladoBase[key] = s.trasladoBase[key].Add(base)
	s.trasladoIm[key] = s.trasladoIm[key].Add(amount)
	return im
}

// retencion computes one line retención on base and adds it to its
// impuesto's total.
func (s *summary) retencion(base decimal.Decimal, t Tax) Impuesto {
	amount := taxAmount(base, t)
	if s.retencionIm == nil {
		s.retencionIm = map[string]decimal.Decimal{}
	}
	if _, ok := s.retencionIm[t.Impuesto]; !ok {
		s.retencionOrder = append(s.retencionOrder, t.Impuesto)
	}
	s.retencionIm[t.Impuesto] = s.retencionIm[t.Impuesto].Add(amount)
	s.retenidos = s.retenidos.Add(amount)
	return Impuesto{Base: base.StringFixed(amountPlaces), Impuesto: t.Impuesto, TipoFactor: t.TipoFactor,
		TasaOCuota: t.Rate.Decimal.StringFixed(maxPlaces), Importe: amount.StringFixed(amountPlaces)}
}

// impuestos is the document's tax summary, nil when no line has taxes.
func (s *summary) impuestos() *Impuestos {
	if len(s.trasladoOrder) == 0 && len(s.retencionOrder) == 0 {
		return nil
	}
	im := &Impuestos{}
	for _, k := range s.trasladoOrder {
		t := Impuesto{Base: formatPlaces(s.trasladoBase[k], amountPlaces), Impuesto: k.impuesto, TipoFactor: k.factor}
		if k.factor != FactorExento {
			t.TasaOCuota = k.rate
			t.Importe = s.trasladoIm[k].StringFixed(amountPlaces)
		}
		im.Traslados = append(im.Traslados, t)
	}
	if s.anyTraslado {
		im.TotalImpuestosTrasladados = s.trasladados.StringFixed(amountPlaces)
	}
	for _, i := range s.retencionOrder {
		im.Retenciones = append(im.Retenciones, Impuesto{Impuesto: i, Importe: s.retencionIm[i].StringFixed(amountPlaces)})
	}
	if len(s.retencionOrder) > 0 {
		im.TotalImpuestosRetenidos = s.retenidos.StringFixed(amountPlaces)
	}
	return im
}

// formatPlaces writes d with at least minPlaces decimals and no more than
// it carries.
func formatPlaces(d decimal.Decimal, minPlaces int32) string {
	if p := -d.Exponent(); p > minPlaces {
		return d.StringFixed(p)
	}
	return d.StringFixed(minPlaces)
}
