package payments

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Config configures the Service. Zero values take the defaults noted.
type Config struct {
	Pool    *pgxpool.Pool
	Secrets SecretStore
	// Outbound sends the calls to Mercado Pago (its breakers are per
	// company).
	Outbound *outbound.Pool
	// BaseURL, when set, replaces Mercado Pago's address in every
	// environment (NEXUS_MERCADOPAGO_BASE_URL: a sandbox or a fake).
	BaseURL string
	// PollAfter is how long a payment stays open before the poll job asks
	// the provider about it (2 min).
	PollAfter time.Duration
	// SignatureWindow is how far a webhook's ts may be from now (5 min).
	SignatureWindow time.Duration
	// QRExpiry is how long an in-store QR order can be paid (10 min).
	QRExpiry time.Duration
	// Wake tells the outbox relay that events were committed.
	Wake func()
	// WebhookLimit, when set, counts a webhook call of a company against
	// the host's webhook rate limit (an error refuses it).
	WebhookLimit func(ctx context.Context, companyID uuid.UUID) error
	Log          hclog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
}

// Service creates, refunds and follows payments.
type Service struct {
	cfg      Config
	pool     *pgxpool.Pool
	secrets  SecretStore
	outbound *outbound.Pool
	log      hclog.Logger
}

// New returns a Service with cfg.
func New(cfg Config) *Service {
	if cfg.PollAfter <= 0 {
		cfg.PollAfter = 2 * time.Minute
	}
	if cfg.SignatureWindow <= 0 {
		cfg.SignatureWindow = 5 * time.Minute
	}
	if cfg.QRExpiry <= 0 {
		cfg.QRExpiry = 10 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Outbound == nil {
		cfg.Outbound = outbound.NewPool(outbound.Config{})
	}
	return &Service{cfg: cfg, pool: cfg.Pool, secrets: cfg.Secrets, outbound: cfg.Outbound, log: cfg.Log}
}

// CreateInput asks for a payment of a vertical's document.
type CreateInput struct {
	CompanyID uuid.UUID
	Vertical  string
	// DocumentID is the vertical's document the payment pays (a sale).
	DocumentID string
	Method     string
	Amount     decimal.Decimal
	Currency   string
	// IdempotencyKey makes the creation safe to retry: the same key and
	// request answer the same payment, another request 409. It is sent to
	// Mercado Pago as X-Idempotency-Key.
	IdempotencyKey string
	Description    string
	// CardToken, PaymentMethodID (visa, master...), IssuerID, Installments
	// and PayerEmail come from the POS front end's card form (MethodCard).
	CardToken       string
	PaymentMethodID string
	IssuerID        string
	Installments    int
	PayerEmail      string
	// Actor is who asked, for the audit log.
	Actor audit.Actor
}

var verticalRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

func (in CreateInput) check() error {
	switch {
	case !verticalRE.MatchString(in.Vertical):
		return errInvalid("vertical", "a payment belongs to a vertical")
	case in.DocumentID == "" || len(in.DocumentID) > 128:
		return errInvalid("document_id", "document_id must be 1 to 128 characters")
	case in.Method != MethodCard && in.Method != MethodQR:
		return errInvalid("method", "method must be card or qr, got %q", in.Method)
	case hostcall.CheckKey(in.IdempotencyKey) != nil:
		return errInvalid("idempotency_key", "idempotency_key must be 1 to 255 printable ASCII characters")
	case len(in.Description) > 256:
		return errInvalid("description", "description is at most 256 characters")
	case in.Method == MethodCard && (in.CardToken == "" || len(in.CardToken) > 256):
		return errInvalid("card_token", "a card payment needs the card token the POS created")
	case in.Installments < 0 || in.Installments > 72:
		return errInvalid("installments", "installments must be 1 to 72")
	case len(in.PaymentMethodID) > 64 || len(in.IssuerID) > 64 || len(in.PayerEmail) > 254:
		return errInvalid("payment_method_id", "payment_method_id, issuer_id and payer_email are too long")
	}
	cur, err := money.CurrencyOf(in.Currency)
	if err != nil {
		return errInvalid("currency", "unknown currency %q", in.Currency)
	}
	if !in.Amount.IsPositive() || in.Amount.Exponent() < -cur.MinorUnits || in.Amount.GreaterThan(decimal.New(1, 12)) {
		return errInvalid("amount", "amount must be positive, below 10^12, with at most %d decimals", cur.MinorUnits)
	}
	return nil
}

// hash is the fingerprint of the request a key stands for.
func (in CreateInput) hash() []byte {
	data, _ := json.Marshal([]string{in.DocumentID, in.Method, in.Amount.String(), in.Currency, in.Description,
		in.CardToken, in.PaymentMethodID, in.IssuerID, fmt.Sprint(in.Installments), in.PayerEmail})
	sum := sha256.Sum256(data)
	return sum[:]
}

// Create creates the payment in (once per idempotency key) and asks
// Mercado Pago for it: a card payment answers the provider's decision, a
// QR payment the QR to show (pending until the buyer pays). The payment is
// written in its own transactions, not the caller's: once Mercado Pago
// may hold it, so do we. A refused request (bad input, a rejected call,
// an open breaker) leaves nothing; a call with an unknown outcome (5xx,
// timeout) leaves the payment pending for the poll job to settle, and a
// retry with the same key asks again under the same X-Idempotency-Key.
func (s *Service) Create(ctx context.Context, in CreateInput) (Payment, error) {
	if err := in.check(); err != nil {
		return Payment{}, err
	}
	if in.Installments == 0 {
		in.Installments = 1
	}
	cfg, err := s.config(ctx, in.CompanyID)
	if err != nil {
		return Payment{}, err
	}
	if in.Method == MethodCard && !cfg.CardEnabled || in.Method == MethodQR && !cfg.QREnabled {
		return Payment{}, errMethodOff(in.Method)
	}
	client, err := s.client(ctx, in.CompanyID, cfg)
	if err != nil {
		return Payment{}, err
	}
	p, fresh, err := s.claim(ctx, in)
	if err != nil || !fresh && (p.ProviderPaymentID != "" || p.orderID != "") {
		return p, err
	}
	if err := s.send(ctx, client, cfg, in, &p); err != nil {
		var he *httpx.Error
		if errors.As(err, &he) && (he.Kind == kind.Unprocessable || he.Kind == kind.Unavailable || he.Kind == kind.NotFound) {
			// Refused before or by the provider: nothing exists there.
			if derr := s.drop(ctx, p); derr != nil {
				return Payment{}, derr
			}
		}
		return Payment{}, err
	}
	return p, nil
}

// claim inserts the payment, or returns the one its key already made
// (409 when the key was used for another request).
func (s *Service) claim(ctx context.Context, in CreateInput) (Payment, bool, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Payment{}, false, fmt.Errorf("payment id: %w", err)
	}
	var expires *time.Time
	if in.Method == MethodQR {
		t := s.cfg.Now().Add(s.cfg.QRExpiry).UTC()
		expires = &t
	}
	hash := in.hash()
	var (
		p     Payment
		fresh bool
	)
	err = store.TenantTx(ctx, s.pool, in.CompanyID, func(tx pgx.Tx) error {
		var err error
		p, err = scanPayment(tx.QueryRow(ctx, qClaim, in.CompanyID, id, in.Vertical, in.DocumentID, in.IdempotencyKey, hash,
			in.Method, in.Amount, in.Currency, expires))
		if err == nil {
			fresh = true
			return audit.Record(ctx, tx, audit.Entry{CompanyID: in.CompanyID, Action: "payment.created", Target: "payment:" + p.ID.String(),
				Actor: in.Actor, Details: map[string]any{"vertical": in.Vertical, "document_id": in.DocumentID, "method": in.Method,
					"amount": in.Amount.String(), "currency": in.Currency}})
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		p, err = scanPayment(tx.QueryRow(ctx, qByKey, in.CompanyID, in.Vertical, in.IdempotencyKey))
		return err
	})
	if err != nil {
		return Payment{}, false, fmt.Errorf("create payment: %w", err)
	}
	if !fresh && string(p.hash) != string(hash) {
		return Payment{}, false, errIdempotencyMismatch()
	}
	return p, fresh, nil
}

// send asks Mercado Pago for p and records its answer.
func (s *Service) send(ctx context.Context, client *mpClient, cfg CompanyConfig, in CreateInput, p *Payment) error {
	amount := json.Number(in.Amount.String())
	if in.Method == MethodQR {
		title := in.Description
		if title == "" {
			title = "Order " + in.DocumentID
		}
		order := mpQROrder{ExternalReference: p.ID.String(), Title: clip(title, 100), Description: clip(title, 150), TotalAmount: amount,
			Items: []mpQROrderItem{{Title: clip(title, 100), UnitPrice: amount, Quantity: 1, UnitMeasure: "unit", TotalAmount: amount}}}
		if p.ExpiresAt != nil {
			order.ExpirationDate = expirationDate(*p.ExpiresAt)
		}
		ans, err := client.createQROrder(ctx, in.IdempotencyKey, cfg.QRUserID, cfg.QRExternalPOSID, order)
		if err != nil {
			return err
		}
		p.orderID, p.QRData = ans.InStoreOrderID, ans.QRData
		if p.orderID == "" {
			p.orderID = p.ID.String()
		}
		return s.recordCreated(ctx, *p, mpPayment{})
	}
	body := mpCardPayment{TransactionAmount: amount, Token: in.CardToken, Description: in.Description, Installments: in.Installments,
		PaymentMethodID: in.PaymentMethodID, IssuerID: in.IssuerID, Payer: mpPayer{Email: in.PayerEmail}, ExternalReference: p.ID.String()}
	mp, err := client.createCardPayment(ctx, in.IdempotencyKey, body)
	if err != nil {
		return err
	}
	p.ProviderPaymentID = string(mp.ID)
	if err := s.recordCreated(ctx, *p, mp); err != nil {
		return err
	}
	got, err := s.get(ctx, p.companyID, p.ID)
	if err != nil {
		return err
	}
	*p = got
	return nil
}

// recordCreated stores the provider's ids for p and, for a card payment,
// the status it answered.
func (s *Service) recordCreated(ctx context.Context, p Payment, mp mpPayment) error {
	return s.inTx(ctx, p.companyID, func(tx pgx.Tx, b *eventBatch) error {
		if _, err := tx.Exec(ctx, qSetCreated, p.companyID, p.ID, p.ProviderPaymentID, p.orderID, p.QRData); err != nil {
			return err
		}
		if mp.ID == "" {
			return nil
		}
		cur, err := scanPayment(tx.QueryRow(ctx, qByIDForUpdate, p.companyID, p.ID))
		if err != nil {
			return err
		}
		return s.move(ctx, tx, b, cur, mp, "create")
	})
}

// drop deletes a payment the provider never got.
func (s *Service) drop(ctx context.Context, p Payment) error {
	err := store.TenantTx(ctx, s.pool, p.companyID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, qDelete, p.companyID, p.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop refused payment: %w", err)
	}
	return nil
}

// Get returns a vertical's payment of a company (404 for any other).
func (s *Service) Get(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID) (Payment, error) {
	p, err := s.get(ctx, companyID, id)
	if err != nil {
		return p, err
	}
	if p.Vertical != vertical {
		return Payment{}, errPaymentNotFound()
	}
	return p, nil
}

func (s *Service) get(ctx context.Context, companyID, id uuid.UUID) (Payment, error) {
	var p Payment
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		p, err = scanPayment(tx.QueryRow(ctx, qByID, companyID, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Payment{}, errPaymentNotFound()
	}
	if err != nil {
		return Payment{}, fmt.Errorf("get payment: %w", err)
	}
	return p, nil
}

// move applies what the provider reports of cur: its status (when the
// state machine allows the change), fee and refunds; a change is audited
// and published. via names what brought the news (create, webhook, poll,
// refund).
func (s *Service) move(ctx context.Context, tx pgx.Tx, b *eventBatch, cur Payment, mp mpPayment, via string) error {
	next := cur
	next.ProviderPaymentID = firstNonEmpty(cur.ProviderPaymentID, string(mp.ID))
	if mp.Status != cur.Status {
		if !validStatus(mp.Status) || !canMove(cur.Status, mp.Status) {
			s.log.Warn("payment status change ignored", "payment_id", cur.ID, "from", cur.Status, "to", mp.Status, "via", via)
			return nil
		}
		next.Status, next.StatusDetail = mp.Status, clip(mp.StatusDetail, 128)
	} else if mp.StatusDetail != "" {
		next.StatusDetail = clip(mp.StatusDetail, 128)
	}
	if fee := mp.fee(); !fee.IsZero() {
		next.FeeAmount = fee
	}
	if r := number(mp.AmountRefunded); r.GreaterThan(next.RefundedAmount) && !r.GreaterThan(next.Amount) {
		next.RefundedAmount = r
	}
	if next.Status == cur.Status && next.StatusDetail == cur.StatusDetail && next.FeeAmount.Equal(cur.FeeAmount) &&
		next.RefundedAmount.Equal(cur.RefundedAmount) && next.ProviderPaymentID == cur.ProviderPaymentID {
		return nil
	}
	if _, err := tx.Exec(ctx, qSetState, cur.companyID, cur.ID, next.Status, next.StatusDetail, next.FeeAmount, next.RefundedAmount,
		next.ProviderPaymentID); err != nil {
		return err
	}
	if next.Status == cur.Status {
		return nil
	}
	if err := audit.Record(ctx, tx, audit.Entry{CompanyID: cur.companyID, Action: "payment.status_changed", Target: "payment:" + cur.ID.String(),
		Actor: audit.Actor{Kind: audit.ActorSystem}, Details: map[string]any{"from": cur.Status, "to": next.Status,
			"status_detail": next.StatusDetail, "via": via, "provider_payment_id": next.ProviderPaymentID}}); err != nil {
		return err
	}
	next.UpdatedAt = s.cfg.Now().UTC()
	return b.add(next, Topic(next.Status))
}

// eventBatch collects the events of a transaction.
type eventBatch struct {
	evs []events.Event
}

func (b *eventBatch) add(p Payment, topic string) error {
	payload, err := json.Marshal(p.eventPayload())
	if err != nil {
		return err
	}
	b.evs = append(b.evs, events.Event{CompanyID: p.companyID, Topic: topic, Payload: payload})
	return nil
}

// inTx runs fn in a tenant transaction of the company, then queues the
// events fn collected in the same transaction and wakes the relay after
// the commit.
func (s *Service) inTx(ctx context.Context, companyID uuid.UUID, fn func(pgx.Tx, *eventBatch) error) error {
	var b eventBatch
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := fn(tx, &b); err != nil {
			return err
		}
		if len(b.evs) == 0 {
			return nil
		}
		batch := &pgx.Batch{}
		if err := events.Queue(ctx, batch, b.evs...); err != nil {
			return err
		}
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return err
	}
	if len(b.evs) > 0 && s.cfg.Wake != nil {
		s.cfg.Wake()
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scanPayment reads a row of paymentColumns.
func scanPayment(row pgx.Row) (Payment, error) {
	var (
		p                     Payment
		amount, fee, refunded string
	)
	err := row.Scan(&p.ID, &p.Vertical, &p.DocumentID, &p.Method, &amount, &p.Currency, &p.Status, &p.StatusDetail,
		&p.ProviderPaymentID, &p.orderID, &p.QRData, &fee, &refunded, &p.ExpiresAt, &p.CreatedAt, &p.UpdatedAt, &p.companyID, &p.hash)
	if err != nil {
		return p, err
	}
	p.Amount, p.FeeAmount, p.RefundedAmount = decimal.RequireFromString(amount), decimal.RequireFromString(fee), decimal.RequireFromString(refunded)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if p.ExpiresAt != nil {
		t := p.ExpiresAt.UTC()
		p.ExpiresAt = &t
	}
	return p, nil
}
