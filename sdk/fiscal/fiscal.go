package fiscal

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/money"
)

// Kind is what a document is.
type Kind string

// Document kinds.
const (
	// KindInvoice is a sale's receipt or invoice (AFIP Factura A/B/C, CFDI
	// Ingreso).
	KindInvoice Kind = "invoice"
	// KindCreditNote reverses all or part of an invoice (AFIP Nota de
	// Crédito, CFDI Egreso); it names the invoice in RelatedDocumentID.
	KindCreditNote Kind = "credit_note"
	// KindPaymentReceipt records a payment received for invoices issued as
	// Deferred (Mexico: a CFDI of type P with the Pagos 2.0 complement);
	// it carries Payment, no lines and no totals. Argentina has no such
	// document and refuses it.
	KindPaymentReceipt Kind = "payment_receipt"
)

// Status is where a document is in its life: Draft → Requested →
// Authorized | Rejected; Authorized → Cancelled, directly or through
// CancellationRequested. In Mexico an anonymous sale goes Draft →
// PendingGlobal → Authorized with its period's global CFDI.
type Status string

// Document statuses.
const (
	// StatusDraft is stored, not sent yet (the authority was unreachable,
	// or its breaker open): issuing it again sends it.
	StatusDraft Status = "draft"
	// StatusPendingGlobal will be included in its period's global document
	// and is not sent to the authority on its own: in Mexico, a sale to
	// the public in general (no RFC, or XAXX010101000) waits for the global
	// CFDI the host issues once the period (the company's periodicidad:
	// daily, weekly, fortnightly, monthly, bimonthly) has ended in the
	// company's time zone. It then becomes Authorized with the global's
	// UUID, and Details["global_document_id"] names the global document.
	// A credit note of such a sale waits in this status too and is issued
	// right after the global is stamped. A vertical treats it as settled:
	// asking again answers the same document. While in no global yet, it
	// is issued as a named customer's invoice when its source is issued
	// again with that customer (same currency and total), and voided
	// (Cancelled, nothing sent) by a cancellation.
	StatusPendingGlobal Status = "pending_global"
	// StatusRequested was sent and its outcome is not known yet; the host
	// asks the authority before it sends anything else of its series.
	StatusRequested Status = "requested"
	// StatusAuthorized carries the authority's code (CAE, UUID).
	StatusAuthorized Status = "authorized"
	// StatusRejected was refused by the authority; Messages say why.
	StatusRejected Status = "rejected"
	// StatusCancellationRequested was authorized and its cancellation
	// waits for the receiver's acceptance (Mexico: a CFDI SAT cancels
	// only with the receiver's acceptance, or after three business days
	// without an answer). The host asks the authority until it knows: the
	// document becomes cancelled, or authorized again when the receiver
	// rejects it (Messages say so). It is still in force meanwhile.
	StatusCancellationRequested Status = "cancellation_requested"
	// StatusCancelled was authorized and then cancelled, or was a sale
	// held for a global document and voided before it went into one.
	StatusCancelled Status = "cancelled"
)

// Concept says what a document sells (AFIP's Concepto).
type Concept string

// Concepts.
const (
	ConceptGoods            Concept = "goods"
	ConceptServices         Concept = "services"
	ConceptGoodsAndServices Concept = "goods_and_services"
)

