package invoices

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Parser limits. Together with the per-file size limit they bound the work
// and memory one document can cost.
const (
	// MaxDepth is the deepest element nesting accepted; a CFDI with its
	// complements and addenda needs far less.
	MaxDepth = 64
	// MaxAttributes is the most attributes (namespace declarations
	// included) one element may carry.
	MaxAttributes = 128
)

// Error codes of a rejected document (FieldError.Code), returned to API
// clients as the envelope's code with a 422.
const (
	CodeInvalidXML         = "invalid_xml"
	CodeForbiddenXML       = "xml_forbidden_construct"
	CodeTooDeep            = "xml_too_deep"
	CodeTooManyAttributes  = "xml_too_many_attributes"
	CodeNotCFDI            = "not_cfdi"
	CodeUnsupportedVersion = "unsupported_cfdi_version"
	CodeMissingField       = "missing_field"
	CodeInvalidField       = "invalid_field"
	CodeMissingTimbre      = "missing_timbre"
	CodeTotalMismatch      = "total_mismatch"
	CodeInvalidRFC         = "invalid_rfc"
)

// FieldError is a document Parse rejects. Field names the place, as a
// dotted path from the root ("Comprobante.Emisor.Rfc",
// "Comprobante.Conceptos.Concepto[2].Importe"), or "xml" for a document
// that is not well-formed.
type FieldError struct {
	Code    string
	Field   string
	Message string
	// Details adds facts such as the expected and actual total or the
	// line of an XML syntax error.
	Details map[string]any
}

// Error implements error.
func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
}

func fieldError(code, field, format string, args ...any) *FieldError {
	return &FieldError{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Parse reads one CFDI 4.0 document and validates it: the version must be
// 4.0, the TimbreFiscalDigital present, Total equal to SubTotal − Descuento
// + traslados − retenciones (+ local taxes) to the cent (0 for tipo P), and
// the RFCs well-formed. Any rejection is a *FieldError. Doubts that do not
// reject the document (an RFC check digit that does not match, SubTotal
// differing from the sum of the Conceptos) are listed in CFDI.Warnings.
//
// The document must be UTF-8. DOCTYPE and ENTITY declarations are refused
// outright, only the five predefined entities and character references are
// understood, nesting deeper than MaxDepth and elements with more than
// MaxAttributes attributes are refused, and nothing outside data is read.
func Parse(data []byte) (*CFDI, error) {
	p := &parser{c: &CFDI{}}
	if err := p.run(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))); err != nil {
		return nil, err
	}
	if err := p.c.validate(); err != nil {
		return nil, err
	}
	return p.c, nil
}

// elemKind is what an element is to the parser.
type elemKind int

const (
	kindOther elemKind = iota
	kindComprobante
	kindRelacionados
	kindRelacionado
	kindEmisor
	kindReceptor
	kindConceptos
	kindConcepto
	kindConceptoImpuestos
	kindConceptoTraslados
	kindConceptoTraslado
	kindConceptoRetenciones
	kindConceptoRetencion
	kindImpuestos
	kindTraslados
	kindTraslado
	kindRetenciones
	kindRetencion
	kindComplemento
	kindTimbre
	kindPagos
	kindPago
	kindDocto
	kindImpLocal
)

// edge is an element as seen from its parent.
type edge struct {
	parent elemKind
	space  string
	local  string
}

