package invoices

import (
	"github.com/shopspring/decimal"
)

// Namespaces the parser reads. Elements in any other namespace (addenda,
// other complements) are skipped.
const (
	// NamespaceCFDI4 is the namespace of CFDI 4.0 (cfdi:Comprobante).
	NamespaceCFDI4 = "http://www.sat.gob.mx/cfd/4"
	// NamespaceCFDI3 is the namespace of CFDI 3.3, recognised only to
	// reject it with a clear message.
	NamespaceCFDI3 = "http://www.sat.gob.mx/cfd/3"
	// NamespaceTimbre is the namespace of tfd:TimbreFiscalDigital.
	NamespaceTimbre = "http://www.sat.gob.mx/TimbreFiscalDigital"
	// NamespacePagos20 is the namespace of the Pagos 2.0 complement.
	NamespacePagos20 = "http://www.sat.gob.mx/Pagos20"
	// NamespacePagos10 is the namespace of the Pagos 1.0 complement.
	NamespacePagos10 = "http://www.sat.gob.mx/Pagos"
	// NamespaceImpLocal is the namespace of the local-taxes complement.
	NamespaceImpLocal = "http://www.sat.gob.mx/implocal"
)

const (
	// supportedVersion is the only Comprobante Version accepted.
	supportedVersion = "4.0"
	// cfdiDateTimeLayout is how CFDI dates are written: local time, no zone.
	cfdiDateTimeLayout = "2006-01-02T15:04:05"
)

// Tipos de comprobante (TipoDeComprobante).
const (
	// TipoIngreso is an invoice for a sale or service.
	TipoIngreso = "I"
	// TipoEgreso is a credit note, return or discount.
	TipoEgreso = "E"
	// TipoPago is a payment receipt carrying the Pagos complement.
	TipoPago = "P"
	// TipoTraslado documents goods in transit.
	TipoTraslado = "T"
	// TipoNomina is a payroll receipt.
	TipoNomina = "N"
)

// CFDI is a parsed and validated CFDI 4.0 document. Dates are kept as
// written (local time without a zone, "2006-01-02T15:04:05"); amounts are
// exact decimals.
type CFDI struct {
	Version           string
	Serie             string
	Folio             string
	Fecha             string
	FormaPago         string
	MetodoPago        string
	SubTotal          decimal.Decimal
	Descuento         decimal.Decimal
	Moneda            string
	TipoCambio        decimal.NullDecimal
	Total             decimal.Decimal
	TipoDeComprobante string
	LugarExpedicion   string
	Exportacion       string

	Emisor       Emisor
	Receptor     Receptor
	Relacionados []Relacionados
	Conceptos    []Concepto
	// Impuestos is the document's tax summary; nil when the Comprobante
	// has none.
	Impuestos *Impuestos
	// ImpuestosLocales holds the totals of the implocal complement (local
	// taxes that count in Total); nil when absent.
	ImpuestosLocales *ImpuestosLocales
	// Timbre is the TimbreFiscalDigital; Parse refuses a CFDI without it.
	Timbre Timbre
	// Pagos is the payments complement of a tipo P CFDI; nil otherwise.
	Pagos *Pagos

	// Warnings lists doubts that did not reject the document.
	Warnings []Warning
}

// Emisor is the issuer.
type Emisor struct {
	Rfc           string
	Nombre        string
	RegimenFiscal string
}

// Receptor is the recipient.
type Receptor struct {
	Rfc                     string
	Nombre                  string
	DomicilioFiscalReceptor string
	RegimenFiscalReceptor   string
	UsoCFDI                 string
}

// Relacionados is one CfdiRelacionados group: the UUIDs of the CFDIs this
// one relates to and how (e.g. 01 nota de crédito, 04 sustitución).
type Relacionados struct {
	TipoRelacion string
	UUIDs        []string
}

// Concepto is one invoice line with its own taxes.
type Concepto struct {
	ClaveProdServ    string
	NoIdentificacion string
	Cantidad         decimal.Decimal
	ClaveUnidad      string
	Unidad           string
	Descripcion      string
	ValorUnitario    decimal.Decimal
	Importe          decimal.Decimal
	Descuento        decimal.Decimal
	ObjetoImp        string
	Traslados        []Impuesto
	Retenciones      []Impuesto
}

// Impuesto is one Traslado or Retencion. Base, TasaOCuota and Importe are
// absent (Valid false) where the CFDI leaves them out, e.g. for an Exento
// traslado or a document-level retención.
type Impuesto struct {
	Base       decimal.NullDecimal
	Impuesto   string
	TipoFactor string
	TasaOCuota decimal.NullDecimal
	Importe    decimal.NullDecimal
}

// Impuestos is the document's tax summary.
type Impuestos struct {
	TotalImpuestosTrasladados decimal.NullDecimal
	TotalImpuestosRetenidos   decimal.NullDecimal
	Traslados                 []Impuesto
	Retenciones               []Impuesto
}

// ImpuestosLocales holds the totals of the implocal complement.
type ImpuestosLocales struct {
	TotaldeTraslados   decimal.Decimal
	TotaldeRetenciones decimal.Decimal
}

// Timbre is the TimbreFiscalDigital: the SAT's stamp, whose UUID identifies
// the invoice.
type Timbre struct {
	Version          string
	UUID             string
	FechaTimbrado    string
	RfcProvCertif    string
	NoCertificadoSAT string
	SelloCFD         string
	SelloSAT         string
}

// Pagos is the payments complement (Pagos 2.0, or 1.0 from CFDI 3.3 times).
type Pagos struct {
	Version string
	Pagos   []Pago
}

// Pago is one payment received.
type Pago struct {
	FechaPago    string
	FormaDePagoP string
	MonedaP      string
	TipoCambioP  decimal.NullDecimal
	Monto        decimal.Decimal
	NumOperacion string
	Documentos   []DoctoRelacionado
}

// DoctoRelacionado is an invoice a Pago pays (in part).
type DoctoRelacionado struct {
	IDDocumento      string
	Serie            string
	Folio            string
	MonedaDR         string
	EquivalenciaDR   decimal.NullDecimal
	NumParcialidad   int
	ImpSaldoAnt      decimal.NullDecimal
	ImpPagado        decimal.Decimal
	ImpSaldoInsoluto decimal.NullDecimal
}

// Warning is a doubt about one field that did not reject the document.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}
