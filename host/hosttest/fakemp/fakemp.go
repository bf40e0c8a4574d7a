// Package fakemp is a local Mercado Pago for tests: an HTTP server
// speaking the provider's documented wire format (Bearer access token,
// X-Idempotency-Key on creations, payments, refunds, the in-store dynamic
// QR order, payment search, error bodies {"message","error","status",
// "cause"}) with the failure modes the platform must survive: a rejected
// card, a payment pending until settled, 5xx answers and answers slower
// than any client waits. It also signs webhook notifications as Mercado
// Pago does. Production code must never import it.
package fakemp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Card tokens choose the outcome of a card payment, as Mercado Pago's test
// cards do with the holder's name: a token starting with TokenApproved is
// approved, TokenRejected rejected, TokenPending left in_process until
// Settle.
const (
	TokenApproved = "APRO"
	TokenRejected = "OTHE"
	TokenPending  = "CONT"
)

// FeeRate is the share of a payment the fake keeps as mercadopago_fee.
var FeeRate = decimal.RequireFromString("0.0499")

// Request is one call the fake received.
type Request struct {
	Method, Path   string
	Authorization  string
	IdempotencyKey string
	Body           []byte
}

// Payment is a payment the fake holds.
type Payment struct {
	ID                int64
	Status            string
	StatusDetail      string
	Amount            decimal.Decimal
	Refunded          decimal.Decimal
	Currency          string
	ExternalReference string
}

// Server is a fake Mercado Pago. Its zero value is not usable: call New.
type Server struct {
	// URL is the base URL (NEXUS_MERCADOPAGO_BASE_URL).
	URL string
	srv *httptest.Server

	mu       sync.Mutex
	tokens   map[string]bool
	payments map[int64]*Payment
	nextID   int64
	// replies remember each idempotency key's answer.
	replies  map[string]reply
	requests []Request
	// fail answers the next calls with these statuses, in order.
	fail []int
	// delay holds every answer this long.
	delay time.Duration
}

type reply struct {
	status int
	body   []byte
}

// New starts a fake accepting the access tokens given, stopped when t
// ends.
func New(t testing.TB, tokens ...string) *Server {
	s := &Server{tokens: map[string]bool{}, payments: map[int64]*Payment{}, nextID: 1_000_000_000, replies: map[string]reply{}}
	for _, tk := range tokens {
		s.tokens[tk] = true
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// FailNext makes the next len(statuses) calls answer those statuses with
// Mercado Pago's error body.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// SetDelay holds every answer d (0: none): longer than the client's
// timeout, it is the timeout path.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Requests returns the calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Payment returns a payment the fake holds.
func (s *Server) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.ParseInt(id, 10, 64)
	p, ok := s.payments[n]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Settle moves a payment to status (approved, rejected, cancelled ...), as
// the buyer or the issuer would.
func (s *Server) Settle(id, status, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.ParseInt(id, 10, 64)
	if p, ok := s.payments[n]; ok {
		p.Status, p.StatusDetail = status, detail
	}
}

// PayQR is the buyer paying an in-store QR order whose external reference
// is ref: it creates the payment in status and returns its id.
func (s *Server) PayQR(ref, amount, currency, status string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.newPayment(decimal.RequireFromString(amount), currency, ref)
	p.Status, p.StatusDetail = status, detailOf(status)
	return strconv.FormatInt(p.ID, 10)
}

func (s *Server) newPayment(amount decimal.Decimal, currency, ref string) *Payment {
	s.nextID++
	p := &Payment{ID: s.nextID, Amount: amount, Currency: currency, ExternalReference: ref}
	s.payments[p.ID] = p
	return p
}

func detailOf(status string) string {
	switch status {
	case "approved":
		return "accredited"
	case "rejected":
		return "cc_rejected_other_reason"
	case "in_process":
		return "pending_contingency"
	}
	return ""
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization"),
		IdempotencyKey: r.Header.Get("X-Idempotency-Key"), Body: body.Bytes()})
	delay := s.delay
	var fail int
	if len(s.fail) > 0 {
		fail, s.fail = s.fail[0], s.fail[1:]
	}
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		writeError(w, fail, "internal_error", "simulated failure")
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	known := ok && s.tokens[token]
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusUnauthorized, "unauthorized", "invalid access token")
		return
	}
	key := r.Header.Get("X-Idempotency-Key")
	if r.Method == http.MethodPost {
		if key == "" {
			writeError(w, http.StatusBadRequest, "bad_request", "X-Idempotency-Key header is required")
			return
		}
		s.mu.Lock()
		prev, seen := s.replies[r.URL.Path+"|"+key]
		s.mu.Unlock()
		if seen {
			writeRaw(w, prev.status, prev.body)
			return
		}
	}
	status, out := s.route(r, body.Bytes())
	data, _ := json.Marshal(out)
	if r.Method == http.MethodPost && status/100 == 2 {
		s.mu.Lock()
		s.replies[r.URL.Path+"|"+key] = reply{status, data}
		s.mu.Unlock()
	}
	writeRaw(w, status, data)
}

