package sdktest

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// The harness answers the payment calls (sdk.Context.CreatePayment,
// Payment, RefundPayment) as the host does with a company set up for
// Mercado Pago, without a provider: a card token starting with
// TokenApproved is approved, TokenRejected rejected, TokenPending left
// in_process; a QR payment is pending with QR data. SettlePayment then
// changes a payment as the provider would and returns the event the host
// publishes, for Deliver.

// Card tokens choosing a card payment's outcome in the harness (the same
// as the host's test fake of Mercado Pago).
const (
	TokenApproved = "APRO"
	TokenRejected = "OTHE"
	TokenPending  = "CONT"
)

// paymentFeeRate is the share the harness's provider keeps.
var paymentFeeRate = decimal.RequireFromString("0.0499")

// payment is a payment the harness holds.
type payment struct {
	company, vertical, key, hash string
	p                            *nexusv1.Payment
}

// SetPaymentsUnavailable makes the payment calls fail with 503
// payment_service_unavailable (an open breaker) while on is true.
func (h *Harness) SetPaymentsUnavailable(on bool) {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	h.host.paymentsDown = on
}

// Payments returns the payments of every company, in creation order.
func (h *Harness) Payments() []sdk.Payment {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	out := make([]sdk.Payment, 0, len(h.host.payments))
	for _, p := range h.host.payments {
		out = append(out, toPayment(p.p))
	}
	return out
}

// SettlePayment moves payment id to status as the provider would and
// returns the host.payment.<status> event the host publishes for it.
func (h *Harness) SettlePayment(id, status string) sdk.Event {
	h.t.Helper()
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	for _, p := range h.host.payments {
		if p.p.GetId() != id {
			continue
		}
		p.p.Status, p.p.StatusDetail = status, status
		if status == sdk.PaymentApproved {
			p.p.FeeAmount = decimal.RequireFromString(p.p.GetAmount()).Mul(paymentFeeRate).Round(2).String()
		}
		p.p.UpdatedAtUnixNano = time.Now().UnixNano()
		return paymentEvent(p, "host.payment."+status)
	}
	h.t.Fatalf("sdktest: no payment %s", id)
	return sdk.Event{}
}

func toPayment(p *nexusv1.Payment) sdk.Payment {
	d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	out := sdk.Payment{ID: p.GetId(), DocumentID: p.GetDocumentId(), Method: p.GetMethod(), Status: p.GetStatus(),
		StatusDetail: p.GetStatusDetail(), Amount: d(p.GetAmount()), Currency: p.GetCurrency(), FeeAmount: d(p.GetFeeAmount()),
		RefundedAmount: d(p.GetRefundedAmount()), ProviderPaymentID: p.GetProviderPaymentId(), QRData: p.GetQrData(),
		CreatedAt: time.Unix(0, p.GetCreatedAtUnixNano()).UTC(), UpdatedAt: time.Unix(0, p.GetUpdatedAtUnixNano()).UTC()}
	if p.GetExpiresAtUnixNano() != 0 {
		out.ExpiresAt = time.Unix(0, p.GetExpiresAtUnixNano()).UTC()
	}
	return out
}

func paymentEvent(p *payment, topic string) sdk.Event {
	x := p.p
	amount, fee, refunded := decimal.RequireFromString(x.GetAmount()), decimal.RequireFromString(x.GetFeeAmount()), decimal.RequireFromString(x.GetRefundedAmount())
	payload, _ := json.Marshal(sdk.PaymentEvent{PaymentID: x.GetId(), Vertical: p.vertical, DocumentID: x.GetDocumentId(), Method: x.GetMethod(),
		Status: x.GetStatus(), StatusDetail: x.GetStatusDetail(), Amount: amount, Currency: x.GetCurrency(), FeeAmount: fee,
		RefundedAmount: refunded, NetAmount: amount.Sub(fee).Sub(refunded), ProviderPaymentID: x.GetProviderPaymentId()})
	return sdk.Event{ID: uuid.NewString(), Topic: topic, CompanyID: p.company, Payload: payload, OccurredAt: time.Now(), SchemaVersion: 1}
}