// Input is the document a vertical asks the host to issue.
type Input struct {
	// SourceID identifies the vertical's own document (a sale's id): the
	// host issues one document per (vertical, source, kind) and answers
	// the same document when asked again.
	SourceID string `json:"source_id"`
	Kind     Kind   `json:"kind"`
	// Date is the document's date in the company's calendar (YYYY-MM-DD);
	// empty means today.
	Date string `json:"date,omitempty"`
	// Currency is an ISO 4217 code (ARS, MXN, USD).
	Currency string `json:"currency"`
	// ExchangeRate converts Currency to the company's currency; zero means
	// 1 (the company's own currency).
	ExchangeRate decimal.Decimal `json:"exchange_rate,omitzero"`
	// Concept defaults to ConceptGoods. Services carry ServiceFrom,
	// ServiceTo and PaymentDue (YYYY-MM-DD).
	Concept     Concept `json:"concept,omitempty"`
	ServiceFrom string  `json:"service_from,omitempty"`
	ServiceTo   string  `json:"service_to,omitempty"`
	PaymentDue  string  `json:"payment_due,omitempty"`
	// Customer is who the document is for; an anonymous sale leaves TaxID
	// empty.
	Customer Customer `json:"customer"`
	Lines    []Line   `json:"lines"`
	Totals   Totals   `json:"totals"`
	// PaymentForm is how the sale was paid: cash, card, debit_card,
	// transfer, wallet, credit or other (the issuer maps it to its
	// authority's code, e.g. CFDI FormaPago).
	PaymentForm string `json:"payment_form,omitempty"`
	// RelatedDocumentID is, for a credit note, the id of the fiscal
	// document it reverses (an authorized invoice of the same company).
	RelatedDocumentID *uuid.UUID `json:"related_document_id,omitempty"`
	// PointOfSale is, in Argentina, the AFIP point of sale to issue on:
	// one of the company's points_of_sale (zero: the first). Other
	// countries ignore it.
	PointOfSale int `json:"point_of_sale,omitempty"`
	// Deferred says an invoice is paid later or in installments, not when
	// it is issued. Mexico issues it with MetodoPago PPD and FormaPago 99
	// (por definir) whatever PaymentForm says, and each payment received
	// then takes a payment receipt (KindPaymentReceipt) naming it;
	// Argentina ignores it (the due date of services is PaymentDue). Only
	// an invoice is deferred.
	Deferred bool `json:"deferred,omitempty"`
	// Payment is, for a payment receipt only, the payment received.
	Payment *Payment `json:"payment,omitempty"`
}

// Customer is the receiver of a document.
type Customer struct {
	// TaxID is the CUIT (AR), the DNI (AR, with TaxIDType "dni") or the
	// RFC (MX); empty for an anonymous final consumer.
	TaxID     string `json:"tax_id,omitempty"`
	TaxIDType string `json:"tax_id_type,omitempty"`
	Name      string `json:"name,omitempty"`
	// Condition is the customer's tax condition: the IVA condition in
	// Argentina (responsable_inscripto, monotributo, exento,
	// consumidor_final, ...), the régimen fiscal code in Mexico (601,
	// 612, 616, ...).
	Condition string `json:"condition,omitempty"`
	// PostalCode is the CFDI DomicilioFiscalReceptor.
	PostalCode string `json:"postal_code,omitempty"`
	// Use is the CFDI UsoCFDI (G03, S01, ...).
	Use string `json:"use,omitempty"`
}

// Line is one line of the document, as the calculator returned it.
type Line struct {
	Description string `json:"description"`
	// Code is the vertical's product code (SKU); ProductKey and UnitKey
	// are the authority's (CFDI ClaveProdServ, ClaveUnidad).
	Code       string          `json:"code,omitempty"`
	ProductKey string          `json:"product_key,omitempty"`
	UnitKey    string          `json:"unit_key,omitempty"`
	Quantity   decimal.Decimal `json:"quantity"`
	// UnitPrice excludes tax.
	UnitPrice decimal.Decimal `json:"unit_price"`
	// Discount is the line's discount without tax, its share of a
	// document discount included.
	Discount decimal.Decimal `json:"discount"`
	// Net is the taxable base: Quantity × UnitPrice − Discount, rounded.
	Net   decimal.Decimal `json:"net"`
	Taxes []Tax           `json:"taxes"`
	// Total is Net plus the line's transferred taxes minus its withheld
	// ones.
	Total decimal.Decimal `json:"total"`
}

