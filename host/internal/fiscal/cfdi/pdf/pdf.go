// Package pdf renders the printable representation of a stamped CFDI 4.0
// (representación impresa): issuer and recipient, lines, taxes, totals, the
// Timbre's fields and seals, and SAT's verification QR code, whose URL
// (VerificationURL) lets anyone check the invoice at the SAT.
//
// It renders only what the stamped XML says (parsed by invoices.Parse); it
// must not read a database or fetch anything.
package pdf

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/shopspring/decimal"
	"rsc.io/qr"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// verifyURL is SAT's CFDI verification page the QR code points to.
const verifyURL = "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx"

// VerificationURL is the URL of SAT's verification QR code: the UUID, the
// issuer's and recipient's RFCs, the Total as written and the last eight
// characters of the issuer's Sello.
func VerificationURL(c *invoices.CFDI) string {
	sello := c.Timbre.SelloCFD
	if len(sello) > 8 {
		sello = sello[len(sello)-8:]
	}
	// SAT's format writes the values as they are (the seal's base64
	// included); only an RFC's & needs escaping.
	q := "id=" + strings.ToUpper(c.Timbre.UUID) +
		"&re=" + url.QueryEscape(c.Emisor.Rfc) + "&rr=" + url.QueryEscape(c.Receptor.Rfc) +
		"&tt=" + amount(c.Total) + "&fe=" + sello
	return verifyURL + "?" + q
}

// amount writes an amount with the decimals it was written with, at least
// two.
func amount(d decimal.Decimal) string {
	places := -d.Exponent()
	if places < 2 {
		places = 2
	}
	return d.StringFixed(places)
}

// tipoNames names the TipoDeComprobante on the page.
var tipoNames = map[string]string{
	invoices.TipoIngreso: "I - Ingreso", invoices.TipoEgreso: "E - Egreso",
	invoices.TipoPago: "P - Pago", invoices.TipoTraslado: "T - Traslado", invoices.TipoNomina: "N - Nómina",
}

// Render writes the printable representation of the stamped CFDI in xml,
// which must pass invoices.Parse. created stamps the PDF's metadata (a
// fixed time gives identical bytes for identical input).
func Render(stamped []byte, created time.Time) ([]byte, error) {
	c, err := invoices.Parse(stamped)
	if err != nil {
		return nil, fmt.Errorf("render CFDI: %w", err)
	}
	tfd, err := readTimbre(stamped)
	if err != nil {
		return nil, fmt.Errorf("render CFDI: %w", err)
	}
	code, err := qr.Encode(VerificationURL(c), qr.M)
	if err != nil {
		return nil, fmt.Errorf("render CFDI: QR code: %w", err)
	}
	p := &page{f: fpdf.New("P", "mm", "Letter", "")}
	p.tr = p.f.UnicodeTranslatorFromDescriptor("")
	p.f.SetCreationDate(created)
	p.f.SetModificationDate(created)
	p.f.SetTitle("CFDI "+c.Timbre.UUID, true)
	p.f.SetCreator("Nexus", true)
	p.f.SetMargins(12, 12, 12)
	p.f.SetAutoPageBreak(true, 14)
	p.f.AliasNbPages("")
	p.f.SetFooterFunc(func() {
		p.f.SetY(-11)
		p.font("", 7)
		p.f.CellFormat(0, 4, p.tr(fmt.Sprintf("Este documento es una representación impresa de un CFDI 4.0 · UUID %s · página %d de {nb}",
			tfd.UUID, p.f.PageNo())), "", 0, "C", false, 0, "")
	})
	p.f.AddPage()
	p.header(c, tfd)
	p.parties(c)
	p.lines(c)
	p.totals(c)
	p.timbre(c, tfd, code)
	var out bytes.Buffer
	if err := p.f.Output(&out); err != nil {
		return nil, fmt.Errorf("render CFDI: %w", err)
	}
	return out.Bytes(), nil
}

// page is a PDF being written.
type page struct {
	f  *fpdf.Fpdf
	tr func(string) string
}