// route answers one authenticated call.
func (s *Server) route(r *http.Request, body []byte) (int, any) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/payments":
		return s.createPayment(body)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/payments/search":
		return s.search(r.URL.Query().Get("external_reference"))
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "v1" && parts[1] == "payments":
		return s.getPayment(parts[2])
	case r.Method == http.MethodPost && len(parts) == 4 && parts[0] == "v1" && parts[1] == "payments" && parts[3] == "refunds":
		return s.refund(parts[2], body)
	case r.Method == http.MethodPost && len(parts) == 9 && parts[0] == "instore" && parts[8] == "qrs":
		return s.qrOrder(parts[5], parts[7], body)
	}
	return http.StatusNotFound, errorBody(http.StatusNotFound, "not_found", "resource not found")
}

func (s *Server) createPayment(body []byte) (int, any) {
	var in struct {
		TransactionAmount json.Number `json:"transaction_amount"`
		Token             string      `json:"token"`
		Installments      int         `json:"installments"`
		ExternalReference string      `json:"external_reference"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "invalid body")
	}
	amount, err := decimal.NewFromString(string(in.TransactionAmount))
	if err != nil || !amount.IsPositive() {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "transaction_amount must be positive", cause{4037, "Invalid transaction_amount"})
	}
	if in.Token == "" {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "token is required", cause{2006, "Card Token not found"})
	}
	status := "approved"
	switch {
	case strings.HasPrefix(in.Token, TokenRejected):
		status = "rejected"
	case strings.HasPrefix(in.Token, TokenPending):
		status = "in_process"
	case !strings.HasPrefix(in.Token, TokenApproved):
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "Card Token not found", cause{2006, "Card Token not found"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.newPayment(amount, "ARS", in.ExternalReference)
	p.Status, p.StatusDetail = status, detailOf(status)
	return http.StatusCreated, resource(p)
}

func (s *Server) getPayment(id string) (int, any) {
	n, err := strconv.ParseInt(id, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[n]
	if err != nil || !ok {
		return http.StatusNotFound, errorBody(http.StatusNotFound, "not_found", "Payment not found")
	}
	return http.StatusOK, resource(p)
}

func (s *Server) search(ref string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	results := []any{}
	for _, p := range s.payments {
		if ref != "" && p.ExternalReference == ref {
			results = append(results, resource(p))
		}
	}
	return http.StatusOK, map[string]any{"paging": map[string]int{"total": len(results), "limit": 30, "offset": 0}, "results": results}
}

func (s *Server) refund(id string, body []byte) (int, any) {
	var in struct {
		Amount *json.Number `json:"amount"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "invalid body")
		}
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[n]
	if !ok {
		return http.StatusNotFound, errorBody(http.StatusNotFound, "not_found", "Payment not found")
	}
	if p.Status != "approved" {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "Payment not refundable", cause{2063, "The action requested is not valid for the current payment state"})
	}
	left := p.Amount.Sub(p.Refunded)
	amount := left
	if in.Amount != nil {
		a, err := decimal.NewFromString(string(*in.Amount))
		if err != nil || !a.IsPositive() || a.GreaterThan(left) {
			return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "Invalid refund amount", cause{4040, "amount must be positive and not exceed the payment"})
		}
		amount = a
	}
	p.Refunded = p.Refunded.Add(amount)
	if p.Refunded.Equal(p.Amount) {
		p.Status, p.StatusDetail = "refunded", "refunded"
	}
	s.nextID++
	return http.StatusCreated, map[string]any{"id": s.nextID, "payment_id": p.ID, "amount": json.Number(amount.String()),
		"status": "approved", "source": map[string]string{"type": "collector"}, "date_created": time.Now().Format(time.RFC3339)}
}

