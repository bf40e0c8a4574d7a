package hostsvc

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/payments"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Payments is the payment service the callbacks reach (payments.Service).
type Payments interface {
	Create(ctx context.Context, in payments.CreateInput) (payments.Payment, error)
	Get(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID) (payments.Payment, error)
	Refund(ctx context.Context, in payments.RefundInput) (payments.Payment, error)
}

// paymentCall returns the call of a payment callback: one with a company,
// on a host that has payments.
func (h *Service) paymentCall(ctx context.Context) (*Call, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if h.payments == nil {
		return nil, rpcError(kind.Unavailable, "payments_unavailable", "the host runs without payments")
	}
	if cl.principal.CompanyID == uuid.Nil {
		return nil, rpcError(kind.Unprocessable, "company_required", "payments belong to a company; this call has none")
	}
	return cl, nil
}

// paymentCallOn is paymentCall for a call about one payment: its id, a
// malformed one being a payment that does not exist.
func (h *Service) paymentCallOn(ctx context.Context, rawID string) (*Call, uuid.UUID, error) {
	cl, err := h.paymentCall(ctx)
	if err != nil {
		return nil, uuid.Nil, err
	}
	id, err := uuid.Parse(rawID)
	if err != nil {
		return nil, uuid.Nil, rpcError(kind.NotFound, "payment_not_found", "payment not found")
	}
	return cl, id, nil
}

// paymentAmount reads an amount a vertical sent (the service checks its
// range and decimals).
func paymentAmount(s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return d, rpcError(kind.Unprocessable, "invalid_payment", "amount must be a decimal string")
	}
	return d, nil
}

// actor is who a call acts for, in the audit log.
func (cl *Call) actor() audit.Actor {
	if cl.principal.UserID != uuid.Nil {
		return cl.principal.AuditActor()
	}
	return audit.Actor{Kind: audit.ActorSystem}
}

// CreatePayment implements nexusv1.HostServer.
func (h *Service) CreatePayment(ctx context.Context, req *nexusv1.CreatePaymentRequest) (*nexusv1.PaymentResponse, error) {
	cl, err := h.paymentCall(ctx)
	if err != nil {
		return nil, err
	}
	amount, err := paymentAmount(req.GetAmount())
	if err != nil {
		return nil, err
	}
	p, err := h.payments.Create(ctx, payments.CreateInput{
		CompanyID: cl.principal.CompanyID, Vertical: h.vertical, DocumentID: req.GetDocumentId(), Method: req.GetMethod(),
		Amount: amount, Currency: req.GetCurrency(), IdempotencyKey: req.GetIdempotencyKey(), Description: req.GetDescription(),
		CardToken: req.GetCardToken(), PaymentMethodID: req.GetPaymentMethodId(), IssuerID: req.GetIssuerId(),
		Installments: int(req.GetInstallments()), PayerEmail: req.GetPayerEmail(), Actor: cl.actor(),
	})
	return h.paymentAnswer(cl, p, err)
}

// GetPayment implements nexusv1.HostServer.
func (h *Service) GetPayment(ctx context.Context, req *nexusv1.GetPaymentRequest) (*nexusv1.PaymentResponse, error) {
	cl, id, err := h.paymentCallOn(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	p, err := h.payments.Get(ctx, cl.principal.CompanyID, h.vertical, id)
	return h.paymentAnswer(cl, p, err)
}

// RefundPayment implements nexusv1.HostServer.
func (h *Service) RefundPayment(ctx context.Context, req *nexusv1.RefundPaymentRequest) (*nexusv1.PaymentResponse, error) {
	cl, id, err := h.paymentCallOn(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	in := payments.RefundInput{CompanyID: cl.principal.CompanyID, Vertical: h.vertical, PaymentID: id,
		IdempotencyKey: req.GetIdempotencyKey(), Actor: cl.actor()}
	if req.GetAmount() != "" {
		amount, err := paymentAmount(req.GetAmount())
		if err != nil {
			return nil, err
		}
		in.Amount = &amount
	}
	p, err := h.payments.Refund(ctx, in)
	return h.paymentAnswer(cl, p, err)
}

// paymentAnswer converts a payment service answer: client errors keep
// their kind and code, others are logged and internal.
func (h *Service) paymentAnswer(cl *Call, p payments.Payment, err error) (*nexusv1.PaymentResponse, error) {
	if err != nil {
		var he *httpx.Error
		if !errors.As(err, &he) || he.Kind == kind.Internal {
			h.log.Error("payment call failed", "request_id", cl.requestID, "error", err)
		}
		return nil, statusOf(err)
	}
	return &nexusv1.PaymentResponse{Payment: PaymentProto(p)}, nil
}

// PaymentProto is p on the wire.
func PaymentProto(p payments.Payment) *nexusv1.Payment {
	out := &nexusv1.Payment{
		Id: p.ID.String(), DocumentId: p.DocumentID, Method: p.Method, Status: p.Status, StatusDetail: p.StatusDetail,
		Amount: p.Amount.String(), Currency: p.Currency, FeeAmount: p.FeeAmount.String(), RefundedAmount: p.RefundedAmount.String(),
		ProviderPaymentId: p.ProviderPaymentID, QrData: p.QRData,
		CreatedAtUnixNano: p.CreatedAt.UnixNano(), UpdatedAtUnixNano: p.UpdatedAt.UnixNano(),
	}
	if p.ExpiresAt != nil {
		out.ExpiresAtUnixNano = p.ExpiresAt.UnixNano()
	}
	return out
}
