package payments

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Payment methods.
const (
	// MethodCard charges a card token the POS front end created with
	// Mercado Pago's card form (online card payment).
	MethodCard = "card"
	// MethodQR posts an in-store order the buyer pays by scanning a QR.
	MethodQR = "qr"
)

// Statuses mirror Mercado Pago's payment statuses.
const (
	StatusPending     = "pending"
	StatusInProcess   = "in_process"
	StatusAuthorized  = "authorized"
	StatusInMediation = "in_mediation"
	StatusApproved    = "approved"
	StatusRejected    = "rejected"
	StatusCancelled   = "cancelled"
	StatusRefunded    = "refunded"
	StatusChargedBack = "charged_back"
)

// transitions are the status changes the state machine accepts, from the
// status recorded to the one the provider reports. A report that would go
// back (approved to pending, say) is an out-of-date answer and changes
// nothing.
var transitions = map[string][]string{
	StatusPending: {StatusInProcess, StatusAuthorized, StatusInMediation, StatusApproved, StatusRejected,
		StatusCancelled, StatusRefunded, StatusChargedBack},
	StatusInProcess:   {StatusPending, StatusAuthorized, StatusApproved, StatusRejected, StatusCancelled},
	StatusAuthorized:  {StatusApproved, StatusCancelled, StatusRejected},
	StatusApproved:    {StatusInMediation, StatusRefunded, StatusChargedBack},
	StatusInMediation: {StatusApproved, StatusRefunded, StatusChargedBack, StatusCancelled},
	StatusChargedBack: {StatusRefunded},
}

// canMove reports whether a payment in from may move to to.
func canMove(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// validStatus reports whether s is one of the provider's statuses.
func validStatus(s string) bool {
	if _, ok := transitions[s]; ok {
		return true
	}
	return s == StatusRejected || s == StatusCancelled || s == StatusRefunded
}

// Payment is a payment as the service answers it.
type Payment struct {
	ID                uuid.UUID       `json:"id"`
	Vertical          string          `json:"vertical"`
	DocumentID        string          `json:"document_id"`
	Method            string          `json:"method"`
	Amount            decimal.Decimal `json:"amount"`
	Currency          string          `json:"currency"`
	Status            string          `json:"status"`
	StatusDetail      string          `json:"status_detail"`
	ProviderPaymentID string          `json:"provider_payment_id,omitempty"`
	// QRData is the EMVCo string the POS shows as a QR (method qr).
	QRData         string          `json:"qr_data,omitempty"`
	FeeAmount      decimal.Decimal `json:"fee_amount"`
	RefundedAmount decimal.Decimal `json:"refunded_amount"`
	ExpiresAt      *time.Time      `json:"expires_at,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`

	companyID uuid.UUID
	orderID   string
	hash      []byte
}

// NetAmount is what reaches the company's account: the amount less the
// provider's fee and the refunds.
func (p Payment) NetAmount() decimal.Decimal {
	return p.Amount.Sub(p.FeeAmount).Sub(p.RefundedAmount)
}

// Topic is the event topic of a payment entering status: host-published,
// delivered to every vertical subscribed to it (host.payment.*), whose
// payload names the owning vertical and its document.
func Topic(status string) string { return "host.payment." + status }

// TopicPartialRefund is the topic of a partial refund; a refund of the
// whole rest moves the payment to refunded (Topic(StatusRefunded)).
const TopicPartialRefund = "host.payment.partially_refunded"

// eventPayload is the JSON of a payment event.
func (p Payment) eventPayload() map[string]any {
	return map[string]any{
		"payment_id": p.ID.String(), "vertical": p.Vertical, "document_id": p.DocumentID, "method": p.Method,
		"status": p.Status, "status_detail": p.StatusDetail, "amount": p.Amount.String(), "currency": p.Currency,
		"fee_amount": p.FeeAmount.String(), "refunded_amount": p.RefundedAmount.String(),
		"net_amount": p.NetAmount().String(), "provider_payment_id": p.ProviderPaymentID,
	}
}
