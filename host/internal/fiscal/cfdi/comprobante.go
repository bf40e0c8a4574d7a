package cfdi

import (
	"strconv"
	"strings"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// Version is the CFDI version this package issues.
const Version = "4.0"

// Schema location written on every Comprobante.
const (
	namespaceXSI   = "http://www.w3.org/2001/XMLSchema-instance"
	schemaLocation = invoices.NamespaceCFDI4 + " http://www.sat.gob.mx/sitio_internet/cfd/4/cfdv40.xsd"
)

// Comprobante is a built CFDI with every amount computed and written as
// the XML carries it. Empty strings are attributes left out. Seal fills
// NoCertificado, Certificado and Sello.
type Comprobante struct {
	Version           string
	Serie             string
	Folio             string
	Fecha             string
	Sello             string
	FormaPago         string
	NoCertificado     string
	Certificado       string
	SubTotal          string
	Descuento         string
	Moneda            string
	TipoCambio        string
	Total             string
	TipoDeComprobante string
	Exportacion       string
	MetodoPago        string
	LugarExpedicion   string

	// Global is the InformacionGlobal (Periodicidad, Meses, Año); nil when
	// absent.
	Global       *Global
	Relacionados []invoices.Relacionados
	Emisor       invoices.Emisor
	Receptor     invoices.Receptor
	Conceptos    []Concepto
	// Impuestos is the document's tax summary; nil when no line has taxes.
	Impuestos *Impuestos
	// Pagos is the Pagos 2.0 complement of a payment receipt
	// (BuildPayment); nil otherwise.
	Pagos *Pagos
}

// Concepto is one line as written.
type Concepto struct {
	ClaveProdServ    string
	NoIdentificacion string
	Cantidad         string
	ClaveUnidad      string
	Unidad           string
	Descripcion      string
	ValorUnitario    string
	Importe          string
	Descuento        string
	ObjetoImp        string
	Traslados        []Impuesto
	Retenciones      []Impuesto
}

// Impuesto is a Traslado or Retencion as written. A document-level
// Retencion carries only Impuesto and Importe.
type Impuesto struct {
	Base       string
	Impuesto   string
	TipoFactor string
	TasaOCuota string
	Importe    string
}

// Impuestos is the document's tax summary.
type Impuestos struct {
	TotalImpuestosRetenidos   string
	TotalImpuestosTrasladados string
	Retenciones               []Impuesto
	Traslados                 []Impuesto
}

// XML writes the Comprobante as a UTF-8 document.
func (c *Comprobante) XML() []byte {
	var w xmlWriter
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	nsPagos, location := "", schemaLocation
	if c.Pagos != nil {
		nsPagos, location = invoices.NamespacePagos20, schemaLocation+" "+schemaPagos20
	}
	w.open("cfdi:Comprobante",
		"xmlns:cfdi", invoices.NamespaceCFDI4, "xmlns:xsi", namespaceXSI, "xmlns:"+pagosPrefix, nsPagos,
		"xsi:schemaLocation", location,
		"Version", c.Version, "Serie", c.Serie, "Folio", c.Folio, "Fecha", c.Fecha,
		"Sello", c.Sello, "FormaPago", c.FormaPago, "NoCertificado", c.NoCertificado,
		"Certificado", c.Certificado, "SubTotal", c.SubTotal, "Descuento", c.Descuento,
		"Moneda", c.Moneda, "TipoCambio", c.TipoCambio, "Total", c.Total,
		"TipoDeComprobante", c.TipoDeComprobante, "Exportacion", c.Exportacion,
		"MetodoPago", c.MetodoPago, "LugarExpedicion", c.LugarExpedicion)
	if g := c.Global; g != nil {
		w.empty("cfdi:InformacionGlobal", "Periodicidad", g.Periodicidad, "Meses", g.Meses, "Año", strconv.Itoa(g.Anio))
	}
	for _, r := range c.Relacionados {
		w.open("cfdi:CfdiRelacionados", "TipoRelacion", r.TipoRelacion)
		for _, u := range r.UUIDs {
			w.empty("cfdi:CfdiRelacionado", "UUID", u)
		}
		w.close("cfdi:CfdiRelacionados")
	}
	w.empty("cfdi:Emisor", "Rfc", c.Emisor.Rfc, "Nombre", c.Emisor.Nombre, "RegimenFiscal", c.Emisor.RegimenFiscal)
	w.empty("cfdi:Receptor", "Rfc", c.Receptor.Rfc, "Nombre", c.Receptor.Nombre,
		"DomicilioFiscalReceptor", c.Receptor.DomicilioFiscalReceptor,
		"RegimenFiscalReceptor", c.Receptor.RegimenFiscalReceptor, "UsoCFDI", c.Receptor.UsoCFDI)
	w.open("cfdi:Conceptos")
	for _, k := range c.Conceptos {
		attrs := []string{"ClaveProdServ", k.ClaveProdServ, "NoIdentificacion", k.NoIdentificacion,
			"Cantidad", k.Cantidad, "ClaveUnidad", k.ClaveUnidad, "Unidad", k.Unidad,
			"Descripcion", k.Descripcion, "ValorUnitario", k.ValorUnitario, "Importe", k.Importe,
			"Descuento", k.Descuento, "ObjetoImp", k.ObjetoImp}
		if len(k.Traslados) == 0 && len(k.Retenciones) == 0 {
			w.empty("cfdi:Concepto", attrs...)
			continue
		}
		w.open("cfdi:Concepto", attrs...)
		w.open("cfdi:Impuestos")
		w.taxes("cfdi:Traslados", "cfdi:Traslado", k.Traslados)
		w.taxes("cfdi:Retenciones", "cfdi:Retencion", k.Retenciones)
		w.close("cfdi:Impuestos")
		w.close("cfdi:Concepto")
	}
	w.close("cfdi:Conceptos")
	if im := c.Impuestos; im != nil {
		w.open("cfdi:Impuestos", "TotalImpuestosRetenidos", im.TotalImpuestosRetenidos,
			"TotalImpuestosTrasladados", im.TotalImpuestosTrasladados)
		w.taxes("cfdi:Retenciones", "cfdi:Retencion", im.Retenciones)
		w.taxes("cfdi:Traslados", "cfdi:Traslado", im.Traslados)
		w.close("cfdi:Impuestos")
	}
	if c.Pagos != nil {
		w.open("cfdi:Complemento")
		c.Pagos.write(&w)
		w.close("cfdi:Complemento")
	}
	w.close("cfdi:Comprobante")
	return []byte(w.b.String())
}

// xmlWriter writes elements with their attributes in the given order,
// leaving out empty ones.
type xmlWriter struct {
	b     strings.Builder
	depth int
}

func (w *xmlWriter) start(name string, attrs []string) {
	w.b.WriteString(strings.Repeat("  ", w.depth))
	w.b.WriteString("<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteString(" " + attrs[i] + `="`)
		escapeAttr(&w.b, attrs[i+1])
		w.b.WriteString(`"`)
	}
}

func (w *xmlWriter) open(name string, attrs ...string) {
	w.start(name, attrs)
	w.b.WriteString(">\n")
	w.depth++
}

func (w *xmlWriter) empty(name string, attrs ...string) {
	w.start(name, attrs)
	w.b.WriteString("/>\n")
}

func (w *xmlWriter) close(name string) {
	w.depth--
	w.b.WriteString(strings.Repeat("  ", w.depth) + "</" + name + ">\n")
}

// taxes writes a Traslados or Retenciones group; nothing when list is
// empty.
func (w *xmlWriter) taxes(group, elem string, list []Impuesto) {
	if len(list) == 0 {
		return
	}
	w.open(group)
	for _, t := range list {
		w.empty(elem, "Base", t.Base, "Impuesto", t.Impuesto, "TipoFactor", t.TipoFactor,
			"TasaOCuota", t.TasaOCuota, "Importe", t.Importe)
	}
	w.close(group)
}

// escapeAttr writes s escaped for a double-quoted attribute; tabs and line
// breaks become character references so a parser keeps them.
func escapeAttr(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\t':
			b.WriteString("&#9;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteRune(r)
		}
	}
}