func (p *page) font(style string, size float64) { p.f.SetFont("Helvetica", style, size) }

// field writes "label: value" in a cell of width w.
func (p *page) field(w float64, label, value string) {
	p.font("B", 8)
	lw := p.f.GetStringWidth(p.tr(label)) + 1.5
	p.f.CellFormat(lw, 4.5, p.tr(label), "", 0, "L", false, 0, "")
	p.font("", 8)
	p.f.CellFormat(w-lw, 4.5, p.tr(value), "", 0, "L", false, 0, "")
}

func (p *page) header(c *invoices.CFDI, t timbre) {
	p.font("B", 13)
	p.f.MultiCell(120, 6, p.tr(c.Emisor.Nombre), "", "L", false)
	p.font("", 8)
	p.f.CellFormat(120, 4.5, p.tr("RFC "+c.Emisor.Rfc+" · Régimen fiscal "+c.Emisor.RegimenFiscal), "", 1, "L", false, 0, "")
	p.f.CellFormat(120, 4.5, p.tr("Lugar de expedición (C.P.) "+c.LugarExpedicion), "", 1, "L", false, 0, "")

	p.f.SetXY(140, 12)
	p.font("B", 11)
	title := "Factura"
	if c.TipoDeComprobante == invoices.TipoEgreso {
		title = "Nota de crédito"
	}
	serieFolio := strings.TrimSpace(c.Serie + " " + c.Folio)
	p.f.CellFormat(64, 6, p.tr(strings.TrimSpace(title+" "+serieFolio)), "", 2, "R", false, 0, "")
	for _, kv := range [][2]string{
		{"Tipo", tipoNames[c.TipoDeComprobante]}, {"Fecha", c.Fecha},
		{"Folio fiscal (UUID)", t.UUID}, {"Exportación", c.Exportacion},
	} {
		p.font("", 7.5)
		p.f.CellFormat(64, 4, p.tr(kv[0]+": "+kv[1]), "", 2, "R", false, 0, "")
	}
	p.f.SetY(36)
	p.f.Line(12, 35, 204, 35)
}

func (p *page) parties(c *invoices.CFDI) {
	p.font("B", 9)
	p.f.CellFormat(0, 5, "Receptor", "", 1, "L", false, 0, "")
	p.field(96, "Nombre:", c.Receptor.Nombre)
	p.field(96, "RFC:", c.Receptor.Rfc)
	p.f.Ln(4.5)
	p.field(96, "Domicilio fiscal (C.P.):", c.Receptor.DomicilioFiscalReceptor)
	p.field(96, "Régimen fiscal:", c.Receptor.RegimenFiscalReceptor)
	p.f.Ln(4.5)
	p.field(96, "Uso del CFDI:", c.Receptor.UsoCFDI)
	p.field(96, "Moneda:", moneda(c))
	p.f.Ln(4.5)
	p.field(96, "Forma de pago:", c.FormaPago)
	p.field(96, "Método de pago:", c.MetodoPago)
	p.f.Ln(4.5)
	for _, r := range c.Relacionados {
		p.field(192, "CFDI relacionados (tipo "+r.TipoRelacion+"):", strings.Join(r.UUIDs, ", "))
		p.f.Ln(4.5)
	}
	p.f.Ln(2)
}

func moneda(c *invoices.CFDI) string {
	if c.TipoCambio.Valid {
		return c.Moneda + " (tipo de cambio " + c.TipoCambio.Decimal.String() + ")"
	}
	return c.Moneda
}

// columns of the lines table: width and title.
var columns = []struct {
	w     float64
	title string
	align string
}{
	{16, "Cantidad", "R"}, {14, "Unidad", "C"}, {18, "Clave", "C"}, {72, "Descripción", "L"},
	{24, "Valor unitario", "R"}, {22, "Descuento", "R"}, {26, "Importe", "R"},
}