func (s *Server) qrOrder(userID, posID string, body []byte) (int, any) {
	var in struct {
		ExternalReference string      `json:"external_reference"`
		TotalAmount       json.Number `json:"total_amount"`
		Items             []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil || in.ExternalReference == "" || len(in.Items) == 0 {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "invalid order")
	}
	if _, err := decimal.NewFromString(string(in.TotalAmount)); err != nil {
		return http.StatusBadRequest, errorBody(http.StatusBadRequest, "bad_request", "invalid total_amount")
	}
	return http.StatusCreated, map[string]string{
		"in_store_order_id": fmt.Sprintf("%s-%s-%s", userID, posID, in.ExternalReference),
		"qr_data":           "00020101021243650016COM.MERCADOLIBRE0201306" + in.ExternalReference + "5204000053030325802AR6304ABCD",
	}
}

// resource is a payment as GET /v1/payments/{id} answers it.
func resource(p *Payment) map[string]any {
	fee := p.Amount.Mul(FeeRate).Round(2)
	var fees []map[string]any
	if p.Status == "approved" || p.Status == "refunded" {
		fees = []map[string]any{{"type": "mercadopago_fee", "amount": json.Number(fee.String()), "fee_payer": "collector"}}
	}
	return map[string]any{
		"id": p.ID, "status": p.Status, "status_detail": p.StatusDetail, "currency_id": p.Currency,
		"transaction_amount": json.Number(p.Amount.String()), "transaction_amount_refunded": json.Number(p.Refunded.String()),
		"external_reference": p.ExternalReference, "fee_details": fees,
		"transaction_details": map[string]any{"net_received_amount": json.Number(p.Amount.Sub(fee).String()),
			"total_paid_amount": json.Number(p.Amount.String())},
		"date_created": time.Now().Format("2006-01-02T15:04:05.000-07:00"),
	}
}

type cause struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

func errorBody(status int, code, message string, causes ...cause) map[string]any {
	if causes == nil {
		causes = []cause{}
	}
	return map[string]any{"message": message, "error": code, "status": status, "cause": causes}
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	data, _ := json.Marshal(errorBody(status, code, message))
	writeRaw(w, status, data)
}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// Notification is a webhook delivery as Mercado Pago sends it for payment
// dataID: the query (type, data.id), the headers (x-signature with ts and
// v1, x-request-id) and the body, signed with secret at ts.
func Notification(url, secret, dataID, requestID string, ts time.Time) (*http.Request, error) {
	tsText := strconv.FormatInt(ts.UnixMilli(), 10)
	id := dataID
	if isAlnum(id) {
		id = strings.ToLower(id)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("id:" + id + ";request-id:" + requestID + ";ts:" + tsText + ";"))
	body, _ := json.Marshal(map[string]any{"action": "payment.updated", "api_version": "v1", "type": "payment",
		"data": map[string]string{"id": dataID}, "date_created": ts.Format(time.RFC3339), "live_mode": false})
	req, err := http.NewRequest(http.MethodPost, url+"?data.id="+dataID+"&type=payment", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-request-id", requestID)
	req.Header.Set("x-signature", "ts="+tsText+",v1="+hex.EncodeToString(m.Sum(nil)))
	return req, nil
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