// CreatePayment implements nexusv1.HostClient.
func (h *host) CreatePayment(ctx context.Context, in *nexusv1.CreatePaymentRequest, _ ...grpc.CallOption) (*nexusv1.PaymentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	amount, err := decimal.NewFromString(in.GetAmount())
	switch {
	case err != nil || !amount.IsPositive():
		return nil, rpcError(kind.Unprocessable, "invalid_payment", "amount must be positive")
	case in.GetMethod() != sdk.PaymentCard && in.GetMethod() != sdk.PaymentQR:
		return nil, rpcError(kind.Unprocessable, "invalid_payment", "method must be card or qr")
	case in.GetIdempotencyKey() == "" || in.GetDocumentId() == "":
		return nil, rpcError(kind.Unprocessable, "invalid_payment", "document_id and idempotency_key are required")
	case in.GetMethod() == sdk.PaymentCard && in.GetCardToken() == "":
		return nil, rpcError(kind.Unprocessable, "invalid_payment", "a card payment needs the card token the POS created")
	}
	hash := strings.Join([]string{in.GetDocumentId(), in.GetMethod(), amount.String(), in.GetCurrency(), in.GetCardToken()}, "|")
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.paymentsDown {
		return nil, rpcError(kind.Unavailable, "payment_service_unavailable", "Mercado Pago is failing for this company")
	}
	for _, p := range h.payments {
		if p.company == cl.principal.CompanyID && p.vertical == h.vertical && p.key == in.GetIdempotencyKey() {
			if p.hash != hash {
				return nil, rpcError(kind.Conflict, "idempotency_key_reused", "this idempotency key was used for another payment request")
			}
			return &nexusv1.PaymentResponse{Payment: p.p}, nil
		}
	}
	now := time.Now()
	x := &nexusv1.Payment{Id: uuid.NewString(), DocumentId: in.GetDocumentId(), Method: in.GetMethod(), Status: sdk.PaymentPending,
		Amount: amount.String(), Currency: in.GetCurrency(), FeeAmount: "0", RefundedAmount: "0",
		CreatedAtUnixNano: now.UnixNano(), UpdatedAtUnixNano: now.UnixNano()}
	if in.GetMethod() == sdk.PaymentQR {
		x.QrData = "00020101021243650016COM.MERCADOLIBRE0201306" + x.Id
		x.ExpiresAtUnixNano = now.Add(10 * time.Minute).UnixNano()
	} else {
		x.ProviderPaymentId = uuid.NewString()
		switch tk := in.GetCardToken(); {
		case strings.HasPrefix(tk, TokenApproved):
			x.Status, x.StatusDetail = sdk.PaymentApproved, "accredited"
			x.FeeAmount = amount.Mul(paymentFeeRate).Round(2).String()
		case strings.HasPrefix(tk, TokenRejected):
			x.Status, x.StatusDetail = sdk.PaymentRejected, "cc_rejected_other_reason"
		case strings.HasPrefix(tk, TokenPending):
			x.Status, x.StatusDetail = sdk.PaymentInProcess, "pending_contingency"
		default:
			return nil, rpcError(kind.Unprocessable, "payment_refused", "Mercado Pago refused the request: Card Token not found")
		}
	}
	h.payments = append(h.payments, &payment{company: cl.principal.CompanyID, vertical: h.vertical, key: in.GetIdempotencyKey(), hash: hash, p: x})
	return &nexusv1.PaymentResponse{Payment: x}, nil
}

// lookupPayment finds one of the vertical's payments of the call's
// company; h.mu is held.
func (h *host) lookupPayment(cl *call, id string) (*payment, error) {
	for _, p := range h.payments {
		if p.p.GetId() == id && p.company == cl.principal.CompanyID && p.vertical == h.vertical {
			return p, nil
		}
	}
	return nil, rpcError(kind.NotFound, "payment_not_found", "payment not found")
}

// GetPayment implements nexusv1.HostClient.
func (h *host) GetPayment(ctx context.Context, in *nexusv1.GetPaymentRequest, _ ...grpc.CallOption) (*nexusv1.PaymentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.lookupPayment(cl, in.GetId())
	if err != nil {
		return nil, err
	}
	return &nexusv1.PaymentResponse{Payment: p.p}, nil
}

// RefundPayment implements nexusv1.HostClient.
func (h *host) RefundPayment(ctx context.Context, in *nexusv1.RefundPaymentRequest, _ ...grpc.CallOption) (*nexusv1.PaymentResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, err := h.lookupPayment(cl, in.GetId())
	if err != nil {
		return nil, err
	}
	if in.GetIdempotencyKey() == "" {
		return nil, rpcError(kind.Unprocessable, "invalid_payment", "idempotency_key is required")
	}
	if made, ok := h.refundKeys[p.p.GetId()+"|"+in.GetIdempotencyKey()]; ok {
		asked, err := decimal.NewFromString(in.GetAmount())
		if in.GetAmount() == "" && p.p.GetStatus() != sdk.PaymentRefunded || in.GetAmount() != "" && (err != nil || !asked.Equal(made)) {
			return nil, rpcError(kind.Conflict, "idempotency_key_reused", "this idempotency key was used for another refund of this payment ("+made.String()+")")
		}
		return &nexusv1.PaymentResponse{Payment: p.p}, nil
	}
	if p.p.GetStatus() != sdk.PaymentApproved {
		return nil, rpcError(kind.Conflict, "payment_not_refundable", "a payment in status "+p.p.GetStatus()+" cannot be refunded")
	}
	total, refunded := decimal.RequireFromString(p.p.GetAmount()), decimal.RequireFromString(p.p.GetRefundedAmount())
	amount := total.Sub(refunded)
	if in.GetAmount() != "" {
		a, err := decimal.NewFromString(in.GetAmount())
		if err != nil || !a.IsPositive() {
			return nil, rpcError(kind.Unprocessable, "invalid_payment", "a refund amount must be positive")
		}
		if a.GreaterThan(amount) {
			return nil, rpcError(kind.Unprocessable, "refund_exceeds_payment", "the refund exceeds what is left of the payment")
		}
		amount = a
	}
	refunded = refunded.Add(amount)
	p.p.RefundedAmount = refunded.String()
	if refunded.Equal(total) {
		p.p.Status, p.p.StatusDetail = sdk.PaymentRefunded, "refunded"
	}
	p.p.UpdatedAtUnixNano = time.Now().UnixNano()
	h.refundKeys[p.p.GetId()+"|"+in.GetIdempotencyKey()] = amount
	return &nexusv1.PaymentResponse{Payment: p.p}, nil
}
