package cpg

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Mercado Pago tenders. A checkout's mercadopago tender carrying
// "mercadopago" details is charged through the host's payment service: the
// sale is written with its stock taken, in status pending_payment, and
// the answer is 202 with what the POS shows (the QR to scan, or a card
// payment still in process). The host's payment events finish it: on
// approval the sale completes and cpg.sale.created is published; on
// rejection or expiry it is voided and its stock comes back. A card the
// provider approves at once completes the sale in the checkout itself
// (201); one it rejects at once fails the checkout (422 payment_rejected),
// leaving nothing. A mercadopago tender without details is recorded as
// taken on a terminal of its own, as before.

// Sale states and events of a payment in progress.
const (
	SalePendingPayment  = "pending_payment"
	eventAwaitPayment   = "await_payment"
	eventPaymentOK      = "payment_approved"
	eventPaymentFailed  = "payment_failed"
	subscriptionPayment = "payments"
	subscriptionRefunds = "mercadopago_refunds"
)

// mpTenderInput is the "mercadopago" object of a tender: how to charge it.
type mpTenderInput struct {
	// Method is card (CardToken from Mercado Pago's card form in the POS)
	// or qr (an in-store QR order).
	Method          string `json:"method"`
	CardToken       string `json:"card_token"`
	PaymentMethodID string `json:"payment_method_id"`
	IssuerID        string `json:"issuer_id"`
	Installments    int    `json:"installments"`
	PayerEmail      string `json:"payer_email"`
}

// checkMPTender validates a tender's mercadopago details; before are the
// tenders ahead of it.
func checkMPTender(field string, p paymentInput, before []tender) error {
	f := field + ".mercadopago"
	switch {
	case p.Method != MethodMercadoPago:
		return sdk.InvalidField(f, "only a mercadopago tender takes mercadopago details")
	case p.MP.Method != sdk.PaymentCard && p.MP.Method != sdk.PaymentQR:
		return sdk.InvalidField(f+".method", "must be card or qr, got %q", p.MP.Method)
	case p.MP.Method == sdk.PaymentCard && p.MP.CardToken == "":
		return sdk.InvalidField(f+".card_token", "a card payment needs the card token of Mercado Pago's card form")
	case p.MP.Installments < 0 || p.MP.Installments > 72:
		return sdk.InvalidField(f+".installments", "must be 1 to 72")
	}
	for _, t := range before {
		if t.mp != nil {
			return sdk.InvalidField(f, "a checkout charges at most one tender through Mercado Pago")
		}
	}
	return nil
}

// chargedTender returns the index of the tender charged through Mercado
// Pago, or -1.
func chargedTender(tenders []tender) int {
	for i, t := range tenders {
		if t.mp != nil {
			return i
		}
	}
	return -1
}

// saleIDNamespace derives a sale's id from a checkout's Idempotency-Key.
var saleIDNamespace = uuid.MustParse("4f1b6a52-9a43-4d5e-8b1e-2f0c6d7e9a10")

// chargedSaleID is the id of a sale charged through Mercado Pago: derived
// from the request's Idempotency-Key when it has one, so a retry after an
// unknown outcome names the same sale, and the host answers the same
// payment instead of charging twice.
func chargedSaleID(c *sdk.Context) (id, key string) {
	key = c.Header("Idempotency-Key")
	if key == "" {
		id = uuid.NewString()
		return id, "cpg-sale-" + id
	}
	return uuid.NewSHA1(saleIDNamespace, []byte(c.Company().ID+"\x00"+key)).String(), key
}

// mpPaymentView is the payment a checkout answers for the POS to show.
type mpPaymentView struct {
	ID                string       `json:"id"`
	Status            string       `json:"status"`
	StatusDetail      string       `json:"status_detail"`
	Method            string       `json:"method"`
	Amount            money.Amount `json:"amount"`
	ProviderPaymentID string       `json:"provider_payment_id,omitempty"`
	QRData            string       `json:"qr_data,omitempty"`
	ExpiresAt         *time.Time   `json:"expires_at,omitempty"`
}

func viewMPPayment(p sdk.Payment) mpPaymentView {
	v := mpPaymentView{ID: p.ID, Status: p.Status, StatusDetail: p.StatusDetail, Method: p.Method, Amount: money.AmountOf(p.Amount),
		ProviderPaymentID: p.ProviderPaymentID, QRData: p.QRData}
	if !p.ExpiresAt.IsZero() {
		v.ExpiresAt = &p.ExpiresAt
	}
	return v
}

// chargeSale charges tender i of a checkout whose sale (pending_payment,
// stock taken) is written in the unit of work, and answers the checkout.
func chargeSale(c *sdk.Context, e *env, sale *saleRow, key string, lineRows []saleLineRow, payRows []paymentRow, i int, t tender) error {
	pay, err := c.CreatePayment(sdk.PaymentRequest{
		DocumentID: sale.ID, Method: t.mp.Method, Amount: t.Amount, Currency: sale.Currency, IdempotencyKey: key,
		Description: "Sale " + sale.ID[:8], CardToken: t.mp.CardToken, PaymentMethodID: t.mp.PaymentMethodID,
		IssuerID: t.mp.IssuerID, Installments: t.mp.Installments, PayerEmail: t.mp.PayerEmail,
	})
	if err != nil {
		return err
	}
	switch pay.Status {
	case sdk.PaymentRejected, sdk.PaymentCancelled:
		return sdk.Unprocessable("payment_rejected", "Mercado Pago rejected the payment ("+pay.StatusDetail+"): take another tender").
			WithDetails(map[string]any{"field": fmt.Sprintf("payments[%d]", i), "status": pay.Status, "status_detail": pay.StatusDetail, "payment_id": pay.ID})
	}
	b := c.DB().Batch()
	b.Update("payments", payRows[i].ID, paymentLink(pay))
	if pay.Status != sdk.PaymentApproved {
		if err := b.Run(); err != nil {
			return fmt.Errorf("checkout: %w", err)
		}
		sale.Status = SalePendingPayment
		view := e.saleView(*sale, lineRows, payRows, nil)
		return c.JSON(http.StatusAccepted, map[string]any{"sale": view, "payment": viewMPPayment(pay)})
	}
	b.Transition("sales", sale.ID, eventPaymentOK, "Mercado Pago payment "+pay.ProviderPaymentID, nil)
	if err := b.Run(); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	if err := publishSaleCreated(c, *sale); err != nil {
		return err
	}
	sale.Status = SaleCompleted
	return c.JSON(http.StatusCreated, map[string]any{"sale": e.saleView(*sale, lineRows, payRows, nil), "payment": viewMPPayment(pay)})
}

// paymentLink is what a point-of-sale payment keeps of the host's payment:
// its id, the provider's id (the reference bank reconciliation matches)
// and the provider's fee.
func paymentLink(p sdk.Payment) map[string]any {
	link := map[string]any{"host_payment_id": p.ID, "fee": p.FeeAmount}
	if p.ProviderPaymentID != "" {
		link["provider_payment_id"] = p.ProviderPaymentID
		link["reference"] = p.ProviderPaymentID
	}
	return link
}

// publishSaleCreated publishes cpg.sale.created for a completed sale.
func publishSaleCreated(c *sdk.Context, sale saleRow) error {
	if _, err := c.Events().Publish(TopicSaleCreated, map[string]string{
		"sale_id": sale.ID, "location_id": sale.LocationID, "total": sale.Total.String(),
		"currency": sale.Currency, "occurred_at": sale.OccurredAt.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("publish sale: %w", err)
	}
	return nil
}
