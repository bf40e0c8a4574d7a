package cfdi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// maxDepth bounds element nesting when reading a CFDI for its cadena.
const maxDepth = 64

// complementTemplates are the namespaces of the complements whose templates
// SAT's cadenaoriginal_4_0.xslt includes and this package does not
// implement (Pagos 2.0 is, in pagos_cadena.go). Their fields enter the
// cadena; CadenaOriginal refuses them (ErrUnsupported) rather than compute
// a wrong one. Any other element in Complemento or ComplementoConcepto (the
// TimbreFiscalDigital among them) falls to XSLT's built-in template, which
// writes its text content only.
var complementTemplates = map[string]bool{
	"http://www.sat.gob.mx/ComercioExterior11": true, "http://www.sat.gob.mx/ComercioExterior20": true,
	"http://www.sat.gob.mx/donat": true, "http://www.sat.gob.mx/divisas": true,
	"http://www.sat.gob.mx/implocal": true, "http://www.sat.gob.mx/leyendasFiscales": true,
	"http://www.sat.gob.mx/pfic": true, "http://www.sat.gob.mx/TuristaPasajeroExtranjero": true,
	"http://www.sat.gob.mx/nomina12": true, "http://www.sat.gob.mx/registrofiscal": true,
	"http://www.sat.gob.mx/pagoenespecie": true, "http://www.sat.gob.mx/aerolineas": true,
	"http://www.sat.gob.mx/valesdedespensa": true, "http://www.sat.gob.mx/notariospublicos": true,
	"http://www.sat.gob.mx/vehiculousado": true, "http://www.sat.gob.mx/servicioparcialconstruccion": true,
	"http://www.sat.gob.mx/renovacionysustitucionvehiculos": true, "http://www.sat.gob.mx/certificadodestruccion": true,
	"http://www.sat.gob.mx/arteantiguedades": true, "http://www.sat.gob.mx/ine": true,
	"http://www.sat.gob.mx/iedu": true, "http://www.sat.gob.mx/ventavehiculos": true,
	"http://www.sat.gob.mx/detallista": true, "http://www.sat.gob.mx/EstadoDeCuentaCombustible12": true,
	"http://www.sat.gob.mx/ConsumoDeCombustibles11": true, "http://www.sat.gob.mx/GastosHidrocarburos10": true,
	"http://www.sat.gob.mx/IngresosHidrocarburos10": true, "http://www.sat.gob.mx/CartaPorte20": true,
	"http://www.sat.gob.mx/CartaPorte30": true,
	"http://www.sat.gob.mx/CartaPorte31": true, "http://www.sat.gob.mx/hidrocarburospetroliferos": true,
}

// CadenaOriginal computes the cadena original of a CFDI 4.0 document as
// SAT's cadenaoriginal_4_0.xslt does: "|" then, in the stylesheet's order,
// "|" and the whitespace-normalized value of every required attribute and
// of every optional one present, then "||". The document must be UTF-8
// without DOCTYPE; a complement with its own SAT template is refused with
// ErrUnsupported.
func CadenaOriginal(doc []byte) (string, error) {
	root, err := readTree(doc)
	if err != nil {
		return "", err
	}
	if root.space != invoices.NamespaceCFDI4 || root.local != "Comprobante" {
		return "", fmt.Errorf("%w: the root is {%s}%s, not a CFDI 4.0 cfdi:Comprobante", ErrInvalidDocument, root.space, root.local)
	}
	c := &cadena{}
	c.b.WriteString("|")
	c.comprobante(root)
	if c.err != nil {
		return "", c.err
	}
	c.b.WriteString("||")
	return c.b.String(), nil
}

// element is a read XML element: its unqualified attributes and its
// children, elements and text, in document order.
type element struct {
	space, local string
	attrs        map[string]string
	kids         []any
}

// children are the element's child elements named {NamespaceCFDI4}local.
func (e *element) children(local string) []*element {
	var out []*element
	for _, k := range e.kids {
		if c, ok := k.(*element); ok && c.space == invoices.NamespaceCFDI4 && c.local == local {
			out = append(out, c)
		}
	}
	return out
}

// path follows a chain of cfdi child names, like the XPath
// ./cfdi:A/cfdi:B.
func (e *element) path(locals ...string) []*element {
	cur := []*element{e}
	for _, l := range locals {
		var next []*element
		for _, c := range cur {
			next = append(next, c.children(l)...)
		}
		cur = next
	}
	return cur
}

// descendants are the cfdi elements named local anywhere below e, in
// document order (the XPath .//cfdi:local).
func (e *element) descendants(local string) []*element {
	var out []*element
	for _, k := range e.kids {
		if c, ok := k.(*element); ok {
			if c.space == invoices.NamespaceCFDI4 && c.local == local {
				out = append(out, c)
			}
			out = append(out, c.descendants(local)...)
		}
	}
	return out
}

// text is the concatenated text of e's subtree, what XSLT's built-in
// template writes for an element no template matches.
func (e *element) text(b *strings.Builder) {
	for _, k := range e.kids {
		switch k := k.(type) {
		case string:
			b.WriteString(k)
		case *element:
			k.text(b)
		}
	}
}

// readTree parses doc into elements.
func readTree(doc []byte) (*element, error) {
	dec := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(doc, []byte("\xEF\xBB\xBF"))))
	dec.Strict = true
	dec.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q is not supported, only UTF-8", label)
	}
	var stack []*element
	var root *element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxDepth {
				return nil, fmt.Errorf("%w: elements nested deeper than %d", ErrInvalidDocument, maxDepth)
			}
			e := &element{space: t.Name.Space, local: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "" {
					e.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, e)
			} else if root != nil {
				return nil, fmt.Errorf("%w: more than one root element", ErrInvalidDocument)
			} else {
				root = e
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, string(t))
			}
		case xml.Directive:
			return nil, fmt.Errorf("%w: DOCTYPE and other declarations are refused", ErrInvalidDocument)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", ErrInvalidDocument)
	}
	return root, nil
}

