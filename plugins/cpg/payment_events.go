package cpg

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
)

// Sales waiting for Mercado Pago follow the host's payment events
// (host.payment.*): an approved payment completes its sale, a rejected or
// cancelled one (an unpaid QR order expires as cancelled) voids it and
// brings its stock back. Events of other verticals' payments, of sales
// no longer pending, and other statuses change nothing.
//
// Every sale belongs to an open cash session, and a closed session's
// figures are final. A payment approved after its sale's session closed
// (a QR paid late, a card decided late) so completes the sale in the
// session open now on the same register, where the money arrives: the
// sale and its tenders move there (audited cpg.sale.session_moved), and
// the closed session stays as it was closed. With no session open on that
// register, the sale cannot be completed: it is voided, its stock comes
// back, and the payment is refunded in full through Mercado Pago
// (mp_refunds.go), audited cpg.sale.late_payment_refunded.

// paymentSubscription is the vertical's subscription to payment events.
var paymentSubscription = sdk.Subscription{Name: subscriptionPayment, Pattern: sdk.PaymentTopics, Handler: handlePayment}

func handlePayment(c *sdk.Context, ev sdk.Event) error {
	p, err := sdk.ParsePaymentEvent(ev)
	if err != nil {
		return err
	}
	if p.Vertical != Name || uuid.Validate(p.DocumentID) != nil {
		return nil
	}
	switch ev.Topic {
	case "host.payment." + sdk.PaymentApproved:
		return completeCharged(c, p)
	case "host.payment." + sdk.PaymentRejected, "host.payment." + sdk.PaymentCancelled:
		return releaseCharged(c, p)
	}
	return nil
}

// completeCharged completes the sale an approved payment pays.
func completeCharged(c *sdk.Context, p sdk.PaymentEvent) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var (
		sales []lockedSale
		pays  []paymentRow
	)
	b := c.DB().Batch()
	b.Query(qSaleForUpdate, &sales, p.DocumentID)
	b.List("payments", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", p.DocumentID), sdk.Eq("host_payment_id", p.PaymentID)}, Limit: 20}, &pays)
	if err := b.Run(); err != nil {
		return fmt.Errorf("payment approved: %w", err)
	}
	if len(sales) == 0 {
		// The checkout that asked for it has not committed yet (or failed
		// after the provider took the money): retried, then parked for an
		// operator.
		return fmt.Errorf("payment %s approved for sale %s, which does not exist", p.PaymentID, p.DocumentID)
	}
	s := sales[0]
	if s.Status != SalePendingPayment {
		return nil
	}
	moveTo := ""
	if s.SessionStatus != SessionOpen {
		var open []sessionState
		if err := c.DB().Query(qOpenSessionOfSale, &open, s.ID); err != nil {
			return fmt.Errorf("payment approved: %w", err)
		}
		if len(open) == 0 {
			return refundLate(c, e, s, p)
		}
		moveTo = open[0].ID
	}
	link := paymentLink(sdk.Payment{ID: p.PaymentID, ProviderPaymentID: p.ProviderPaymentID, FeeAmount: p.FeeAmount})
	b = c.DB().Batch()
	b.Transition("sales", s.ID, eventPaymentOK, "Mercado Pago payment "+p.ProviderPaymentID, nil)
	for _, pay := range pays {
		b.Update("payments", pay.ID, link)
	}
	if moveTo != "" {
		moveSale(b, s.ID, moveTo)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("payment approved: %w", err)
	}
	if moveTo != "" {
		if err := c.Audit("cpg.sale.session_moved", "sale:"+s.ID, map[string]any{"from": s.SessionID, "to": moveTo,
			"payment_id": p.PaymentID, "reason": "payment approved after its session closed"}); err != nil {
			return fmt.Errorf("payment approved: %w", err)
		}
	}
	return publishSaleCreated(c, saleRow{ID: s.ID, LocationID: s.LocationID, Total: s.Total, Currency: e.currency.Code, OccurredAt: s.OccurredAt})
}

// releaseCharged voids the sale a failed payment was for and brings its
// stock back.
func releaseCharged(c *sdk.Context, p sdk.PaymentEvent) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var sales []lockedSale
	if err := c.DB().Query(qSaleForUpdate, &sales, p.DocumentID); err != nil {
		return fmt.Errorf("payment failed: %w", err)
	}
	if len(sales) == 0 || sales[0].Status != SalePendingPayment {
		return nil
	}
	s := sales[0]
	reason := "Mercado Pago payment " + p.Status
	if p.StatusDetail != "" {
		reason += " (" + p.StatusDetail + ")"
	}
	if err := voidPending(c, e, s, reason); err != nil {
		return err
	}
	return c.Audit("cpg.sale.payment_failed", "sale:"+s.ID, map[string]any{"payment_id": p.PaymentID, "status": p.Status,
		"status_detail": p.StatusDetail, "total": s.Total.String()})
}

// voidPending voids s, a sale waiting for its payment (locked by the
// caller), for reason, and brings its stock back.
func voidPending(c *sdk.Context, e *env, s lockedSale, reason string) error {
	var lines []saleLineRow
	if _, err := c.DB().List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", s.ID)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &lines); err != nil {
		return fmt.Errorf("void pending sale: %w", err)
	}
	led := newLedger(c, e, "sale", s.ID, now())
	led.reason = &reason
	for _, l := range lines {
		led.add(KindVoid, l.VariantID, s.LocationID, l.Quantity, l.UnitCost)
	}
	b := c.DB().Batch()
	b.Transition("sales", s.ID, eventPaymentFailed, reason, nil)
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("void pending sale: %w", err)
	}
	return stockOK()
}

// moveSale queues the move of a sale and all its tenders to session to.
func moveSale(b *sdk.Batch, saleID, to string) {
	b.Update("sales", saleID, map[string]any{"session_id": to})
	b.Query(qMoveSalePayments, nil, saleID, to)
}

// refundLate voids sale s, whose payment p was approved when no session
// was open on its register, brings its stock back, and refunds p in full
// through Mercado Pago once that is committed.
func refundLate(c *sdk.Context, e *env, s lockedSale, p sdk.PaymentEvent) error {
	if err := voidPending(c, e, s, "Mercado Pago payment approved after the cash session closed: refunded"); err != nil {
		return err
	}
	refund := mpRefundRow{ID: uuid.NewString(), SaleID: s.ID, HostPaymentID: p.PaymentID, Amount: p.Amount,
		IdempotencyKey: "cpg-late-" + s.ID, Status: RefundPending}
	if err := c.DB().Insert("mp_refunds", refund); err != nil {
		return fmt.Errorf("late payment: %w", err)
	}
	if err := requestRefunds(c, []mpRefundRow{refund}); err != nil {
		return err
	}
	return c.Audit("cpg.sale.late_payment_refunded", "sale:"+s.ID, map[string]any{"payment_id": p.PaymentID, "session_id": s.SessionID,
		"amount": p.Amount.String(), "total": s.Total.String()})
}
