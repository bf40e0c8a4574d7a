package sdk

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Payment methods of PaymentRequest.Method.
const (
	// PaymentCard charges a card token the POS front end created with
	// Mercado Pago's card form.
	PaymentCard = "card"
	// PaymentQR posts an in-store order the buyer pays by scanning the
	// QR the POS shows (Payment.QRData).
	PaymentQR = "qr"
)

// Payment statuses, the provider's (Mercado Pago's).
const (
	PaymentPending     = "pending"
	PaymentInProcess   = "in_process"
	PaymentAuthorized  = "authorized"
	PaymentInMediation = "in_mediation"
	PaymentApproved    = "approved"
	PaymentRejected    = "rejected"
	PaymentCancelled   = "cancelled"
	PaymentRefunded    = "refunded"
	PaymentChargedBack = "charged_back"
)

// PaymentTopics is the subscription pattern of the host's payment events:
// host.payment.<status> when a payment's status changes (approved,
// rejected, cancelled — an unpaid QR order expired —, refunded ...) and
// host.payment.partially_refunded. Every vertical subscribed receives
// every payment event of the company: keep those whose
// PaymentEvent.Vertical is yours (ParsePaymentEvent).
const PaymentTopics = "host.payment.*"

// PaymentRequest asks the host for a payment of one of the vertical's
// documents through the company's payment provider (Mercado Pago).
type PaymentRequest struct {
	// DocumentID is the vertical's document the payment pays; payment
	// events carry it back.
	DocumentID string
	// Method is PaymentCard or PaymentQR, as the company enabled them.
	Method   string
	Amount   decimal.Decimal
	Currency string
	// IdempotencyKey makes the call safe to retry: the same key and
	// request answer the same payment (another request is a 409). It
	// travels to the provider; pass the client's Idempotency-Key.
	IdempotencyKey string
	Description    string
	// CardToken, PaymentMethodID (visa, master ...), IssuerID,
	// Installments and PayerEmail come from the card form (PaymentCard).
	// Never log or store the card token.
	CardToken       string
	PaymentMethodID string
	IssuerID        string
	Installments    int
	PayerEmail      string
}

// Payment is a payment as the host mirrors it from the provider.
type Payment struct {
	ID           string
	DocumentID   string
	Method       string
	Status       string
	StatusDetail string
	Amount       decimal.Decimal
	Currency     string
	// FeeAmount is what the provider keeps; RefundedAmount what was
	// refunded so far.
	FeeAmount         decimal.Decimal
	RefundedAmount    decimal.Decimal
	ProviderPaymentID string
	// QRData is the EMVCo text to show as a QR (PaymentQR), payable until
	// ExpiresAt.
	QRData    string
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NetAmount is what reaches the company's account: the amount less the
// provider's fee and the refunds.
func (p Payment) NetAmount() decimal.Decimal {
	return p.Amount.Sub(p.FeeAmount).Sub(p.RefundedAmount)
}

// CreatePayment asks the company's payment provider for a payment. A card
// payment answers the provider's decision (approved, rejected, or
// in_process to be decided later); a QR payment answers pending with the
// QR to show. Later changes arrive as events (PaymentTopics). The payment
// is kept by the host whatever the request's outcome: it is not rolled
// back with the request's unit of work.
//
// Errors: 422 invalid_payment, payment_method_disabled,
// payments_not_configured or payment_refused (the provider's causes in
// the details); 409 idempotency_key_reused; 503
// payment_service_unavailable while the provider is failing for the
// company (take another tender); 502/504 when its answer is unknown (a
// retry with the same key is safe).
func (c *Context) CreatePayment(r PaymentRequest) (Payment, error) {
	return c.host.createPayment(c.ctx, r)
}

// Payment returns one of the vertical's payments of the company (404
// payment_not_found for any other).
func (c *Context) Payment(id string) (Payment, error) {
	return c.host.getPayment(c.ctx, id)
}

// RefundPayment refunds an approved payment: amount, or what is left when
// amount is nil. The same idempotency key refunds once: asked again with
// the same amount it answers the payment, with another amount it is 409
// idempotency_key_reused and refunds nothing.
func (c *Context) RefundPayment(id string, amount *decimal.Decimal, idempotencyKey string) (Payment, error) {
	return c.host.refundPayment(c.ctx, id, amount, idempotencyKey)
}

// PaymentEvent is the payload of a payment event (PaymentTopics).
type PaymentEvent struct {
	PaymentID         string          `json:"payment_id"`
	Vertical          string          `json:"vertical"`
	DocumentID        string          `json:"document_id"`
	Method            string          `json:"method"`
	Status            string          `json:"status"`
	StatusDetail      string          `json:"status_detail"`
	Amount            decimal.Decimal `json:"amount"`
	Currency          string          `json:"currency"`
	FeeAmount         decimal.Decimal `json:"fee_amount"`
	RefundedAmount    decimal.Decimal `json:"refunded_amount"`
	NetAmount         decimal.Decimal `json:"net_amount"`
	ProviderPaymentID string          `json:"provider_payment_id"`
}

// ParsePaymentEvent reads a payment event's payload.
func ParsePaymentEvent(ev Event) (PaymentEvent, error) {
	var p PaymentEvent
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return p, fmt.Errorf("payment event %s: %w", ev.ID, err)
	}
	return p, nil
}