// children maps each element the parser reads to its kind; anything else
// (addenda, other complements, parts of Conceptos that carry no figures
// here) is skipped with its subtree.
var children = map[edge]elemKind{
	{kindComprobante, NamespaceCFDI4, "CfdiRelacionados"}:     kindRelacionados,
	{kindRelacionados, NamespaceCFDI4, "CfdiRelacionado"}:     kindRelacionado,
	{kindComprobante, NamespaceCFDI4, "Emisor"}:               kindEmisor,
	{kindComprobante, NamespaceCFDI4, "Receptor"}:             kindReceptor,
	{kindComprobante, NamespaceCFDI4, "Conceptos"}:            kindConceptos,
	{kindConceptos, NamespaceCFDI4, "Concepto"}:               kindConcepto,
	{kindConcepto, NamespaceCFDI4, "Impuestos"}:               kindConceptoImpuestos,
	{kindConceptoImpuestos, NamespaceCFDI4, "Traslados"}:      kindConceptoTraslados,
	{kindConceptoTraslados, NamespaceCFDI4, "Traslado"}:       kindConceptoTraslado,
	{kindConceptoImpuestos, NamespaceCFDI4, "Retenciones"}:    kindConceptoRetenciones,
	{kindConceptoRetenciones, NamespaceCFDI4, "Retencion"}:    kindConceptoRetencion,
	{kindComprobante, NamespaceCFDI4, "Impuestos"}:            kindImpuestos,
	{kindImpuestos, NamespaceCFDI4, "Traslados"}:              kindTraslados,
	{kindTraslados, NamespaceCFDI4, "Traslado"}:               kindTraslado,
	{kindImpuestos, NamespaceCFDI4, "Retenciones"}:            kindRetenciones,
	{kindRetenciones, NamespaceCFDI4, "Retencion"}:            kindRetencion,
	{kindComprobante, NamespaceCFDI4, "Complemento"}:          kindComplemento,
	{kindComplemento, NamespaceTimbre, "TimbreFiscalDigital"}: kindTimbre,
	{kindComplemento, NamespacePagos20, "Pagos"}:              kindPagos,
	{kindComplemento, NamespacePagos10, "Pagos"}:              kindPagos,
	{kindPagos, NamespacePagos20, "Pago"}:                     kindPago,
	{kindPagos, NamespacePagos10, "Pago"}:                     kindPago,
	{kindPago, NamespacePagos20, "DoctoRelacionado"}:          kindDocto,
	{kindPago, NamespacePagos10, "DoctoRelacionado"}:          kindDocto,
	{kindComplemento, NamespaceImpLocal, "ImpuestosLocales"}:  kindImpLocal,
}

// frame is an open element.
type frame struct {
	kind elemKind
	path string
}

// parser holds the state of one Parse.
type parser struct {
	c     *CFDI
	stack []frame

	rootDone bool
	seen     map[elemKind]bool
	// concepto and pago are the element being read, the last of its
	// slice; a Concepto or Pago never nests another, so the pointers stay
	// valid while they are open.
	concepto *Concepto
	pago     *Pago

	// read is how many bytes of the document the decoder had consumed
	// when run returned; tests bound the work done on hostile input by it.
	read int64
}

// singletons may appear once in a document.
var singletons = map[elemKind]bool{
	kindEmisor: true, kindReceptor: true, kindConceptos: true, kindImpuestos: true,
	kindTimbre: true, kindPagos: true, kindImpLocal: true,
}

// run reads every token of data.
func (p *parser) run(data []byte) error {
	p.seen = map[elemKind]bool{}
	dec := xml.NewDecoder(bytes.NewReader(data))
	defer func() { p.read = dec.InputOffset() }()
	dec.Strict = true
	dec.CharsetReader = func(label string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q is not supported, only UTF-8", label)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			p.end()
		case xml.Directive:
			return directiveError(t)
		case xml.CharData:
			if len(p.stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
				return fieldError(CodeInvalidXML, "xml", "text outside the root element")
			}
		case xml.ProcInst, xml.Comment:
		}
	}
	if !p.rootDone {
		return fieldError(CodeNotCFDI, "Comprobante", "the document has no cfdi:Comprobante root element")
	}
	if !p.seen[kindTimbre] {
		return fieldError(CodeMissingTimbre, "Comprobante.Complemento.TimbreFiscalDigital",
			"the CFDI has no TimbreFiscalDigital: it was never stamped by the SAT")
	}
	return nil
}

// xmlError turns a decoder error into a FieldError.
func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &FieldError{Code: CodeInvalidXML, Field: "xml",
			Message: "the file is not well-formed XML: " + se.Msg, Details: map[string]any{"line": se.Line}}
	}
	return fieldError(CodeInvalidXML, "xml", "the file is not well-formed XML: %v", err)
}