// Tax types: what Tax.Type names. A type belongs to the country whose
// authority knows it (iva to both); the other country's issuer refuses it
// (422 invalid_field naming the tax's type).
const (
	// TaxIVA is value-added tax: Argentina's IVA (AFIP AlicIva) and
	// Mexico's IVA (CFDI Impuesto 002), transferred at a rate or exempt
	// and, in Mexico, withheld.
	TaxIVA = "iva"
	// TaxIEPS is Mexico's IEPS (CFDI Impuesto 003): transferred at a rate
	// (TipoFactor Tasa) or at a Quota per unit (Cuota). It is part of the
	// line's IVA base.
	TaxIEPS = "ieps"
	// TaxISR is Mexico's income tax (CFDI Impuesto 001), only withheld.
	TaxISR = "isr"

	// Argentine tributos (FECAESolicitar Tributos; AFIP's id from
	// FEParamGetTiposTributos in brackets), added to the total.

	// TaxNational is a national tax other than IVA [1].
	TaxNational = "national"
	// TaxProvincial is a provincial tax [2].
	TaxProvincial = "provincial"
	// TaxMunicipal is a municipal tax [3].
	TaxMunicipal = "municipal"
	// TaxInternal is impuestos internos [4].
	TaxInternal = "internal"
	// TaxGrossIncome is ingresos brutos (IIBB) [5].
	TaxGrossIncome = "gross_income"
	// TaxIVAPerception is a percepción de IVA [6].
	TaxIVAPerception = "iva_perception"
	// TaxGrossIncomePerception is a percepción de ingresos brutos [7].
	TaxGrossIncomePerception = "gross_income_perception"
	// TaxMunicipalPerception is a percepción of municipal taxes [8].
	TaxMunicipalPerception = "municipal_perception"
	// TaxOtherPerception is another percepción [9].
	TaxOtherPerception = "other_perception"
	// TaxIVAPerceptionUncategorized is the percepción de IVA to a
	// receiver not categorized in IVA (RG 2126/2006) [13].
	TaxIVAPerceptionUncategorized = "iva_perception_uncategorized"
	// TaxOther is any other tributo [99]; it needs a Description.
	TaxOther = "other"
)

// Tax is one tax at one rate (or quota), on a line or in the totals.
//
// A transferred tax adds to the total; a Withheld one (Mexico's
// retenciones of ISR and IVA by a company that pays for professional
// services or rent) is subtracted from it. Base and Amount are:
//   - at a Rate: Base is the line's Net (for IVA, Net plus the line's
//     IEPS, which is part of IVA's base) and Amount is Base × Rate rounded
//     to the cent; Argentine tributos may have any Base (a percepción's
//     base is the regime's);
//   - at a Quota (Mexico's IEPS Cuota: pesos per liter, per cigarette):
//     Base counts the units taxed (liters, pieces, grams; six decimals at
//     most), Rate is zero and Amount is Base × Quota rounded to the cent;
//   - Exempt (IVA exento; Argentina's exempt operations, Mexico's Exento):
//     Rate and Amount are zero and Base is the line's Net.
//
// An input written before these fields existed (iva at a rate) means what
// it meant.
type Tax struct {
	// Type is one of the Tax* constants: "iva", "ieps", "isr", or an
	// Argentine tributo.
	Type string `json:"type"`
	// Rate is a fraction: 0.21, 0.105, 0.16, 0.106667, 0.03.
	Rate decimal.Decimal `json:"rate"`
	// Quota is an amount per unit of Base; zero unless the tax is per
	// unit.
	Quota decimal.Decimal `json:"quota,omitzero"`
	// Exempt marks an exemption (no rate, no amount).
	Exempt bool `json:"exempt,omitempty"`
	// Withheld marks a tax the receiver withholds (iva and isr only).
	Withheld bool `json:"withheld,omitempty"`
	// Description names the tax to the authority and on the receipt
	// (AFIP's Tributo Desc, "Percepción IIBB CABA"); required for
	// TaxOther.
	Description string          `json:"description,omitempty"`
	Base        decimal.Decimal `json:"base"`
	Amount      decimal.Decimal `json:"amount"`
}

// Totals are the document's sums.
type Totals struct {
	// Net is the sum of the lines' Net; Discount of their Discount.
	Net      decimal.Decimal `json:"net"`
	Discount decimal.Decimal `json:"discount"`
	// Tax is the sum of the transferred taxes' amounts; Withheld of the
	// withheld ones. Taxes are the sums per tax (type, rate or quota,
	// exempt, withheld, description), in any order.
	Tax      decimal.Decimal `json:"tax"`
	Withheld decimal.Decimal `json:"withheld,omitzero"`
	Taxes    []Tax           `json:"taxes"`
	// Total is Net + Tax − Withheld.
	Total decimal.Decimal `json:"total"`
}

