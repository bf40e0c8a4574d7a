package invoices

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Directions of an invoice, seen from the company.
const (
	// DirectionIssued is an invoice the company issued (it is the Emisor).
	DirectionIssued = "issued"
	// DirectionReceived is an invoice the company received (it is the
	// Receptor).
	DirectionReceived = "received"
)

// Statuses of an invoice.
const (
	// StatusValid is an invoice in force.
	StatusValid = "valid"
	// StatusCancelled is an invoice cancelled before the SAT.
	StatusCancelled = "cancelled"
)

// Invoice is a stored CFDI as the API shows it. Amounts are decimal strings
// with at least two decimals; Fecha and FechaTimbrado (local times in the
// CFDI) are read in the company's time zone.
type Invoice struct {
	ID                uuid.UUID  `json:"id"`
	UUID              string     `json:"uuid"`
	Version           string     `json:"version"`
	Serie             string     `json:"serie"`
	Folio             string     `json:"folio"`
	Fecha             time.Time  `json:"fecha"`
	Tipo              string     `json:"tipo"`
	Direction         string     `json:"direction"`
	EmisorRFC         string     `json:"emisor_rfc"`
	EmisorNombre      string     `json:"emisor_nombre"`
	EmisorRegimen     string     `json:"emisor_regimen_fiscal"`
	ReceptorRFC       string     `json:"receptor_rfc"`
	ReceptorNombre    string     `json:"receptor_nombre"`
	ReceptorDomicilio string     `json:"receptor_domicilio_fiscal"`
	ReceptorRegimen   string     `json:"receptor_regimen_fiscal"`
	UsoCFDI           string     `json:"uso_cfdi"`
	LugarExpedicion   string     `json:"lugar_expedicion"`
	Exportacion       string     `json:"exportacion"`
	Moneda            string     `json:"moneda"`
	TipoCambio        *string    `json:"tipo_cambio"`
	SubTotal          string     `json:"subtotal"`
	Descuento         string     `json:"descuento"`
	TotalTraslados    string     `json:"total_traslados"`
	TotalRetenciones  string     `json:"total_retenciones"`
	Total             string     `json:"total"`
	FormaPago         string     `json:"forma_pago"`
	MetodoPago        string     `json:"metodo_pago"`
	FechaTimbrado     time.Time  `json:"fecha_timbrado"`
	RfcProvCertif     string     `json:"rfc_prov_certif"`
	Status            string     `json:"status"`
	CancelledAt       *time.Time `json:"cancelled_at"`
	Warnings          []Warning  `json:"warnings"`
	CreatedAt         time.Time  `json:"created_at"`
}

// InvoiceDetail is one invoice with everything parsed from it and its
// status history.
type InvoiceDetail struct {
	Invoice
	SelloSAT  string         `json:"sello_sat"`
	Lines     []Line         `json:"lines"`
	Taxes     []Tax          `json:"taxes"`
	Relations []Relation     `json:"relations"`
	Payments  []Payment      `json:"payments"`
	History   []HistoryEntry `json:"history"`
}

// Line is one Concepto with its taxes.
type Line struct {
	LineNo           int    `json:"line_no"`
	ClaveProdServ    string `json:"clave_prod_serv"`
	NoIdentificacion string `json:"no_identificacion"`
	Cantidad         string `json:"cantidad"`
	ClaveUnidad      string `json:"clave_unidad"`
	Unidad           string `json:"unidad"`
	Descripcion      string `json:"descripcion"`
	ValorUnitario    string `json:"valor_unitario"`
	Importe          string `json:"importe"`
	Descuento        string `json:"descuento"`
	ObjetoImp        string `json:"objeto_imp"`
	Taxes            []Tax  `json:"taxes"`
}

// Tax is a Traslado or Retencion, of a line or (in InvoiceDetail.Taxes) of
// the whole document, one per tax and rate.
type Tax struct {
	Kind       string  `json:"kind"`
	Impuesto   string  `json:"impuesto"`
	TipoFactor string  `json:"tipo_factor"`
	Tasa       *string `json:"tasa"`
	Base       *string `json:"base"`
	Importe    *string `json:"importe"`
}

// Relation is a related CFDI (CfdiRelacionados).
type Relation struct {
	TipoRelacion string `json:"tipo_relacion"`
	UUID         string `json:"uuid"`
}

// Payment is one Pago of a tipo P invoice.
type Payment struct {
	FechaPago    time.Time    `json:"fecha_pago"`
	FormaPago    string       `json:"forma_pago"`
	Moneda       string       `json:"moneda"`
	TipoCambio   *string      `json:"tipo_cambio"`
	Monto        string       `json:"monto"`
	NumOperacion string       `json:"num_operacion"`
	Documents    []PaymentDoc `json:"documents"`
}

// PaymentDoc is an invoice a Payment pays.
type PaymentDoc struct {
	IDDocumento      string  `json:"id_documento"`
	Serie            string  `json:"serie"`
	Folio            string  `json:"folio"`
	Moneda           string  `json:"moneda"`
	Equivalencia     *string `json:"equivalencia"`
	NumParcialidad   *int    `json:"num_parcialidad"`
	ImpSaldoAnt      *string `json:"imp_saldo_ant"`
	ImpPagado        string  `json:"imp_pagado"`
	ImpSaldoInsoluto *string `json:"imp_saldo_insoluto"`
}

// HistoryEntry is one status change.
type HistoryEntry struct {
	From    string     `json:"from"`
	To      string     `json:"to"`
	Event   string     `json:"event"`
	Note    string     `json:"note"`
	ActorID *uuid.UUID `json:"actor_id"`
	At      time.Time  `json:"at"`
}

// formatAmount writes an amount with at least two decimals and no
// trailing zeros beyond them.
func formatAmount(d decimal.Decimal) string {
	s := d.String()
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) >= 2 {
		return s
	}
	return d.StringFixed(2)
}

// formatNullAmount is formatAmount for a nullable amount.
func formatNullAmount(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := formatAmount(d.Decimal)
	return &s
}

// formatNullRate writes a tax rate with the six decimals the SAT uses.
func formatNullRate(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.StringFixed(6)
	return &s
}