// directiveError refuses any <!...> declaration.
func directiveError(d xml.Directive) error {
	word := strings.ToUpper(strings.TrimSpace(string(d)))
	if i := strings.IndexAny(word, " \t\r\n["); i >= 0 {
		word = word[:i]
	}
	if len(word) > 20 {
		word = word[:20]
	}
	return &FieldError{Code: CodeForbiddenXML, Field: "xml",
		Message: "DOCTYPE, ENTITY and other <!...> declarations are not allowed in a CFDI",
		Details: map[string]any{"declaration": word}}
}

// start handles an opening tag.
func (p *parser) start(t xml.StartElement) error {
	if len(p.stack) >= MaxDepth {
		return fieldError(CodeTooDeep, "xml", "elements are nested deeper than %d levels", MaxDepth)
	}
	if len(t.Attr) > MaxAttributes {
		return &FieldError{Code: CodeTooManyAttributes, Field: "xml",
			Message: fmt.Sprintf("element %s has more than %d attributes", t.Name.Local, MaxAttributes),
			Details: map[string]any{"element": t.Name.Local, "attributes": len(t.Attr)}}
	}
	if len(p.stack) == 0 {
		if p.rootDone {
			return fieldError(CodeInvalidXML, "xml", "the document has more than one root element")
		}
		p.stack = append(p.stack, frame{kind: kindComprobante, path: "Comprobante"})
		return p.comprobante(t)
	}
	parent := p.stack[len(p.stack)-1]
	k := kindOther
	if parent.kind != kindOther {
		k = children[edge{parent.kind, t.Name.Space, t.Name.Local}]
	}
	f := frame{kind: k}
	if k != kindOther {
		f.path = parent.path + "." + t.Name.Local
		if singletons[k] {
			if p.seen[k] {
				return fieldError(CodeInvalidField, f.path, "%s appears more than once", t.Name.Local)
			}
			p.seen[k] = true
		}
	}
	p.stack = append(p.stack, f)
	return p.element(k, t, &p.stack[len(p.stack)-1])
}

// end handles a closing tag.
func (p *parser) end() {
	top := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	switch top.kind {
	case kindComprobante:
		p.rootDone = true
	case kindConcepto:
		p.concepto = nil
	case kindPago:
		p.pago = nil
	}
}

// comprobante reads the root element.
func (p *parser) comprobante(t xml.StartElement) error {
	a := attrs{list: t.Attr, path: "Comprobante"}
	version := a.str("Version")
	switch {
	case t.Name.Local != "Comprobante" || (t.Name.Space != NamespaceCFDI4 && t.Name.Space != NamespaceCFDI3):
		return fieldError(CodeNotCFDI, "Comprobante",
			"the root element is %s, not a cfdi:Comprobante in namespace %s", t.Name.Local, NamespaceCFDI4)
	case version != supportedVersion || t.Name.Space != NamespaceCFDI4:
		if version == "" {
			version = "(none)"
		}
		return &FieldError{Code: CodeUnsupportedVersion, Field: "Comprobante.Version",
			Message: fmt.Sprintf("only CFDI 4.0 is accepted, this is version %s", version),
			Details: map[string]any{"version": version, "namespace": t.Name.Space}}
	}
	c := p.c
	c.Version = version
	c.Serie, c.Folio = a.str("Serie"), a.str("Folio")
	c.FormaPago, c.MetodoPago = a.str("FormaPago"), a.str("MetodoPago")
	c.LugarExpedicion, c.Exportacion = a.str("LugarExpedicion"), a.str("Exportacion")
	var err error
	if c.Fecha, err = a.dateTime("Fecha", true); err != nil {
		return err
	}
	if c.TipoDeComprobante, err = a.required("TipoDeComprobante"); err != nil {
		return err
	}
	switch c.TipoDeComprobante {
	case TipoIngreso, TipoEgreso, TipoPago, TipoTraslado, TipoNomina:
	default:
		return fieldError(CodeInvalidField, a.field("TipoDeComprobante"),
			"must be I, E, P, T or N, got %q", c.TipoDeComprobante)
	}
	if c.Moneda, err = a.required("Moneda"); err != nil {
		return err
	}
	if !isCurrencyCode(c.Moneda) {
		return fieldError(CodeInvalidField, a.field("Moneda"), "must be a three-letter currency code, got %q", c.Moneda)
	}
	if c.SubTotal, err = a.money("SubTotal", true); err != nil {
		return err
	}
	if c.Descuento, err = a.money("Descuento", false); err != nil {
		return err
	}
	if c.Total, err = a.money("Total", true); err != nil {
		return err
	}
	c.TipoCambio, err = a.decimal("TipoCambio", false, 6)
	return err
}