// Message is what the authority said about a document: an error that
// rejected it or an observation that did not, with the authority's code.
type Message struct {
	// Type is "error" or "observation".
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Document is a fiscal document as the host stores and answers it.
type Document struct {
	ID       uuid.UUID `json:"id"`
	Vertical string    `json:"vertical"`
	SourceID string    `json:"source_id"`
	Kind     Kind      `json:"kind"`
	Status   Status    `json:"status"`
	// Country is the company's: AR or MX.
	Country  string `json:"country"`
	Currency string `json:"currency"`
	// Total is the document's total, with two decimals.
	Total         money.Amount `json:"total"`
	CustomerTaxID string       `json:"customer_tax_id"`
	// RelatedID is the invoice a credit note reverses.
	RelatedID *uuid.UUID `json:"related_id"`
	// Series and Number are the authority's numbering: AR
	// "<CUIT>-<point of sale>-<receipt type>" and the receipt number; MX
	// serie and folio.
	Series *string `json:"series"`
	Number *int64  `json:"number"`
	// AuthorizationCode is AFIP's CAE or the CFDI's UUID;
	// AuthorizationExpires the CAE's due date (YYYY-MM-DD).
	AuthorizationCode    *string    `json:"authorization_code"`
	AuthorizationExpires *string    `json:"authorization_expires"`
	AuthorizedAt         *time.Time `json:"authorized_at"`
	// Details are the issuer's facts: AR receipt_type, point_of_sale,
	// qr_url; MX the stamp's date and certificate numbers.
	Details  map[string]any `json:"details"`
	Messages []Message      `json:"messages"`
	// CancelReason and CancelledAt are set once cancelled.
	CancelReason *string    `json:"cancel_reason"`
	CancelledAt  *time.Time `json:"cancelled_at"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	// Input is what the vertical sent (in a single document's answer only).
	Input *Input `json:"input,omitempty"`
}

// Payment is the payment a payment receipt records: when, how and how
// much was received, in the Input's Currency (its ExchangeRate converts
// it to the company's currency), and which deferred invoices it pays.
// The host numbers the installments and computes each invoice's balance
// before and after the payment from its own records of the receipts
// issued before; a vertical never sends them.
type Payment struct {
	// PaidAt is when the payment was received (CFDI FechaPago, written in
	// the company's time zone).
	PaidAt time.Time `json:"paid_at"`
	// Form is how it was paid: cash, card, debit_card, transfer, wallet or
	// check (the issuer maps it to its authority's code, e.g. CFDI
	// FormaDePagoP).
	Form string `json:"form"`
	// Amount is the amount received; the documents' amounts, each
	// converted to the payment's currency, add up to at most it.
	Amount decimal.Decimal `json:"amount"`
	// Reference is the bank's operation number or the check number, if
	// any (CFDI NumOperacion).
	Reference string `json:"reference,omitempty"`
	// Documents are the invoices it pays, each at most once.
	Documents []PaidDocument `json:"documents"`
}

// PaidDocument is what a payment pays of one invoice.
type PaidDocument struct {
	// DocumentID is the fiscal document id of an authorized, deferred
	// invoice of the same vertical and company.
	DocumentID uuid.UUID `json:"document_id"`
	// Amount is what is paid of it, in the invoice's currency; at most its
	// balance.
	Amount decimal.Decimal `json:"amount"`
	// ExchangeRate is how many units of the invoice's currency one unit of
	// the payment's currency is worth (CFDI EquivalenciaDR); zero means 1,
	// for an invoice in the payment's currency.
	ExchangeRate decimal.Decimal `json:"exchange_rate,omitzero"`
}

// Installment is what the host computed of one invoice paid by a payment
// receipt; it shows in the receipt's Details["installments"].
type Installment struct {
	DocumentID uuid.UUID `json:"document_id"`
	// Number counts the invoice's authorized payment receipts, this one
	// included (CFDI NumParcialidad).
	Number int `json:"number"`
	// PreviousBalance, Paid and Balance are the invoice's balance before
	// the payment, the amount paid and the balance after it, in the
	// invoice's currency (CFDI ImpSaldoAnt, ImpPagado, ImpSaldoInsoluto).
	PreviousBalance money.Amount `json:"previous_balance"`
	Paid            money.Amount `json:"paid"`
	Balance         money.Amount `json:"balance"`
}
