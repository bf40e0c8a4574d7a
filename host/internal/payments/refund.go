package payments

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/sdk/money"
)

// RefundInput asks for a refund of a vertical's payment.
type RefundInput struct {
	CompanyID uuid.UUID
	Vertical  string
	PaymentID uuid.UUID
	// Amount is the part to refund; nil refunds what is left.
	Amount *decimal.Decimal
	// IdempotencyKey makes the refund safe to retry (sent to Mercado Pago
	// as X-Idempotency-Key).
	IdempotencyKey string
	Actor          audit.Actor
}

// Refund sends a refund (total or partial) of an approved payment to
// Mercado Pago and records it: the whole rest moves the payment to
// refunded (host.payment.refunded), a part leaves it approved
// (host.payment.partially_refunded). The payment's row stays locked while
// Mercado Pago answers, so two refunds never overlap; the same key and
// amount answer the payment again without a second refund, the same key
// with another amount is 409 idempotency_key_reused (as for every
// idempotency key of the platform), nothing refunded.
func (s *Service) Refund(ctx context.Context, in RefundInput) (Payment, error) {
	if hostcall.CheckKey(in.IdempotencyKey) != nil {
		return Payment{}, errInvalid("idempotency_key", "idempotency_key must be 1 to 255 printable ASCII characters")
	}
	if in.Amount != nil && !in.Amount.IsPositive() {
		return Payment{}, errInvalid("amount", "a refund amount must be positive")
	}
	cfg, err := s.config(ctx, in.CompanyID)
	if err != nil {
		return Payment{}, err
	}
	client, err := s.client(ctx, in.CompanyID, cfg)
	if err != nil {
		return Payment{}, err
	}
	var (
		out    Payment
		reused string
	)
	err = s.inTx(ctx, in.CompanyID, func(tx pgx.Tx, b *eventBatch) error {
		p, err := scanPayment(tx.QueryRow(ctx, qByIDForUpdate, in.CompanyID, in.PaymentID))
		if errors.Is(err, pgx.ErrNoRows) || err == nil && p.Vertical != in.Vertical {
			return errPaymentNotFound()
		}
		if err != nil {
			return err
		}
		var (
			done string
			last bool
		)
		switch err := tx.QueryRow(ctx, qRefundByKey, in.CompanyID, p.ID, in.IdempotencyKey).Scan(&done, &last); {
		case err == nil:
			if !sameRefund(in.Amount, decimal.RequireFromString(done), last && p.Status == StatusRefunded) {
				return errRefundKeyReused(done)
			}
			out = p
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if p.Status != StatusApproved || p.ProviderPaymentID == "" {
			return errRefundNotAllowed(p.Status)
		}
		left := p.Amount.Sub(p.RefundedAmount)
		amount := left
		if in.Amount != nil {
			amount = *in.Amount
			if err := checkDecimals(amount, p.Currency); err != nil {
				return err
			}
		}
		if amount.GreaterThan(left) {
			return errRefundTooLarge(left.String())
		}
		var sent *decimal.Decimal
		if in.Amount != nil && !amount.Equal(left) || !p.RefundedAmount.IsZero() {
			sent = &amount
		}
		r, err := client.refund(ctx, in.IdempotencyKey, p.ProviderPaymentID, sent)
		if err != nil {
			return err
		}
		if made := number(r.Amount); made.IsPositive() && !made.Equal(amount) && !made.GreaterThan(left) {
			// Mercado Pago answered a refund it made earlier under this
			// key, which the host lost: record that one, refuse this.
			reused, amount = made.String(), made
		}
		if _, err := tx.Exec(ctx, qInsertRefund, in.CompanyID, p.ID, in.IdempotencyKey, amount, string(r.ID), clip(r.Status, 32)); err != nil {
			return err
		}
		next := p
		next.RefundedAmount = p.RefundedAmount.Add(amount)
		topic := TopicPartialRefund
		if next.RefundedAmount.Equal(p.Amount) {
			next.Status, next.StatusDetail, topic = StatusRefunded, "refunded", Topic(StatusRefunded)
		}
		if _, err := tx.Exec(ctx, qSetState, in.CompanyID, p.ID, next.Status, next.StatusDetail, next.FeeAmount, next.RefundedAmount, ""); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{CompanyID: in.CompanyID, Action: "payment.refunded", Target: "payment:" + p.ID.String(),
			Actor: in.Actor, Details: map[string]any{"amount": amount.String(), "refunded_amount": next.RefundedAmount.String(),
				"from": p.Status, "to": next.Status, "provider_refund_id": string(r.ID)}}); err != nil {
			return err
		}
		next.UpdatedAt = s.cfg.Now().UTC()
		out = next
		return b.add(next, topic)
	})
	if err != nil {
		return Payment{}, fmt.Errorf("refund payment: %w", err)
	}
	if reused != "" {
		return Payment{}, errRefundKeyReused(reused)
	}
	return out, nil
}

// sameRefund reports whether a refund asked again under its key is the one
// made: the same amount, or, asked without one (the rest), a refund that
// emptied the payment (wasLast: the last refund, the payment refunded).
func sameRefund(asked *decimal.Decimal, made decimal.Decimal, wasLast bool) bool {
	if asked == nil {
		return wasLast
	}
	return asked.Equal(made)
}

// checkDecimals refuses a refund amount finer than the payment's currency
// (0.001 of a peso): Mercado Pago would refuse it, and the refunded total
// would no longer add up to the payment.
func checkDecimals(amount decimal.Decimal, currency string) error {
	cur, err := money.CurrencyOf(currency)
	if err != nil {
		return fmt.Errorf("currency of payment: %w", err)
	}
	if amount.Exponent() < -cur.MinorUnits {
		return errInvalid("amount", "a refund amount has at most %d decimals in %s", cur.MinorUnits, cur.Code)
	}
	return nil
}