// element reads a known element below the root.
func (p *parser) element(k elemKind, t xml.StartElement, f *frame) error {
	c := p.c
	a := attrs{list: t.Attr, path: f.path}
	var err error
	switch k {
	case kindRelacionados:
		c.Relacionados = append(c.Relacionados, Relacionados{TipoRelacion: a.str("TipoRelacion")})
		f.path = fmt.Sprintf("%s[%d]", f.path, len(c.Relacionados))
		a.path = f.path
		if c.Relacionados[len(c.Relacionados)-1].TipoRelacion == "" {
			return fieldError(CodeMissingField, a.field("TipoRelacion"), "is required")
		}
	case kindRelacionado:
		r := &c.Relacionados[len(c.Relacionados)-1]
		id, err := a.uuid("UUID")
		if err != nil {
			return err
		}
		r.UUIDs = append(r.UUIDs, id)
	case kindEmisor:
		c.Emisor = Emisor{Nombre: a.str("Nombre"), RegimenFiscal: a.str("RegimenFiscal")}
		c.Emisor.Rfc, err = a.required("Rfc")
	case kindReceptor:
		c.Receptor = Receptor{Nombre: a.str("Nombre"), DomicilioFiscalReceptor: a.str("DomicilioFiscalReceptor"),
			RegimenFiscalReceptor: a.str("RegimenFiscalReceptor"), UsoCFDI: a.str("UsoCFDI")}
		c.Receptor.Rfc, err = a.required("Rfc")
	case kindConcepto:
		c.Conceptos = append(c.Conceptos, Concepto{})
		f.path = fmt.Sprintf("%s[%d]", f.path, len(c.Conceptos))
		a.path = f.path
		p.concepto = &c.Conceptos[len(c.Conceptos)-1]
		err = a.concepto(p.concepto)
	case kindConceptoTraslado, kindConceptoRetencion:
		list := &p.concepto.Traslados
		if k == kindConceptoRetencion {
			list = &p.concepto.Retenciones
		}
		f.path = fmt.Sprintf("%s[%d]", f.path, len(*list)+1)
		a.path = f.path
		var imp Impuesto
		imp, err = a.impuesto()
		*list = append(*list, imp)
	case kindImpuestos:
		c.Impuestos = &Impuestos{}
		if c.Impuestos.TotalImpuestosTrasladados, err = a.decimal("TotalImpuestosTrasladados", false, 6); err != nil {
			return err
		}
		c.Impuestos.TotalImpuestosRetenidos, err = a.decimal("TotalImpuestosRetenidos", false, 6)
	case kindTraslado, kindRetencion:
		list := &c.Impuestos.Traslados
		if k == kindRetencion {
			list = &c.Impuestos.Retenciones
		}
		f.path = fmt.Sprintf("%s[%d]", f.path, len(*list)+1)
		a.path = f.path
		var imp Impuesto
		imp, err = a.impuesto()
		*list = append(*list, imp)
	case kindTimbre:
		err = a.timbre(&c.Timbre)
	case kindPagos:
		c.Pagos = &Pagos{Version: a.str("Version")}
	case kindPago:
		c.Pagos.Pagos = append(c.Pagos.Pagos, Pago{})
		p.pago = &c.Pagos.Pagos[len(c.Pagos.Pagos)-1]
		f.path = fmt.Sprintf("%s[%d]", f.path, len(c.Pagos.Pagos))
		a.path = f.path
		err = a.pago(p.pago)
	case kindDocto:
		f.path = fmt.Sprintf("%s[%d]", f.path, len(p.pago.Documentos)+1)
		a.path = f.path
		var d DoctoRelacionado
		d, err = a.docto()
		p.pago.Documentos = append(p.pago.Documentos, d)
	case kindImpLocal:
		c.ImpuestosLocales = &ImpuestosLocales{}
		if c.ImpuestosLocales.TotaldeTraslados, err = a.money("TotaldeTraslados", false); err != nil {
			return err
		}
		c.ImpuestosLocales.TotaldeRetenciones, err = a.money("TotaldeRetenciones", false)
	}
	return err
}

