package payments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// WebhookMount is where Mercado Pago notifies a company's payments, below
// /api/v1: POST WebhookMount/{company_id} (WebhookRoutes).
const WebhookMount = "/hooks/payments/mercadopago"

// Signature is a notification's x-signature header parsed: ts and v1.
type Signature struct {
	TS time.Time
	V1 []byte
	// ts is the header's ts as sent: the manifest signs it verbatim.
	ts string
}

// ParseSignature reads "ts=<ts>,v1=<hex>" (parts in any order, spaces
// allowed). ts is a Unix time in seconds or, when it has 13 digits or
// more, in milliseconds.
func ParseSignature(h string) (Signature, error) {
	var sig Signature
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "ts":
			sig.ts = strings.TrimSpace(v)
		case "v1":
			b, err := hex.DecodeString(strings.TrimSpace(v))
			if err != nil {
				return sig, errors.New("v1 is not hexadecimal")
			}
			sig.V1 = b
		}
	}
	if sig.ts == "" || len(sig.V1) == 0 {
		return sig, errors.New("x-signature needs ts and v1")
	}
	n, err := strconv.ParseInt(sig.ts, 10, 64)
	if err != nil || n <= 0 {
		return sig, errors.New("ts is not a Unix time")
	}
	if len(sig.ts) >= 13 {
		sig.TS = time.UnixMilli(n)
	} else {
		sig.TS = time.Unix(n, 0)
	}
	return sig, nil
}

var alphanumeric = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Manifest is the text Mercado Pago signs for a notification:
// id:<data.id>;request-id:<x-request-id>;ts:<ts>; with data.id
// lower-cased when alphanumeric.
func Manifest(dataID, requestID, ts string) string {
	if alphanumeric.MatchString(dataID) {
		dataID = strings.ToLower(dataID)
	}
	return "id:" + dataID + ";request-id:" + requestID + ";ts:" + ts + ";"
}

// Sign is v1 for a manifest and secret: hex HMAC-SHA256.
func Sign(secret, manifest string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(manifest))
	return hex.EncodeToString(m.Sum(nil))
}

// verify checks sig against the manifest and the window around now.
func verify(secret string, sig Signature, dataID, requestID string, now time.Time, window time.Duration) error {
	want, _ := hex.DecodeString(Sign(secret, Manifest(dataID, requestID, sig.ts)))
	if !hmac.Equal(want, sig.V1) {
		return errWebhookSignature("signature does not match")
	}
	if d := now.Sub(sig.TS); d > window || d < -window {
		return errWebhookSignature("ts is outside the accepted window")
	}
	return nil
}

// notification is a webhook call's trusted facts: the company (and its
// setup, read once) and the provider's payment id. Nothing else of the
// body is read.
type notification struct {
	companyID uuid.UUID
	cfg       CompanyConfig
	dataID    string
	requestID string
	sig       Signature
}

var dataIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// WebhookRoutes mounts the webhook on r, the router at WebhookMount.
func (s *Service) WebhookRoutes(r chi.Router) {
	r.Post("/{company_id}", s.WebhookHandler().ServeHTTP)
}

// WebhookHandler serves POST WebhookMount/{company_id}: Mercado Pago's notification of a
// payment. The company must exist and have set up payments (404
// otherwise); x-signature must verify with its webhook secret within
// SignatureWindow (401 otherwise, nothing written). A notification
// already applied (same x-request-id) then answers 200 duplicate without
// asking Mercado Pago anything; a new one has its payment fetched from
// the API and applied once. Notifications of other
// topics (merchant orders...) are acknowledged and ignored.
func (s *Service) WebhookHandler() http.Handler {
	return httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		n, err := s.readNotification(r)
		if err != nil {
			return err
		}
		if n.dataID == "" {
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": "ignored"})
			return nil
		}
		applied, err := s.applyNotification(r.Context(), n)
		if err != nil {
			return err
		}
		result := "applied"
		if !applied {
			result = "duplicate"
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"result": result})
		return nil
	})
}

