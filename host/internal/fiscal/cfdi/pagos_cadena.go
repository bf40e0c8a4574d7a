package cfdi

import "github.com/nexuspos/nexus/host/internal/invoices"

// The cadena original of the Pagos 2.0 complement, as SAT's Pagos20.xslt
// (included by cadenaoriginal_4_0.xslt) writes it.

// pagosChildren are e's child elements named {NamespacePagos20}local.
func pagosChildren(e *element, locals ...string) []*element {
	cur := []*element{e}
	for _, l := range locals {
		var next []*element
		for _, p := range cur {
			for _, k := range p.kids {
				if c, ok := k.(*element); ok && c.space == invoices.NamespacePagos20 && c.local == l {
					next = append(next, c)
				}
			}
		}
		cur = next
	}
	return cur
}

// pagos20 is the template of pago20:Pagos.
func (c *cadena) pagos20(e *element) {
	c.req(e, "Version")
	for _, t := range pagosChildren(e, "Totales") {
		c.opt(t, "TotalRetencionesIVA", "TotalRetencionesISR", "TotalRetencionesIEPS",
			"TotalTrasladosBaseIVA16", "TotalTrasladosImpuestoIVA16", "TotalTrasladosBaseIVA8", "TotalTrasladosImpuestoIVA8",
			"TotalTrasladosBaseIVA0", "TotalTrasladosImpuestoIVA0", "TotalTrasladosBaseIVAExento")
		c.req(t, "MontoTotalPagos")
	}
	for _, p := range pagosChildren(e, "Pago") {
		c.req(p, "FechaPago", "FormaDePagoP", "MonedaP")
		c.opt(p, "TipoCambioP")
		c.req(p, "Monto")
		c.opt(p, "NumOperacion", "RfcEmisorCtaOrd", "NomBancoOrdExt", "CtaOrdenante", "RfcEmisorCtaBen", "CtaBeneficiario",
			"TipoCadPago", "CertPago", "CadPago", "SelloPago")
		for _, d := range pagosChildren(p, "DoctoRelacionado") {
			c.req(d, "IdDocumento")
			c.opt(d, "Serie", "Folio")
			c.req(d, "MonedaDR")
			c.opt(d, "EquivalenciaDR")
			c.req(d, "NumParcialidad", "ImpSaldoAnt", "ImpPagado", "ImpSaldoInsoluto", "ObjetoImpDR")
			for _, r := range pagosChildren(d, "ImpuestosDR", "RetencionesDR", "RetencionDR") {
				c.req(r, "BaseDR", "ImpuestoDR", "TipoFactorDR", "TasaOCuotaDR", "ImporteDR")
			}
			for _, t := range pagosChildren(d, "ImpuestosDR", "TrasladosDR", "TrasladoDR") {
				c.req(t, "BaseDR", "ImpuestoDR", "TipoFactorDR")
				c.opt(t, "TasaOCuotaDR", "ImporteDR")
			}
		}
		for _, im := range pagosChildren(p, "ImpuestosP") {
			for _, r := range pagosChildren(im, "RetencionesP", "RetencionP") {
				c.req(r, "ImpuestoP", "ImporteP")
			}
			for _, t := range pagosChildren(im, "TrasladosP", "TrasladoP") {
				c.req(t, "BaseP", "ImpuestoP", "TipoFactorP")
				c.opt(t, "TasaOCuotaP", "ImporteP")
			}
		}
	}
}