// cadena writes the cadena original.
type cadena struct {
	b   strings.Builder
	err error
}

// req is the stylesheet's Requerido: "|" and the normalized value, even
// when the attribute is absent.
func (c *cadena) req(e *element, names ...string) {
	for _, n := range names {
		c.b.WriteString("|")
		c.b.WriteString(normalizeSpace(e.attrs[n]))
	}
}

// opt is the stylesheet's Opcional: "|" and the normalized value when the
// attribute is present, even empty.
func (c *cadena) opt(e *element, names ...string) {
	for _, n := range names {
		if v, ok := e.attrs[n]; ok {
			c.b.WriteString("|")
			c.b.WriteString(normalizeSpace(v))
		}
	}
}

func (c *cadena) comprobante(e *element) {
	c.req(e, "Version")
	c.opt(e, "Serie", "Folio")
	c.req(e, "Fecha")
	c.opt(e, "FormaPago")
	c.req(e, "NoCertificado")
	c.opt(e, "CondicionesDePago")
	c.req(e, "SubTotal")
	c.opt(e, "Descuento")
	c.req(e, "Moneda")
	c.opt(e, "TipoCambio")
	c.req(e, "Total", "TipoDeComprobante", "Exportacion")
	c.opt(e, "MetodoPago")
	c.req(e, "LugarExpedicion")
	c.opt(e, "Confirmacion")
	for _, g := range e.children("InformacionGlobal") {
		c.req(g, "Periodicidad", "Meses", "Año")
	}
	for _, r := range e.children("CfdiRelacionados") {
		c.req(r, "TipoRelacion")
		for _, u := range r.children("CfdiRelacionado") {
			c.req(u, "UUID")
		}
	}
	for _, em := range e.children("Emisor") {
		c.req(em, "Rfc", "Nombre", "RegimenFiscal")
		c.opt(em, "FacAtrAdquirente")
	}
	for _, r := range e.children("Receptor") {
		c.req(r, "Rfc", "Nombre", "DomicilioFiscalReceptor")
		c.opt(r, "ResidenciaFiscal", "NumRegIdTrib")
		c.req(r, "RegimenFiscalReceptor", "UsoCFDI")
	}
	for _, k := range e.path("Conceptos", "Concepto") {
		c.concepto(k)
	}
	for _, im := range e.children("Impuestos") {
		c.impuestos(im)
	}
	for _, comp := range e.children("Complemento") {
		c.complements(comp)
	}
}

func (c *cadena) concepto(k *element) {
	c.req(k, "ClaveProdServ")
	c.opt(k, "NoIdentificacion")
	c.req(k, "Cantidad", "ClaveUnidad")
	c.opt(k, "Unidad")
	c.req(k, "Descripcion", "ValorUnitario", "Importe")
	c.opt(k, "Descuento")
	c.req(k, "ObjetoImp")
	for _, t := range k.path("Impuestos", "Traslados", "Traslado") {
		c.req(t, "Base", "Impuesto", "TipoFactor")
		c.opt(t, "TasaOCuota", "Importe")
	}
	for _, t := range k.path("Impuestos", "Retenciones", "Retencion") {
		c.req(t, "Base", "Impuesto", "TipoFactor", "TasaOCuota", "Importe")
	}
	for _, a := range k.children("ACuentaTerceros") {
		c.req(a, "RfcACuentaTerceros", "NombreACuentaTerceros", "RegimenFiscalACuentaTerceros", "DomicilioFiscalACuentaTerceros")
	}
	for _, a := range k.children("InformacionAduanera") {
		c.req(a, "NumeroPedimento")
	}
	for _, p := range k.children("CuentaPredial") {
		c.req(p, "Numero")
	}
	for _, comp := range k.children("ComplementoConcepto") {
		c.complements(comp)
	}
	for _, p := range k.descendants("Parte") {
		c.req(p, "ClaveProdServ")
		c.opt(p, "NoIdentificacion")
		c.req(p, "Cantidad")
		c.opt(p, "Unidad")
		c.req(p, "Descripcion")
		c.opt(p, "ValorUnitario", "Importe")
		for _, a := range p.descendants("InformacionAduanera") {
			c.req(a, "NumeroPedimento")
		}
	}
}

func (c *cadena) impuestos(im *element) {
	for _, r := range im.path("Retenciones", "Retencion") {
		c.req(r, "Impuesto", "Importe")
	}
	c.opt(im, "TotalImpuestosRetenidos")
	for _, t := range im.path("Traslados", "Traslado") {
		c.req(t, "Base", "Impuesto", "TipoFactor")
		c.opt(t, "TasaOCuota", "Importe")
	}
	c.opt(im, "TotalImpuestosTrasladados")
}

// complements handles the children of Complemento or ComplementoConcepto.
func (c *cadena) complements(comp *element) {
	for _, k := range comp.kids {
		e, ok := k.(*element)
		if !ok {
			continue
		}
		if e.space == invoices.NamespacePagos20 && e.local == "Pagos" {
			c.pagos20(e)
			continue
		}
		if complementTemplates[e.space] {
			c.err = fmt.Errorf("%w: the cadena original of complement {%s}%s is not implemented", ErrUnsupported, e.space, e.local)
			return
		}
		e.text(&c.b)
	}
}

// normalizeSpace is XPath's normalize-space: leading and trailing
// whitespace (space, tab, CR, LF only) removed, inner runs collapsed to
// one space.
func normalizeSpace(s string) string {
	isSpace := func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}
