package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// party is a CFDI Emisor or Receptor.
type party struct {
	rfc, name, regimen string
	// cp and uso are the Receptor's DomicilioFiscalReceptor and UsoCFDI.
	cp, uso string
}

// invoiceLine is a CFDI Concepto; amounts in cents, base excluding tax.
type invoiceLine struct {
	clave, ident, desc string
	q                  int64
	base, tax          int64
	rate               *rate
}

// invoice is a CFDI 4.0 (PUE, MXN, no discount) to store.
type invoice struct {
	tipo, direction, serie string
	fecha                  time.Time
	emisor, receptor       party
	formaPago              string
	lines                  []invoiceLine
}

// cents renders minor units as a decimal with two places.
func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// invoice writes the CFDI, its Conceptos and its document taxes per rate,
// with a well-formed raw XML whose totals match the rows.
func (g *invoiceGen) invoice(inv invoice) {
	c, w := g.c, g.w
	g.folio++
	id, satUUID := g.id(), g.id()
	folio := fmt.Sprint(g.folio)
	timbrado := inv.fecha.Add(time.Duration(1+g.r.IntN(5)) * time.Minute)
	type sum struct{ base, tax int64 }
	var subtotal, traslados int64
	perRate := map[*rate]*sum{}
	var order []*rate
	var conceptos strings.Builder
	for i, l := range inv.lines {
		subtotal, traslados = subtotal+l.base, traslados+l.tax
		s, ok := perRate[l.rate]
		if !ok {
			s = &sum{}
			perRate[l.rate] = s
			order = append(order, l.rate)
		}
		s.base, s.tax = s.base+l.base, s.tax+l.tax
		unit := roundDiv(l.base*10000, l.q) // millionths
		w.add("public.sat_invoice_lines", c.id, id, i+1, l.clave, l.ident, qty(l.q), "H87", "Pieza", l.desc,
			micros(unit), micros(l.base*10000), "02")
		fmt.Fprintf(&conceptos, `<cfdi:Concepto ClaveProdServ="%s" NoIdentificacion="%s" Cantidad="%d" ClaveUnidad="H87" Unidad="Pieza" Descripcion="%s" ValorUnitario="%d.%06d" Importe="%s" ObjetoImp="02"><cfdi:Impuestos><cfdi:Traslados><cfdi:Traslado Base="%s" Impuesto="002" TipoFactor="Tasa" TasaOCuota="%s" Importe="%s"/></cfdi:Traslados></cfdi:Impuestos></cfdi:Concepto>`,
			l.clave, esc(l.ident), l.q, esc(l.desc), unit/1000000, unit%1000000, cents(l.base), cents(l.base), l.rate.cfdi, cents(l.tax))
	}
	total := subtotal + traslados
	var taxesXML strings.Builder
	for i, r := range order {
		s := perRate[r]
		w.add("public.sat_invoice_taxes", c.id, id, i+1, nil, "traslado", "002", "Tasa", r.tasa, amount(s.base), amount(s.tax))
		fmt.Fprintf(&taxesXML, `<cfdi:Traslado Base="%s" Impuesto="002" TipoFactor="Tasa" TasaOCuota="%s" Importe="%s"/>`,
			cents(s.base), r.cfdi, cents(s.tax))
	}
	sello := sha256.Sum256(append(satUUID[:], id[:]...))
	selloSAT := hex.EncodeToString(sello[:])
	fecha := inv.fecha.Format("2006-01-02T15:04:05")
	raw := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
		`<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" `+
		`Version="4.0" Serie="%s" Folio="%s" Fecha="%s" FormaPago="%s" SubTotal="%s" Moneda="MXN" Total="%s" `+
		`TipoDeComprobante="%s" Exportacion="01" MetodoPago="PUE" LugarExpedicion="06600">`+
		`<cfdi:Emisor Rfc="%s" Nombre="%s" RegimenFiscal="%s"/>`+
		`<cfdi:Receptor Rfc="%s" Nombre="%s" DomicilioFiscalReceptor="%s" RegimenFiscalReceptor="%s" UsoCFDI="%s"/>`+
		`<cfdi:Conceptos>%s</cfdi:Conceptos>`+
		`<cfdi:Impuestos TotalImpuestosTrasladados="%s"><cfdi:Traslados>%s</cfdi:Traslados></cfdi:Impuestos>`+
		`<cfdi:Complemento><tfd:TimbreFiscalDigital Version="1.1" UUID="%s" FechaTimbrado="%s" RfcProvCertif="SAT970701NN3" SelloSAT="%s"/></cfdi:Complemento>`+
		`</cfdi:Comprobante>`,
		inv.serie, folio, fecha, inv.formaPago, cents(subtotal), cents(total), inv.tipo,
		inv.emisor.rfc, esc(inv.emisor.name), inv.emisor.regimen,
		inv.receptor.rfc, esc(inv.receptor.name), inv.receptor.cp, inv.receptor.regimen, inv.receptor.uso,
		conceptos.String(), cents(traslados), taxesXML.String(),
		strings.ToUpper(satUUID.String()), timbrado.Format("2006-01-02T15:04:05"), selloSAT)
	digest := sha256.Sum256([]byte(raw))
	w.add("public.sat_invoices", c.id, id, satUUID, "4.0", inv.serie, folio, inv.fecha, inv.tipo, inv.direction,
		inv.emisor.rfc, inv.emisor.name, inv.emisor.regimen, inv.receptor.rfc, inv.receptor.name, inv.receptor.cp,
		inv.receptor.regimen, inv.receptor.uso, "06600", "01", "MXN", amount(subtotal), amount(0), amount(traslados),
		amount(total), inv.formaPago, "PUE", timbrado, "SAT970701NN3", selloSAT, raw, digest[:], timbrado)
}

// esc escapes text for an XML attribute.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder never fails
	return b.String()
}
