package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Mercado Pago's API as the client speaks it: Authorization: Bearer with
// the company's access token, X-Idempotency-Key on every creation,
// amounts as JSON numbers (written from and read into decimals, never
// floats), errors as {"message","error","status","cause":[{"code",
// "description"}]}.

// ServiceName is the outbound service name: breakers are per (company,
// ServiceName).
const ServiceName = "mercadopago"

// maxResponseBytes bounds a response body read from the provider.
const maxResponseBytes = 1 << 20

// mpClient calls Mercado Pago for one company.
type mpClient struct {
	base  string
	token string
	http  *outbound.Client
}

// mpPayment is a payment resource (GET/POST /v1/payments).
type mpPayment struct {
	ID                json.Number `json:"id"`
	Status            string      `json:"status"`
	StatusDetail      string      `json:"status_detail"`
	TransactionAmount json.Number `json:"transaction_amount"`
	CurrencyID        string      `json:"currency_id"`
	ExternalReference string      `json:"external_reference"`
	AmountRefunded    json.Number `json:"transaction_amount_refunded"`
	FeeDetails        []struct {
		Type     string      `json:"type"`
		Amount   json.Number `json:"amount"`
		FeePayer string      `json:"fee_payer"`
	} `json:"fee_details"`
}

// fee is what Mercado Pago keeps from the collector.
func (p mpPayment) fee() decimal.Decimal {
	total := decimal.Zero
	for _, f := range p.FeeDetails {
		if f.FeePayer != "" && f.FeePayer != "collector" {
			continue
		}
		total = total.Add(number(f.Amount))
	}
	return total
}

// number reads a JSON number as a decimal (zero when absent or malformed).
func number(n json.Number) decimal.Decimal {
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return decimal.Zero
	}
	return d
}

// mpCardPayment is the body of POST /v1/payments for a card token.
type mpCardPayment struct {
	TransactionAmount json.Number `json:"transaction_amount"`
	Token             string      `json:"token"`
	Description       string      `json:"description,omitempty"`
	Installments      int         `json:"installments"`
	PaymentMethodID   string      `json:"payment_method_id,omitempty"`
	IssuerID          string      `json:"issuer_id,omitempty"`
	Payer             mpPayer     `json:"payer"`
	ExternalReference string      `json:"external_reference"`
	NotificationURL   string      `json:"notification_url,omitempty"`
}

type mpPayer struct {
	Email string `json:"email,omitempty"`
}

// mpQROrder is the body of the in-store dynamic QR order
// (POST /instore/orders/qr/seller/collectors/{user_id}/pos/{external_pos_id}/qrs).
type mpQROrder struct {
	ExternalReference string          `json:"external_reference"`
	Title             string          `json:"title"`
	Description       string          `json:"description"`
	NotificationURL   string          `json:"notification_url,omitempty"`
	TotalAmount       json.Number     `json:"total_amount"`
	ExpirationDate    string          `json:"expiration_date,omitempty"`
	Items             []mpQROrderItem `json:"items"`
}

type mpQROrderItem struct {
	Title       string      `json:"title"`
	UnitPrice   json.Number `json:"unit_price"`
	Quantity    int         `json:"quantity"`
	UnitMeasure string      `json:"unit_measure"`
	TotalAmount json.Number `json:"total_amount"`
}

// mpQRAnswer is the answer to a QR order.
type mpQRAnswer struct {
	InStoreOrderID string `json:"in_store_order_id"`
	QRData         string `json:"qr_data"`
}

// mpRefund is a refund resource (POST /v1/payments/{id}/refunds).
type mpRefund struct {
	ID     json.Number `json:"id"`
	Amount json.Number `json:"amount"`
	Status string      `json:"status"`
}

// mpError is Mercado Pago's error body.
type mpError struct {
	Message string `json:"message"`
	Error   string `json:"error"`
	Status  int    `json:"status"`
	Cause   []struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
	} `json:"cause"`
}

func (c *mpClient) createCardPayment(ctx context.Context, key string, body mpCardPayment) (mpPayment, error) {
	var p mpPayment
	err := c.do(ctx, http.MethodPost, "/v1/payments", key, body, &p)
	return p, err
}

func (c *mpClient) createQROrder(ctx context.Context, key, userID, posID string, body mpQROrder) (mpQRAnswer, error) {
	var a mpQRAnswer
	path := "/instore/orders/qr/seller/collectors/" + url.PathEscape(userID) + "/pos/" + url.PathEscape(posID) + "/qrs"
	err := c.do(ctx, http.MethodPost, path, key, body, &a)
	return a, err
}

