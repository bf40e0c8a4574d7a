package cpg

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// Refunds through Mercado Pago are sent after the unit of work that
// decides them commits, never inside it: a return (or a payment approved
// too late for its sale, payment_events.go) writes each refund pending in
// mp_refunds and publishes TopicMPRefundRequested in the same unit of
// work. The event reaches sendRefunds only once that committed; it asks
// the host's payment service for each refund under the row's idempotency
// key — holding no row lock and no open transaction while Mercado Pago
// answers — then marks the row refunded, or failed with the host's
// refusal (audited, for someone to refund by another method). A refund
// the provider could not be asked for (an outage, the breaker open) stays
// pending, and so does one whose event a crash lost: the job
// refundJob publishes the pending ones again, and their keys make a
// second sending refund nothing twice.

// Refund states of mp_refunds.
const (
	RefundPending  = "pending"
	RefundRefunded = "refunded"
	RefundFailed   = "failed"
)

// TopicMPRefundRequested asks the vertical itself to send refunds
// (mpRefundOrder) through the host's payment service.
const TopicMPRefundRequested = "cpg.mercadopago.refund_requested"

// refundBatch bounds the pending refunds one job run sends again.
const refundBatch = 100

// mpRefundRow is a row of mp_refunds.
type mpRefundRow struct {
	ID             string          `json:"id"`
	SaleID         string          `json:"sale_id"`
	ReturnID       *string         `json:"return_id"`
	PaymentID      *string         `json:"payment_id"`
	HostPaymentID  string          `json:"host_payment_id"`
	Amount         decimal.Decimal `json:"amount"`
	IdempotencyKey string          `json:"idempotency_key"`
	Status         string          `json:"status"`
	ErrorCode      *string         `json:"error_code,omitempty"`
}

// mpRefundOrder is the payload of TopicMPRefundRequested.
type mpRefundOrder struct {
	Refunds []mpRefundRow `json:"refunds"`
}

// refundSubscription sends the refunds the vertical asked for.
var refundSubscription = sdk.Subscription{Name: subscriptionRefunds, Pattern: TopicMPRefundRequested, Handler: sendRefunds}

// refundJob sends again the refunds left pending.
var refundJob = sdk.Job{
	Name: "send_mercadopago_refunds", Schedule: "@every 1m", PerCompany: true,
	Summary: "Send again the Mercado Pago refunds left pending (an outage, or a crash before they were sent)",
	Handler: func(c *sdk.Context, _ sdk.JobRun) error {
		var due []mpRefundRow
		if err := c.DB().Query(qMPRefundsPending, &due, refundBatch); err != nil {
			return fmt.Errorf("pending refunds: %w", err)
		}
		return requestRefunds(c, due)
	},
}

// planMPRefunds are the refunds through Mercado Pago of return returnID of
// sale saleID: each mercadopago refund goes to the sale's charged tenders
// (in their order, each up to what is left of it after earlier returns).
// The return's refund rows (refunds, in plan.refunds' order) get the host
// payment they go to. A mercadopago refund of a sale whose tender was only
// recorded (not charged through the host) is recorded, as before, and
// sent nowhere.
func planMPRefunds(plan *returnPlan, saleID, returnID string, refunds []paymentRow) []mpRefundRow {
	left := map[string]decimal.Decimal{}
	var charged []paymentRow
	for _, p := range plan.pays {
		if p.HostPaymentID == nil || p.Method != MethodMercadoPago {
			continue
		}
		if p.ReturnID == nil {
			charged = append(charged, p)
		}
		left[*p.HostPaymentID] = left[*p.HostPaymentID].Add(p.Amount)
	}
	var out []mpRefundRow
	for i, r := range plan.refunds {
		if r.Method != MethodMercadoPago {
			continue
		}
		want := r.Amount
		for _, p := range charged {
			id := *p.HostPaymentID
			amount := decimal.Min(want, left[id])
			if !amount.IsPositive() {
				continue
			}
			out = append(out, mpRefundRow{ID: uuid.NewString(), SaleID: saleID, ReturnID: &returnID, PaymentID: &refunds[i].ID,
				HostPaymentID: id, Amount: amount, IdempotencyKey: refundKey(returnID, len(out)+1), Status: RefundPending})
			left[id] = left[id].Sub(amount)
			want = want.Sub(amount)
			refunds[i].HostPaymentID = &id
			if !want.IsPositive() {
				break
			}
		}
	}
	return out
}

// refundKey is the idempotency key of return returnID's nth refund
// through Mercado Pago. The return is committed before its refunds are
// sent, and every sending of them reads the key from their row: the key
// is the return's, whoever sends it and however often.
func refundKey(returnID string, n int) string {
	return fmt.Sprintf("cpg-return-%s-%d", returnID, n)
}

// requestRefunds publishes the order to send refunds, delivered once the
// caller's unit of work (which wrote them pending) commits.
func requestRefunds(c *sdk.Context, refunds []mpRefundRow) error {
	if len(refunds) == 0 {
		return nil
	}
	if _, err := c.Events().Publish(TopicMPRefundRequested, mpRefundOrder{Refunds: refunds}); err != nil {
		return fmt.Errorf("request refunds: %w", err)
	}
	return nil
}

// sendRefunds handles TopicMPRefundRequested: each refund is asked of the
// host before anything is read or written here, then the rows are settled
// (those still pending: a second delivery changes nothing).
func sendRefunds(c *sdk.Context, ev sdk.Event) error {
	var order mpRefundOrder
	if err := json.Unmarshal(ev.Payload, &order); err != nil {
		return fmt.Errorf("refund order %s: %w", ev.ID, err)
	}
	var settled []mpRefundRow
	for _, r := range order.Refunds {
		amount := r.Amount
		_, err := c.RefundPayment(r.HostPaymentID, &amount, r.IdempotencyKey)
		code, refused := refusal(err)
		if err != nil && !refused {
			// Not known to be refunded or refused: pending for the job.
			c.Logger().Warn("mercadopago refund left pending", "refund_id", r.ID, "sale_id", r.SaleID, "error", err)
			break
		}
		r.Status, r.ErrorCode = RefundRefunded, nil
		if refused {
			r.Status, r.ErrorCode = RefundFailed, &code
		}
		settled = append(settled, r)
	}
	if len(settled) == 0 {
		return nil
	}
	b := c.DB().Batch()
	results := make([]*sdk.Result, len(settled))
	for i, r := range settled {
		results[i] = b.Query(qMPRefundSettle, nil, r.ID, r.Status, r.ErrorCode)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("settle refunds: %w", err)
	}
	for i, r := range settled {
		if r.Status != RefundFailed || results[i].Affected == 0 {
			continue
		}
		if err := c.Audit("cpg.mercadopago.refund_failed", "sale:"+r.SaleID, map[string]any{"refund_id": r.ID, "return_id": r.ReturnID,
			"payment_id": r.HostPaymentID, "amount": r.Amount.String(), "error_code": *r.ErrorCode}); err != nil {
			return fmt.Errorf("settle refunds: %w", err)
		}
	}
	return nil
}

// refusal reports whether err is the host's definite refusal of a refund
// (a 4xx other than a timeout, a rate limit or a cancellation), and its
// code; anything else leaves the refund's outcome unknown.
func refusal(err error) (string, bool) {
	var e *sdk.Error
	if err == nil || !errors.As(err, &e) {
		return "", false
	}
	switch s := e.Kind.Status(); {
	case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s == 499:
		return "", false
	case s >= 400 && s < 500:
		return e.Code, true
	}
	return "", false
}
