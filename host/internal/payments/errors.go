package payments

import (
	"fmt"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
)

// errInvalid is a 422 about one input field.
func errInvalid(field, format string, args ...any) *httpx.Error {
	return httpx.Unprocessable("invalid_payment", fmt.Sprintf(format, args...)).WithDetails(map[string]any{"field": field})
}

func errNotConfigured() *httpx.Error {
	return httpx.Unprocessable("payments_not_configured", "Mercado Pago is not configured for this company")
}

func errMethodOff(method string) *httpx.Error {
	return httpx.Unprocessable("payment_method_disabled", "payment method "+method+" is not enabled for this company").
		WithDetails(map[string]any{"field": "method", "method": method})
}

func errCredentialMissing(name string) *httpx.Error {
	return httpx.Unprocessable("payments_not_configured", "the Mercado Pago "+name+" is not set for this company").
		WithDetails(map[string]any{"secret": name})
}

func errPaymentNotFound() *httpx.Error {
	return httpx.NotFound("payment_not_found", "payment not found")
}

func errIdempotencyMismatch() *httpx.Error {
	return httpx.Conflict("idempotency_key_reused", "this idempotency key was used for another payment request")
}

// errRefundKeyReused refuses a refund asked under the key of another one
// (of amount made).
func errRefundKeyReused(made string) *httpx.Error {
	return httpx.Conflict("idempotency_key_reused", "this idempotency key was used for another refund of this payment ("+made+")").
		WithDetails(map[string]any{"field": "idempotency_key", "refunded": made})
}

func errRefundNotAllowed(status string) *httpx.Error {
	return httpx.Conflict("payment_not_refundable", "a payment in status "+status+" cannot be refunded").
		WithDetails(map[string]any{"status": status})
}

func errRefundTooLarge(left string) *httpx.Error {
	return httpx.Unprocessable("refund_exceeds_payment", "the refund exceeds what is left of the payment ("+left+")").
		WithDetails(map[string]any{"field": "amount", "refundable": left})
}

// errUnavailable is the answer while the company's breaker is open.
func errUnavailable() *httpx.Error {
	return httpx.Unavailable("payment_service_unavailable", "Mercado Pago is failing for this company; try again shortly or take another tender")
}

func errWebhookSignature(reason string) *httpx.Error {
	return httpx.NewError(kind.Unauthenticated, "invalid_signature", "webhook signature rejected: "+reason)
}

func errWebhookNotFound() *httpx.Error {
	return httpx.NotFound("webhook_not_found", "no such webhook")
}
