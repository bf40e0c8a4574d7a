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
	link := paymentLink(sdk.Payment{ID: p.PaymentID, ProviderPaymentID: p.ProviderPaymentID, FeeAmount: p.FeeAmount})
	b = c.DB().Batch()
	b.Transition("sales", s.ID, eventPaymentOK, "Mercado Pago payment "+p.ProviderPaymentID, nil)
	for _, pay := range pays {
		b.Update("payments", pay.ID, link)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("payment approved: %w", err)
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
	var (
		sales []lockedSale
		lines []saleLineRow
	)
	b := c.DB().Batch()
	b.Query(qSaleForUpdate, &sales, p.DocumentID)
	b.List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", p.DocumentID)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &lines)
	if err := b.Run(); err != nil {
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
	led := newLedger(c, e, "sale", s.ID, now())
	led.reason = &reason
	for _, l := range lines {
		led.add(KindVoid, l.VariantID, s.LocationID, l.Quantity, l.UnitCost)
	}
	b = c.DB().Batch()
	b.Transition("sales", s.ID, eventPaymentFailed, reason, nil)
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("payment failed: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	return c.Audit("cpg.sale.payment_failed", "sale:"+s.ID, map[string]any{"payment_id": p.PaymentID, "status": p.Status,
		"status_detail": p.StatusDetail, "total": s.Total.String()})
}