// concepto reads a Concepto's attributes.
func (a attrs) concepto(dst *Concepto) error {
	dst.ClaveProdServ, dst.NoIdentificacion = a.str("ClaveProdServ"), a.str("NoIdentificacion")
	dst.ClaveUnidad, dst.Unidad = a.str("ClaveUnidad"), a.str("Unidad")
	dst.Descripcion, dst.ObjetoImp = a.str("Descripcion"), a.str("ObjetoImp")
	var err error
	if dst.Cantidad, err = a.amount("Cantidad", true, 6); err != nil {
		return err
	}
	if dst.ValorUnitario, err = a.amount("ValorUnitario", true, 6); err != nil {
		return err
	}
	if dst.Importe, err = a.amount("Importe", true, 6); err != nil {
		return err
	}
	dst.Descuento, err = a.amount("Descuento", false, 6)
	return err
}

// impuesto reads a Traslado or Retencion.
func (a attrs) impuesto() (Impuesto, error) {
	imp := Impuesto{TipoFactor: a.str("TipoFactor")}
	var err error
	if imp.Impuesto, err = a.required("Impuesto"); err != nil {
		return imp, err
	}
	if imp.Base, err = a.decimal("Base", false, 6); err != nil {
		return imp, err
	}
	if imp.TasaOCuota, err = a.decimal("TasaOCuota", false, 6); err != nil {
		return imp, err
	}
	imp.Importe, err = a.decimal("Importe", false, 6)
	return imp, err
}

// timbre reads the TimbreFiscalDigital.
func (a attrs) timbre(dst *Timbre) error {
	dst.Version, dst.RfcProvCertif = a.str("Version"), a.str("RfcProvCertif")
	dst.NoCertificadoSAT, dst.SelloCFD, dst.SelloSAT = a.str("NoCertificadoSAT"), a.str("SelloCFD"), a.str("SelloSAT")
	var err error
	if dst.UUID, err = a.uuid("UUID"); err != nil {
		return err
	}
	dst.FechaTimbrado, err = a.dateTime("FechaTimbrado", true)
	return err
}

// pago reads a Pago.
func (a attrs) pago(dst *Pago) error {
	dst.FormaDePagoP, dst.NumOperacion = a.str("FormaDePagoP"), a.str("NumOperacion")
	var err error
	if dst.FechaPago, err = a.dateTime("FechaPago", true); err != nil {
		return err
	}
	if dst.MonedaP, err = a.required("MonedaP"); err != nil {
		return err
	}
	if dst.TipoCambioP, err = a.decimal("TipoCambioP", false, 6); err != nil {
		return err
	}
	dst.Monto, err = a.money("Monto", true)
	return err
}