// readNotification authenticates a webhook call.
func (s *Service) readNotification(r *http.Request) (notification, error) {
	companyID, err := uuid.Parse(chi.URLParam(r, "company_id"))
	if err != nil {
		return notification{}, errWebhookNotFound()
	}
	if s.cfg.WebhookLimit != nil {
		if err := s.cfg.WebhookLimit(r.Context(), companyID); err != nil {
			return notification{}, err
		}
	}
	cfg, err := s.config(r.Context(), companyID)
	if err != nil {
		var he *httpx.Error
		if errors.As(err, &he) {
			err = errWebhookNotFound()
		}
		return notification{}, err
	}
	secret, err := s.secret(r.Context(), companyID, SecretWebhookSecret)
	if err != nil {
		return notification{}, errWebhookNotFound()
	}
	q := r.URL.Query()
	dataID := q.Get("data.id")
	if dataID == "" {
		dataID = q.Get("id")
	}
	requestID := r.Header.Get("x-request-id")
	sig, err := ParseSignature(r.Header.Get("x-signature"))
	if err != nil {
		return notification{}, errWebhookSignature(err.Error())
	}
	if requestID == "" || len(requestID) > 128 || !dataIDRE.MatchString(dataID) {
		return notification{}, errWebhookSignature("x-request-id and data.id are required")
	}
	if err := verify(secret, sig, dataID, requestID, s.cfg.Now(), s.cfg.SignatureWindow); err != nil {
		return notification{}, err
	}
	n := notification{companyID: companyID, cfg: cfg, dataID: dataID, requestID: requestID, sig: sig}
	if topic := firstNonEmpty(q.Get("type"), q.Get("topic")); topic != "" && topic != "payment" {
		n.dataID = ""
	}
	return n, nil
}

// applyNotification fetches the notified payment and applies it, once per
// x-request-id; false means the notification was seen already. A replay
// is recognised before anything is asked of Mercado Pago; two copies of a
// new notification arriving together are both fetched, and the
// notification's row lets one apply.
func (s *Service) applyNotification(ctx context.Context, n notification) (bool, error) {
	seen := false
	err := store.TenantTx(ctx, s.pool, n.companyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, qSeenNotification, n.companyID, n.requestID).Scan(&seen)
	})
	if err != nil {
		return false, fmt.Errorf("webhook: %w", err)
	}
	if seen {
		return false, nil
	}
	client, err := s.client(ctx, n.companyID, n.cfg)
	if err != nil {
		return false, err
	}
	mp, err := client.getPayment(ctx, n.dataID)
	if err != nil {
		return false, fmt.Errorf("webhook: fetch payment: %w", err)
	}
	applied := false
	err = s.inTx(ctx, n.companyID, func(tx pgx.Tx, b *eventBatch) error {
		tag, err := tx.Exec(ctx, qNotified, n.companyID, n.requestID, n.dataID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		applied = true
		p, err := s.lockByProvider(ctx, tx, n.companyID, mp)
		if errors.Is(err, pgx.ErrNoRows) {
			// Not a payment of ours (another system on the account).
			return nil
		}
		if err != nil {
			return err
		}
		return s.move(ctx, tx, b, p, mp, "webhook")
	})
	if err != nil {
		return false, fmt.Errorf("webhook: %w", err)
	}
	return applied, nil
}

// lockByProvider finds and locks the payment mp is: by the provider's id,
// or (a QR payment made by the buyer's app) by its external reference,
// which is our payment's id.
func (s *Service) lockByProvider(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, mp mpPayment) (Payment, error) {
	p, err := scanPayment(tx.QueryRow(ctx, qByProviderIDForUpdate, companyID, string(mp.ID)))
	if !errors.Is(err, pgx.ErrNoRows) {
		return p, err
	}
	id, perr := uuid.Parse(mp.ExternalReference)
	if perr != nil {
		return p, pgx.ErrNoRows
	}
	p, err = scanPayment(tx.QueryRow(ctx, qByIDForUpdate, companyID, id))
	if err == nil && p.ProviderPaymentID != "" && p.ProviderPaymentID != string(mp.ID) {
		// A second payment on the same order: not the one recorded.
		return p, pgx.ErrNoRows
	}
	return p, err
}