func (p *page) lines(c *invoices.CFDI) {
	p.font("B", 7.5)
	p.f.SetFillColor(230, 230, 230)
	for _, col := range columns {
		p.f.CellFormat(col.w, 5, p.tr(col.title), "1", 0, "C", true, 0, "")
	}
	p.f.Ln(-1)
	p.font("", 7.5)
	for _, k := range c.Conceptos {
		desc := k.Descripcion
		if k.NoIdentificacion != "" {
			desc = k.NoIdentificacion + " · " + desc
		}
		for _, t := range k.Traslados {
			desc += "\n" + taxLine("Traslado", t)
		}
		for _, t := range k.Retenciones {
			desc += "\n" + taxLine("Retención", t)
		}
		descLines := p.f.SplitLines([]byte(p.tr(desc)), columns[3].w-2)
		h := 4 * float64(len(descLines))
		if p.f.GetY()+h > 260 {
			p.f.AddPage()
		}
		x, y := p.f.GetXY()
		cells := []string{k.Cantidad.String(), k.ClaveUnidad, k.ClaveProdServ, "", amount(k.ValorUnitario), optional(k.Descuento), amount(k.Importe)}
		for i, col := range columns {
			if i == 3 {
				p.f.MultiCell(col.w, 4, p.tr(desc), "1", "L", false)
				p.f.SetXY(x+sum(columns[:4]), y)
				continue
			}
			p.f.CellFormat(col.w, h, p.tr(cells[i]), "1", 0, col.align, false, 0, "")
		}
		p.f.SetXY(x, y+h)
	}
	p.f.Ln(2)
}

func sum(cols []struct {
	w     float64
	title string
	align string
}) float64 {
	var s float64
	for _, c := range cols {
		s += c.w
	}
	return s
}

func optional(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return amount(d)
}

// taxLine describes a tax of a line.
func taxLine(kind string, t invoices.Impuesto) string {
	name := map[string]string{"001": "ISR", "002": "IVA", "003": "IEPS"}[t.Impuesto]
	s := kind + " " + name + " " + t.TipoFactor
	if t.TasaOCuota.Valid {
		s += " " + rateText(t)
	}
	if t.Base.Valid {
		s += " base " + amount(t.Base.Decimal)
	}
	if t.Importe.Valid {
		s += " = " + amount(t.Importe.Decimal)
	}
	return s
}

func (p *page) totals(c *invoices.CFDI) {
	rows := [][2]string{{"Subtotal", amount(c.SubTotal)}}
	if !c.Descuento.IsZero() {
		rows = append(rows, [2]string{"Descuento", amount(c.Descuento)})
	}
	if c.Impuestos != nil {
		for _, t := range c.Impuestos.Traslados {
			if t.Importe.Valid {
				rows = append(rows, [2]string{taxTitle("Traslado", t), amount(t.Importe.Decimal)})
			}
		}
		for _, t := range c.Impuestos.Retenciones {
			rows = append(rows, [2]string{taxTitle("Retención", t), amount(t.Importe.Decimal)})
		}
	}
	rows = append(rows, [2]string{"Total " + c.Moneda, amount(c.Total)})
	for i, r := range rows {
		style := ""
		if i == len(rows)-1 {
			style = "B"
		}
		p.f.SetX(132)
		p.font(style, 8.5)
		p.f.CellFormat(46, 5, p.tr(r[0]), "", 0, "R", false, 0, "")
		p.f.CellFormat(26, 5, r[1], "", 1, "R", false, 0, "")
	}
	p.f.Ln(3)
}

func taxTitle(kind string, t invoices.Impuesto) string {
	name := map[string]string{"001": "ISR", "002": "IVA", "003": "IEPS"}[t.Impuesto]
	if t.TasaOCuota.Valid {
		return kind + " " + name + " " + rateText(t)
	}
	return kind + " " + name
}

// rateText is a tax's TasaOCuota as read: a Tasa in percent, a Cuota as
// an amount per unit (its Base counts the units).
func rateText(t invoices.Impuesto) string {
	if t.TipoFactor == "Cuota" {
		return "$" + t.TasaOCuota.Decimal.String() + " por unidad"
	}
	return t.TasaOCuota.Decimal.Mul(decimal.NewFromInt(100)).String() + " %"
}

