package sdk

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nexuspos/nexus/sdk/kind"
)

// Webhook is a public route through which another system (a payment
// provider, a marketplace) calls the vertical. The host mounts it at
// /api/v1/hooks/<vertical>/<company_id><Pattern> without a user token,
// answers 404 without calling the vertical for an unknown or inactive
// company or one that has not enabled it, limits the body and the rate
// per company, and runs the handler in the company's unit of work
// (committed when it answers < 400). The handler sees the raw body and
// headers (c.Body, c.Header) and must check the sender, typically with
// SignedWebhook; until it does, nothing about the call is trusted.
type Webhook struct {
	// ID identifies the webhook on the wire; it defaults to "METHOD pattern".
	ID      string
	Method  string
	Pattern string
	Summary string
	// MaxBodyBytes limits the body (0: the host's default, 1 MiB).
	MaxBodyBytes int64
	Handler      HandlerFunc
}

// WebhookID returns the webhook's wire id.
func (w Webhook) WebhookID() string {
	if w.ID != "" {
		return w.ID
	}
	return w.Method + " " + w.Pattern
}

// WebhookPOST returns a POST webhook, the usual kind.
func WebhookPOST(pattern, summary string, h HandlerFunc) Webhook {
	return Webhook{Method: http.MethodPost, Pattern: pattern, Summary: summary, Handler: h}
}

// HMACScheme describes how a sender signs its webhook calls with a
// shared secret: an HMAC of the body (and of the timestamp and delivery
// id, when the scheme has them) in a header.
type HMACScheme struct {
	// SignatureHeader holds the signature, hex or base64 (standard or
	// URL-safe), optionally prefixed "sha256=" or "v1="; several
	// signatures separated by spaces or commas are accepted, any one
	// matching, so that senders can rotate secrets.
	SignatureHeader string
	// TimestampHeader, when set, holds the Unix time (seconds) of the
	// call, refused when further than Tolerance from now.
	TimestampHeader string
	// IDHeader, when set, holds the delivery's unique id: a second call
	// with an id already accepted for the company within the tolerance is
	// refused (replay protection).
	IDHeader string
	// Tolerance is the accepted clock difference (5 min).
	Tolerance time.Duration
	// Hash is the HMAC's hash (SHA-256).
	Hash func() hash.Hash
	// Message returns the signed bytes. By default the body alone, or
	// "<timestamp>.<body>" with a TimestampHeader, or
	// "<id>.<timestamp>.<body>" with both headers (the Standard Webhooks
	// layout).
	Message func(id, timestamp string, body []byte) []byte
}

func (s HMACScheme) tolerance() time.Duration {
	if s.Tolerance > 0 {
		return s.Tolerance
	}
	return 5 * time.Minute
}

func (s HMACScheme) message(id, timestamp string, body []byte) []byte {
	if s.Message != nil {
		return s.Message(id, timestamp, body)
	}
	var prefix string
	if s.IDHeader != "" {
		prefix = id + "."
	}
	if s.TimestampHeader != "" {
		prefix += timestamp + "."
	}
	return append([]byte(prefix), body...)
}

// Sign returns the hex HMAC of the call's message under secret, as a
// sender computes it; tests and fakes of senders use it.
func (s HMACScheme) Sign(secret []byte, id, timestamp string, body []byte) string {
	h := s.Hash
	if h == nil {
		h = sha256.New
	}
	mac := hmac.New(h, secret)
	mac.Write(s.message(id, timestamp, body))
	return hex.EncodeToString(mac.Sum(nil))
}

// Verify checks the call's signature with secret, and its timestamp when
// the scheme has one, against now. A missing or wrong signature is a 401
// invalid_signature, a missing, malformed or stale timestamp a 401
// stale_timestamp, a missing delivery id a 400 missing_delivery_id. The
// comparison takes constant time. It does not claim the delivery id (see
// SignedWebhook).
func (s HMACScheme) Verify(c *Context, secret []byte, now time.Time) error {
	id, ts := "", ""
	if s.IDHeader != "" {
		if id = strings.TrimSpace(c.Header(s.IDHeader)); id == "" || len(id) > 200 {
			return BadRequest("missing_delivery_id", "header "+s.IDHeader+" must hold the delivery id")
		}
	}
	if s.TimestampHeader != "" {
		ts = strings.TrimSpace(c.Header(s.TimestampHeader))
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return NewError(kind.Unauthenticated, "stale_timestamp", "header "+s.TimestampHeader+" must hold the Unix time of the call")
		}
		if d := now.Sub(time.Unix(sec, 0)); d > s.tolerance() || d < -s.tolerance() {
			return NewError(kind.Unauthenticated, "stale_timestamp", "the call's timestamp is too far from the current time")
		}
	}
	if len(secret) == 0 {
		return errors.New("webhook: empty secret")
	}
	want, err := hex.DecodeString(s.Sign(secret, id, ts, c.Body()))
	if err != nil {
		return err
	}
	for _, sig := range strings.FieldsFunc(c.Header(s.SignatureHeader), func(r rune) bool { return r == ' ' || r == ',' }) {
		sig = strings.TrimPrefix(strings.TrimPrefix(sig, "sha256="), "v1=")
		if hmac.Equal(decodeSignature(sig), want) {
			return nil
		}
	}
	return NewError(kind.Unauthenticated, "invalid_signature", "the call's signature does not match")
}

// decodeSignature decodes a hex or base64 signature (nil if neither).
func decodeSignature(sig string) []byte {
	if b, err := hex.DecodeString(sig); err == nil {
		return b
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(sig); err == nil {
			return b
		}
	}
	return nil
}

// SignedWebhook wraps h so that it runs only for calls that scheme
// verifies with the secret secret returns (read it with the SDK's secrets
// call for c's company). With an IDHeader, the delivery id is claimed for
// the company (a lock held twice the tolerance, in Redis when the host has
// it) before h runs: a replay is a 409 webhook_replayed and h does not
// run. If h fails the claim is released, so the sender's retry is served.
func SignedWebhook(scheme HMACScheme, secret func(c *Context) ([]byte, error), h HandlerFunc) HandlerFunc {
	return func(c *Context) error {
		key, err := secret(c)
		if err != nil {
			return err
		}
		if err := scheme.Verify(c, key, time.Now()); err != nil {
			return err
		}
		if scheme.IDHeader == "" {
			return h(c)
		}
		id := strings.TrimSpace(c.Header(scheme.IDHeader))
		claim, err := c.Locks().Acquire("webhook-delivery:"+c.Path()+":"+id, 2*scheme.tolerance(), 0)
		var e *Error
		if errors.As(err, &e) && e.Kind == kind.Conflict {
			return Conflict("webhook_replayed", "this delivery was received already").WithDetails(map[string]any{"id": id})
		}
		if err != nil {
			return err
		}
		if err := h(c); err != nil {
			_ = claim.Release()
			return err
		}
		if c.status >= http.StatusBadRequest {
			_ = claim.Release()
		}
		return nil
	}
}