func (c *mpClient) getPayment(ctx context.Context, id string) (mpPayment, error) {
	var p mpPayment
	err := c.do(ctx, http.MethodGet, "/v1/payments/"+url.PathEscape(id), "", nil, &p)
	return p, err
}

// searchPayments lists the payments carrying externalReference, the way a
// QR payment (created by the buyer's app) is found without a webhook.
func (c *mpClient) searchPayments(ctx context.Context, externalReference string) ([]mpPayment, error) {
	var page struct {
		Results []mpPayment `json:"results"`
	}
	q := url.Values{"external_reference": {externalReference}, "sort": {"date_created"}, "criteria": {"desc"}}
	err := c.do(ctx, http.MethodGet, "/v1/payments/search?"+q.Encode(), "", nil, &page)
	return page.Results, err
}

// refund refunds amount of payment id (the whole payment when amount is
// nil).
func (c *mpClient) refund(ctx context.Context, key, id string, amount *decimal.Decimal) (mpRefund, error) {
	body := map[string]any{}
	if amount != nil {
		body["amount"] = json.Number(amount.String())
	}
	var r mpRefund
	err := c.do(ctx, http.MethodPost, "/v1/payments/"+url.PathEscape(id)+"/refunds", key, body, &r)
	return r, err
}

// do sends one request and decodes a 2xx answer into out; any other answer
// or failure becomes an *httpx.Error the edge maps as is.
func (c *mpClient) do(ctx context.Context, method, path, key string, body, out any) error {
	var rd io.Reader = http.NoBody
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return fmt.Errorf("mercadopago %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("mercadopago %s: %w", method, err)
	}
	if data != nil {
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if key != "" {
		req.Header.Set("X-Idempotency-Key", key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return transportError(ctx, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return transportError(ctx, err)
	}
	if res.StatusCode/100 != 2 {
		return providerError(res.StatusCode, raw)
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return httpx.NewError(kind.BadGateway, "payment_provider_error", "Mercado Pago answered an unreadable body")
	}
	return nil
}

// transportError maps a call that got no answer: an open breaker is 503
// at once, a timeout 504, anything else 502.
func transportError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, outbound.ErrCircuitOpen), errors.Is(err, outbound.ErrRateLimited):
		return errUnavailable()
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return fmt.Errorf("mercadopago: %w", err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return httpx.NewError(kind.Timeout, "payment_provider_timeout", "Mercado Pago did not answer in time")
	}
	return httpx.NewError(kind.BadGateway, "payment_provider_error", "Mercado Pago could not be reached")
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// providerError maps Mercado Pago's error answer: a refused request (4xx)
// is the caller's to fix, 422 with the provider's causes; refused
// credentials are the company's setup, 502; throttling and outages 503 and
// 502.
func providerError(status int, raw []byte) error {
	var e mpError
	_ = json.Unmarshal(raw, &e)
	details := map[string]any{"provider_status": status}
	if e.Error != "" {
		details["provider_error"] = clip(e.Error, 100)
	}
	if len(e.Cause) > 0 {
		causes := make([]map[string]string, 0, len(e.Cause))
		for i, c := range e.Cause {
			if i == 10 {
				break
			}
			causes = append(causes, map[string]string{"code": strings.Trim(string(c.Code), `"`), "description": clip(c.Description, 200)})
		}
		details["causes"] = causes
	}
	msg := "Mercado Pago refused the request"
	if e.Message != "" {
		msg += ": " + clip(e.Message, 200)
	}
	var he *httpx.Error
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		he = httpx.NewError(kind.BadGateway, "payment_provider_credentials", "Mercado Pago refused the company's credentials; check its access token")
	case status == http.StatusNotFound:
		he = httpx.NewError(kind.NotFound, "payment_not_found_at_provider", msg)
	case status == http.StatusTooManyRequests:
		he = httpx.NewError(kind.Unavailable, "payment_service_unavailable", "Mercado Pago is throttling this company's calls; try again shortly")
	case status >= 500:
		he = httpx.NewError(kind.BadGateway, "payment_provider_error", "Mercado Pago failed (status "+fmt.Sprint(status)+")")
	default:
		he = httpx.NewError(kind.Unprocessable, "payment_refused", msg)
	}
	return he.WithDetails(details)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// expirationDate formats t as Mercado Pago's dates (ISO 8601 with
// milliseconds and offset).
func expirationDate(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-07:00") }