// timbre writes the QR code and the Timbre's fields and seals.
func (p *page) timbre(c *invoices.CFDI, t timbre, code *qr.Code) {
	const side = 38.0
	if p.f.GetY()+side+40 > 260 {
		p.f.AddPage()
	}
	x, y := p.f.GetXY()
	p.qr(code, x, y, side)
	p.f.SetXY(x+side+4, y)
	left := x + side + 4
	for _, kv := range [][2]string{
		{"Folio fiscal (UUID):", t.UUID},
		{"Fecha y hora de certificación:", t.FechaTimbrado},
		{"RFC del proveedor de certificación:", t.RfcProvCertif},
		{"No. de certificado del SAT:", t.NoCertificadoSAT},
	} {
		p.f.SetX(left)
		p.field(150, kv[0], kv[1])
		p.f.Ln(4.5)
	}
	p.f.SetX(left)
	p.font("", 6)
	p.f.MultiCell(150, 3, VerificationURL(c), "", "L", false)
	p.f.SetY(y + side + 3)
	for _, kv := range [][2]string{
		{"Sello digital del CFDI", t.SelloCFD},
		{"Sello digital del SAT", t.SelloSAT},
		{"Cadena original del complemento de certificación digital del SAT", t.cadena()},
	} {
		p.font("B", 7)
		p.f.CellFormat(0, 4, p.tr(kv[0]), "", 1, "L", false, 0, "")
		p.font("", 6)
		p.f.MultiCell(0, 2.8, kv[1], "", "L", false)
		p.f.Ln(1)
	}
}

// qr draws code as filled squares at (x, y), side mm wide, quiet zone
// included.
func (p *page) qr(code *qr.Code, x, y, side float64) {
	const quiet = 4
	module := side / float64(code.Size+2*quiet)
	p.f.SetFillColor(0, 0, 0)
	for row := 0; row < code.Size; row++ {
		for col := 0; col < code.Size; col++ {
			if code.Black(col, row) {
				p.f.Rect(x+float64(col+quiet)*module, y+float64(row+quiet)*module, module, module, "F")
			}
		}
	}
}

// timbre is the TimbreFiscalDigital as written in the XML (invoices.Parse
// normalizes the UUID's case; the cadena needs it as signed).
type timbre struct {
	Version          string `xml:"Version,attr"`
	UUID             string `xml:"UUID,attr"`
	FechaTimbrado    string `xml:"FechaTimbrado,attr"`
	RfcProvCertif    string `xml:"RfcProvCertif,attr"`
	Leyenda          string `xml:"Leyenda,attr"`
	SelloCFD         string `xml:"SelloCFD,attr"`
	NoCertificadoSAT string `xml:"NoCertificadoSAT,attr"`
	SelloSAT         string `xml:"SelloSAT,attr"`
}

// readTimbre reads the Timbre of a document invoices.Parse accepted.
func readTimbre(stamped []byte) (timbre, error) {
	var doc struct {
		Complemento struct {
			Timbre timbre `xml:"http://www.sat.gob.mx/TimbreFiscalDigital TimbreFiscalDigital"`
		} `xml:"http://www.sat.gob.mx/cfd/4 Complemento"`
	}
	if err := xml.Unmarshal(stamped, &doc); err != nil {
		return timbre{}, fmt.Errorf("read the Timbre: %w", err)
	}
	return doc.Complemento.Timbre, nil
}

// cadena is the Timbre's cadena original as SAT's
// cadenaoriginal_TFD_1_1.xslt writes it.
func (t timbre) cadena() string {
	fields := []string{t.Version, t.UUID, t.FechaTimbrado, t.RfcProvCertif}
	if t.Leyenda != "" {
		fields = append(fields, t.Leyenda)
	}
	fields = append(fields, t.SelloCFD, t.NoCertificadoSAT)
	return "||" + strings.Join(fields, "|") + "||"
}
