package cfdi

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// Catalog values this package writes itself (SAT catalogs c_Exportacion,
// c_ObjetoImp, c_Impuesto, c_TipoFactor, c_TipoRelacion, c_RegimenFiscal,
// c_UsoCFDI).
const (
	// ExportacionNoAplica is Exportacion 01: not an export.
	ExportacionNoAplica = "01"
	// ObjetoImpNo is ObjetoImp 01: the line is not subject to tax.
	ObjetoImpNo = "01"
	// ObjetoImpSi is ObjetoImp 02: the line is subject to tax.
	ObjetoImpSi = "02"
	// ImpuestoISR is Impuesto 001.
	ImpuestoISR = "001"
	// ImpuestoIVA is Impuesto 002.
	ImpuestoIVA = "002"
	// ImpuestoIEPS is Impuesto 003.
	ImpuestoIEPS = "003"
	// FactorTasa is TipoFactor Tasa: TasaOCuota is a rate.
	FactorTasa = "Tasa"
	// FactorCuota is TipoFactor Cuota: TasaOCuota is an amount per unit.
	FactorCuota = "Cuota"
	// FactorExento is TipoFactor Exento: no rate, no amount.
	FactorExento = "Exento"
	// RelacionNotaCredito is TipoRelacion 01: a credit note of the related
	// CFDIs.
	RelacionNotaCredito = "01"
	// RelacionSustitucion is TipoRelacion 04: substitutes the related CFDIs.
	RelacionSustitucion = "04"
	// RFCPublicoGeneral is the generic RFC of anonymous sales.
	RFCPublicoGeneral = "XAXX010101000"
	// NombrePublicoGeneral is the Receptor name of a global CFDI.
	NombrePublicoGeneral = "PUBLICO EN GENERAL"
	// RegimenSinObligaciones is RegimenFiscal 616, the Receptor's régimen in
	// a global CFDI.
	RegimenSinObligaciones = "616"
	// UsoSinEfectos is UsoCFDI S01 (sin efectos fiscales).
	UsoSinEfectos = "S01"
)

// Document is what a CFDI is built from: the sale or return as the
// calculator priced it, with the parties. Amounts per line are Cantidad ×
// ValorUnitario − Descuento; taxes are computed per line (see Tax) and
// summed per (impuesto, factor, rate or quota).
type Document struct {
	// Tipo is invoices.TipoIngreso or invoices.TipoEgreso.
	Tipo  string
	Serie string
	Folio string
	// Fecha is the issue time; it is written in its own location, which
	// should be the one of LugarExpedicion.
	Fecha time.Time
	// FormaPago is the c_FormaPago key (01 cash, 04 credit card, 28 debit
	// card, 99 to be defined with MetodoPago PPD).
	FormaPago string
	// MetodoPago is PUE (paid in one go) or PPD (in instalments or later).
	MetodoPago string
	// Moneda is the ISO 4217 code; TipoCambio is required unless it is MXN.
	Moneda     string
	TipoCambio decimal.NullDecimal
	// Exportacion defaults to ExportacionNoAplica.
	Exportacion string
	// LugarExpedicion is the issuer's postal code.
	LugarExpedicion string

	Emisor   invoices.Emisor
	Receptor invoices.Receptor
	// Global is set for a global CFDI of anonymous sales; the Receptor must
	// then be GlobalReceptor.
	Global       *Global
	Relacionados []invoices.Relacionados
	Lines        []Line
}

// Global is the InformacionGlobal of a global CFDI: the period it covers.
type Global struct {
	// Periodicidad is the c_Periodicidad key: 01 daily, 02 weekly, 03
	// fortnightly, 04 monthly, 05 bimonthly.
	Periodicidad string
	// Meses is the c_Meses key: 01–12, or 13–18 for bimonthly periods.
	Meses string
	// Anio is the year.
	Anio int
}

// Line is one Concepto.
type Line struct {
	ClaveProdServ    string
	NoIdentificacion string
	Cantidad         decimal.Decimal
	ClaveUnidad      string
	Unidad           string
	Descripcion      string
	ValorUnitario    decimal.Decimal
	// Descuento is the line's discount, zero for none.
	Descuento decimal.Decimal
	// ObjetoImp defaults to ObjetoImpSi when the line has taxes and
	// ObjetoImpNo when it has none.
	ObjetoImp   string
	Traslados   []Tax
	Retenciones []Tax
}

// Tax is a tax of a line: which, how and at what rate. Rate is the Tasa,
// or for FactorCuota the amount per unit; it is absent for FactorExento.
//
// A line's taxes are computed on its Importe − Descuento, except that an
// IVA's base adds the line's transferred IEPS (Ley del IVA art. 18: the
// value includes the other taxes charged) and a Cuota's base is its Units.
type Tax struct {
	Impuesto   string
	TipoFactor string
	Rate       decimal.NullDecimal
	// Units is, for FactorCuota only, how many units the quota applies to
	// (liters, cigarettes, grams): the Traslado's Base.
	Units decimal.Decimal
}

// GlobalReceptor is the Receptor of a global CFDI issued from the postal
// code lugarExpedicion.
func GlobalReceptor(lugarExpedicion string) invoices.Receptor {
	return invoices.Receptor{
		Rfc: RFCPublicoGeneral, Nombre: NombrePublicoGeneral,
		DomicilioFiscalReceptor: lugarExpedicion,
		RegimenFiscalReceptor:   RegimenSinObligaciones, UsoCFDI: UsoSinEfectos,
	}
}