// docto reads a DoctoRelacionado.
func (a attrs) docto() (DoctoRelacionado, error) {
	d := DoctoRelacionado{Serie: a.str("Serie"), Folio: a.str("Folio"), MonedaDR: a.str("MonedaDR")}
	var err error
	if d.IDDocumento, err = a.uuid("IdDocumento"); err != nil {
		return d, err
	}
	if d.EquivalenciaDR, err = a.decimal("EquivalenciaDR", false, 10); err != nil {
		return d, err
	}
	if s := a.str("NumParcialidad"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 || n > 999 {
			return d, fieldError(CodeInvalidField, a.field("NumParcialidad"), "must be a whole number from 1 to 999, got %q", s)
		}
		d.NumParcialidad = n
	}
	if d.ImpSaldoAnt, err = a.decimal("ImpSaldoAnt", false, 6); err != nil {
		return d, err
	}
	if d.ImpPagado, err = a.money("ImpPagado", true); err != nil {
		return d, err
	}
	d.ImpSaldoInsoluto, err = a.decimal("ImpSaldoInsoluto", false, 6)
	return d, err
}

// attrs reads the unqualified attributes of one element at path.
type attrs struct {
	list []xml.Attr
	path string
}

func (a attrs) field(name string) string { return a.path + "." + name }

// str returns the attribute's value, trimmed, or "".
func (a attrs) str(name string) string {
	for _, at := range a.list {
		if at.Name.Space == "" && at.Name.Local == name {
			return strings.TrimSpace(at.Value)
		}
	}
	return ""
}

func (a attrs) required(name string) (string, error) {
	v := a.str(name)
	if v == "" {
		return "", fieldError(CodeMissingField, a.field(name), "is required")
	}
	return v, nil
}

// decimal reads an optional (or required) non-negative decimal with at most
// places decimals, written as digits with an optional point: no sign, no
// exponent.
func (a attrs) decimal(name string, required bool, places int) (decimal.NullDecimal, error) {
	v := a.str(name)
	if v == "" {
		if required {
			return decimal.NullDecimal{}, fieldError(CodeMissingField, a.field(name), "is required")
		}
		return decimal.NullDecimal{}, nil
	}
	if !isPlainDecimal(v, places) {
		return decimal.NullDecimal{}, fieldError(CodeInvalidField, a.field(name),
			"must be a non-negative decimal with at most %d decimals, got %q", places, truncate(v, 40))
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.NullDecimal{}, fieldError(CodeInvalidField, a.field(name), "is not a decimal: %q", truncate(v, 40))
	}
	return decimal.NullDecimal{Decimal: d, Valid: true}, nil
}

// amount is decimal with zero for an absent optional attribute.
func (a attrs) amount(name string, required bool, places int) (decimal.Decimal, error) {
	d, err := a.decimal(name, required, places)
	return d.Decimal, err
}

// money reads a document-level amount: at most two decimals, as the
// amounts are stored to the cent.
func (a attrs) money(name string, required bool) (decimal.Decimal, error) {
	return a.amount(name, required, 2)
}

// uuid reads a required UUID in its canonical 36-character form, upper-
// or lower-case, and returns it in lower case.
func (a attrs) uuid(name string) (string, error) {
	v, err := a.required(name)
	if err != nil {
		return "", err
	}
	if !isUUID(v) {
		return "", fieldError(CodeInvalidField, a.field(name), "must be a UUID (8-4-4-4-12 hexadecimal digits), got %q", truncate(v, 40))
	}
	return strings.ToLower(v), nil
}

// dateTime reads a CFDI date and time (2006-01-02T15:04:05, no zone).
func (a attrs) dateTime(name string, required bool) (string, error) {
	v := a.str(name)
	if v == "" {
		if required {
			return "", fieldError(CodeMissingField, a.field(name), "is required")
		}
		return "", nil
	}
	if _, err := time.Parse(cfdiDateTimeLayout, v); err != nil {
		return "", fieldError(CodeInvalidField, a.field(name), "must be a date and time like 2024-03-15T10:30:00, got %q", truncate(v, 40))
	}
	return v, nil
}

// isPlainDecimal reports whether s is 1–18 digits, optionally followed by a
// point and 1–places digits.
func isPlainDecimal(s string, places int) bool {
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if len(intPart) == 0 || len(intPart) > 18 || !allDigits(intPart) {
		return false
	}
	if !hasPoint {
		return true
	}
	return len(frac) > 0 && len(frac) <= places && allDigits(frac)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// truncate shortens s to at most n runes for an error message.
func truncate(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}
