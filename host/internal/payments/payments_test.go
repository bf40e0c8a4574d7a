package payments_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakemp"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/payments"
)

// requireCode asserts err is an *httpx.Error with status and code.
func requireCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var he *httpx.Error
	require.True(t, errors.As(err, &he), "want %s, got %v", code, err)
	require.Equal(t, status, he.Status(), "%v", err)
	require.Equal(t, code, he.Code)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestPayments runs the service's cases on one database, each on its own
// companies.
func TestPayments(t *testing.T) {
	pool := testPool(t)

	t.Run("card approved", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-1", "key-1", fakemp.TokenApproved+"-1", "100.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		require.Equal(t, payments.StatusApproved, p.Status)
		require.Equal(t, "accredited", p.StatusDetail)
		require.NotEmpty(t, p.ProviderPaymentID)
		require.True(t, dec("4.99").Equal(p.FeeAmount), "fee %s", p.FeeAmount)
		require.True(t, dec("95.01").Equal(p.NetAmount()))
		require.Equal(t, []string{"host.payment.approved"}, e.topics(t))
		reqs := e.mp.Requests()
		require.Len(t, reqs, 1)
		require.Equal(t, "POST", reqs[0].Method)
		require.Equal(t, "/v1/payments", reqs[0].Path)
		require.Equal(t, "Bearer "+accessToken, reqs[0].Authorization)
		require.Equal(t, "key-1", reqs[0].IdempotencyKey, "the request's idempotency key travels to Mercado Pago")
		require.Contains(t, string(reqs[0].Body), `"transaction_amount":100,`)

		// The same key and request: the same payment, no second call.
		again, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		require.Equal(t, p.ID, again.ID)
		require.Len(t, e.mp.Requests(), 1)
		// The same key for another request: 409.
		other := in
		other.Amount = dec("99.00")
		_, err = e.svc.Create(t.Context(), other)
		requireCode(t, err, http.StatusConflict, "idempotency_key_reused")

		got, err := e.svc.Get(t.Context(), e.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, p.Status, got.Status)
		var actions []string
		rows, err := pool.Query(t.Context(), `SELECT action FROM audit_log WHERE company_id = $1 AND action LIKE 'payment.%' ORDER BY at`, e.company)
		require.NoError(t, err)
		for rows.Next() {
			var a string
			require.NoError(t, rows.Scan(&a))
			actions = append(actions, a)
		}
		require.Equal(t, []string{"payment.config_changed", "payment.created", "payment.status_changed"}, actions)
	})

	t.Run("card rejected", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-2", "key-2", fakemp.TokenRejected+"-2", "50.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		require.Equal(t, payments.StatusRejected, p.Status)
		require.Equal(t, []string{"host.payment.rejected"}, e.topics(t))
	})

	t.Run("pending then approved by webhook, applied once", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-3", "key-3", fakemp.TokenPending+"-3", "80.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		require.Equal(t, payments.StatusInProcess, p.Status)
		e.mp.Settle(p.ProviderPaymentID, "approved", "accredited")

		rec := e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-1", time.Now())
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.JSONEq(t, `{"result":"applied"}`, rec.Body.String())
		got, err := e.svc.Get(t.Context(), e.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusApproved, got.Status)
		require.True(t, dec("3.99").Equal(got.FeeAmount), "fee %s", got.FeeAmount)

		// The same delivery again, and another delivery of the same news.
		rec = e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-1", time.Now())
		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"result":"duplicate"}`, rec.Body.String())
		rec = e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-2", time.Now())
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, []string{"host.payment.in_process", "host.payment.approved"}, e.topics(t), "each change is published once")
	})

	t.Run("webhook signatures", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-4", "key-4", fakemp.TokenPending+"-4", "10.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		e.mp.Settle(p.ProviderPaymentID, "approved", "accredited")
		for name, rec := range map[string]int{
			"bad secret": e.notify(t, e.company, "not-the-secret", p.ProviderPaymentID, "req-a", time.Now()).Code,
			"stale ts":   e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-b", time.Now().Add(-10*time.Minute)).Code,
			"future ts":  e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-c", time.Now().Add(10*time.Minute)).Code,
			"unsigned":   tampered(t, e, p.ProviderPaymentID, func(r *http.Request) { r.Header.Del("x-signature") }),
			"another id": tampered(t, e, p.ProviderPaymentID, func(r *http.Request) {
				r.URL.RawQuery = "data.id=" + p.ProviderPaymentID + "0&type=payment"
			}),
			"another request id": tampered(t, e, p.ProviderPaymentID, func(r *http.Request) { r.Header.Set("x-request-id", "req-z") }),
		} {
			require.Equal(t, http.StatusUnauthorized, rec, name)
		}
		require.Zero(t, e.count(t, "payment_notifications"), "a refused notification writes nothing")
		got, err := e.svc.Get(t.Context(), e.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusInProcess, got.Status)
		// Another company's path: unknown, or not set up, reaches nothing.
		require.Equal(t, http.StatusNotFound, e.notify(t, uuid.New(), webhookSecret, p.ProviderPaymentID, "req-e", time.Now()).Code)
		require.Equal(t, http.StatusNotFound, e.notify(t, newCompany(t, pool), webhookSecret, p.ProviderPaymentID, "req-f", time.Now()).Code)
	})

	t.Run("lost webhook recovered by the poll job", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-5", "key-5", fakemp.TokenPending+"-5", "20.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		e.mp.Settle(p.ProviderPaymentID, "approved", "accredited")
		n, err := e.svc.Poll(t.Context(), e.company)
		require.NoError(t, err)
		require.Zero(t, n, "a payment open for less than PollAfter is left alone")
		later := e.with(func(c *payments.Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } })
		n, err = later.Poll(t.Context(), e.company)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		got, err := e.svc.Get(t.Context(), e.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusApproved, got.Status)
		require.Equal(t, []string{"host.payment.in_process", "host.payment.approved"}, e.topics(t))
	})

	t.Run("QR paid, and QR expired", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := payments.CreateInput{CompanyID: e.company, Vertical: "shop", DocumentID: "sale-6", Method: payments.MethodQR,
			Amount: dec("35.50"), Currency: "ARS", IdempotencyKey: "key-6", Description: "Sale 6"}
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		require.Equal(t, payments.StatusPending, p.Status)
		require.NotEmpty(t, p.QRData)
		require.NotNil(t, p.ExpiresAt)
		reqs := e.mp.Requests()
		require.Equal(t, "/instore/orders/qr/seller/collectors/123456/pos/CAJA01/qrs", reqs[len(reqs)-1].Path)
		require.Equal(t, "key-6", reqs[len(reqs)-1].IdempotencyKey)
		// The buyer pays; the notification names the provider's payment.
		id := e.mp.PayQR(p.ID.String(), "35.50", "ARS", "approved")
		rec := e.notify(t, e.company, webhookSecret, id, "req-q", time.Now())
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		got, err := e.svc.Get(t.Context(), e.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusApproved, got.Status)
		require.Equal(t, id, got.ProviderPaymentID)

		// An order nobody pays expires: the poll job cancels it.
		in.DocumentID, in.IdempotencyKey = "sale-7", "key-7"
		q, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		later := e.with(func(c *payments.Config) { c.Now = func() time.Time { return time.Now().Add(time.Hour) } })
		_, err = later.Poll(t.Context(), e.company)
		require.NoError(t, err)
		got, err = e.svc.Get(t.Context(), e.company, "shop", q.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusCancelled, got.Status)
		require.Equal(t, "expired", got.StatusDetail)
		require.Equal(t, []string{"host.payment.approved", "host.payment.cancelled"}, e.topics(t))
	})

	t.Run("refunds partial and total", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-8", "key-8", fakemp.TokenApproved+"-8", "100.00")
		in.CompanyID = e.company
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err)
		part := dec("30.00")
		r := payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, Amount: &part, IdempotencyKey: "refund-1"}
		got, err := e.svc.Refund(t.Context(), r)
		require.NoError(t, err)
		require.Equal(t, payments.StatusApproved, got.Status)
		require.True(t, part.Equal(got.RefundedAmount))
		calls := len(e.mp.Requests())
		_, err = e.svc.Refund(t.Context(), r)
		require.NoError(t, err)
		require.Len(t, e.mp.Requests(), calls, "the same refund key sends nothing again")
		big := dec("70.01")
		_, err = e.svc.Refund(t.Context(), payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, Amount: &big, IdempotencyKey: "refund-2"})
		requireCode(t, err, http.StatusUnprocessableEntity, "refund_exceeds_payment")
		fine := dec("0.001")
		_, err = e.svc.Refund(t.Context(), payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, Amount: &fine, IdempotencyKey: "refund-fine"})
		requireCode(t, err, http.StatusUnprocessableEntity, "invalid_payment")
		require.Len(t, e.mp.Requests(), calls, "a refund finer than the currency reaches no provider")
		got, err = e.svc.Refund(t.Context(), payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, IdempotencyKey: "refund-3"})
		require.NoError(t, err)
		require.Equal(t, payments.StatusRefunded, got.Status)
		require.True(t, dec("100").Equal(got.RefundedAmount))
		at, ok := e.mp.Payment(p.ProviderPaymentID)
		require.True(t, ok)
		require.Equal(t, "refunded", at.Status)
		require.True(t, dec("100").Equal(at.Refunded))
		_, err = e.svc.Refund(t.Context(), payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, IdempotencyKey: "refund-4"})
		requireCode(t, err, http.StatusConflict, "payment_not_refundable")
		require.Equal(t, []string{"host.payment.approved", "host.payment.partially_refunded", "host.payment.refunded"}, e.topics(t))
		require.Equal(t, 2, e.count(t, "payment_refunds"))
	})

	t.Run("5xx, timeout and an open breaker", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		in := card("sale-9", "key-9", fakemp.TokenApproved+"-9", "10.00")
		in.CompanyID = e.company
		e.mp.FailNext(500, 502)
		_, err := e.svc.Create(t.Context(), in)
		requireCode(t, err, http.StatusBadGateway, "payment_provider_error")
		require.Equal(t, 1, e.count(t, "payments"), "an unknown outcome stays pending for the poll job")
		p, err := e.svc.Create(t.Context(), in)
		require.NoError(t, err, "a retry with the same key asks again")
		require.Equal(t, payments.StatusApproved, p.Status)
		require.Equal(t, 1, e.count(t, "payments"))

		e.mp.SetDelay(2 * time.Second)
		in.DocumentID, in.IdempotencyKey = "sale-10", "key-10"
		_, err = e.svc.Create(t.Context(), in)
		requireCode(t, err, http.StatusGatewayTimeout, "payment_provider_timeout")
		e.mp.SetDelay(0)

		// Four failures in a row open the company's breaker.
		e.mp.FailNext(503, 503)
		_, err = e.svc.Create(t.Context(), in)
		require.Error(t, err)
		sent := len(e.mp.Requests())
		in.DocumentID, in.IdempotencyKey = "sale-11", "key-11"
		_, err = e.svc.Create(t.Context(), in)
		requireCode(t, err, http.StatusServiceUnavailable, "payment_service_unavailable")
		require.Len(t, e.mp.Requests(), sent, "an open breaker sends nothing")
		cfg, err := e.svc.Config(t.Context(), e.company)
		require.NoError(t, err)
		require.Equal(t, "open", cfg.Breaker, "the setup shows the open breaker")
		other := newEnv(t, pool)
		cfg, err = e.svc.Config(t.Context(), other.company)
		require.NoError(t, err)
		require.Equal(t, "closed", cfg.Breaker, "the breaker is the company's: another's stays closed")
		var n int
		require.NoError(t, pool.QueryRow(t.Context(), `SELECT count(*) FROM payments WHERE company_id = $1 AND document_id = 'sale-11'`, e.company).Scan(&n))
		require.Zero(t, n, "a refused payment leaves nothing")
	})

	t.Run("bad input writes nothing", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, pool)
		base := card("sale-12", "key-12", fakemp.TokenApproved+"-12", "10.00")
		base.CompanyID = e.company
		cases := map[string]func(*payments.CreateInput){
			"negative amount": func(in *payments.CreateInput) { in.Amount = dec("-1") },
			"zero amount":     func(in *payments.CreateInput) { in.Amount = decimal.Zero },
			"sub-cent amount": func(in *payments.CreateInput) { in.Amount = dec("1.001") },
			"unknown method":  func(in *payments.CreateInput) { in.Method = "cash" },
			"no card token":   func(in *payments.CreateInput) { in.CardToken = "" },
			"bad currency":    func(in *payments.CreateInput) { in.Currency = "XXX" },
			"no document":     func(in *payments.CreateInput) { in.DocumentID = "" },
			"no key":          func(in *payments.CreateInput) { in.IdempotencyKey = "" },
		}
		for name, change := range cases {
			in := base
			change(&in)
			_, err := e.svc.Create(t.Context(), in)
			requireCode(t, err, http.StatusUnprocessableEntity, "invalid_payment")
			_ = name
		}
		// A token Mercado Pago refuses: its causes, and nothing kept.
		in := base
		in.CardToken = "bogus"
		_, err := e.svc.Create(t.Context(), in)
		requireCode(t, err, http.StatusUnprocessableEntity, "payment_refused")
		var he *httpx.Error
		require.True(t, errors.As(err, &he))
		require.Equal(t, []map[string]string{{"code": "2006", "description": "Card Token not found"}}, he.Details["causes"])
		require.Zero(t, e.count(t, "payments"))
		// A company without Mercado Pago, or with the method off.
		_, err = e.svc.Create(t.Context(), payments.CreateInput{CompanyID: newCompany(t, pool), Vertical: "shop", DocumentID: "d",
			Method: payments.MethodCard, Amount: dec("1"), Currency: "ARS", IdempotencyKey: "k", CardToken: "APRO"})
		requireCode(t, err, http.StatusUnprocessableEntity, "payments_not_configured")
		_, err = e.svc.PutConfig(t.Context(), e.company, payments.ConfigInput{Environment: payments.EnvTest, QREnabled: false, CardEnabled: false})
		require.NoError(t, err)
		_, err = e.svc.Create(t.Context(), base)
		requireCode(t, err, http.StatusUnprocessableEntity, "payment_method_disabled")
		_, err = e.svc.PutConfig(t.Context(), e.company, payments.ConfigInput{Environment: "staging"})
		requireCode(t, err, http.StatusUnprocessableEntity, "invalid_payment")
		cfg, err := e.svc.Config(t.Context(), e.company)
		require.NoError(t, err)
		require.True(t, cfg.AccessTokenSet, "a config without credentials keeps the stored ones")
		require.True(t, cfg.WebhookSecret)
		require.Equal(t, payments.EnvTest, cfg.Environment)
	})

	t.Run("another company reaches nothing", func(t *testing.T) {
		t.Parallel()
		a, b := newEnv(t, pool), newEnv(t, pool)
		in := card("sale-13", "key-13", fakemp.TokenPending+"-13", "10.00")
		in.CompanyID = a.company
		p, err := a.svc.Create(t.Context(), in)
		require.NoError(t, err)
		_, err = b.svc.Get(t.Context(), b.company, "shop", p.ID)
		requireCode(t, err, http.StatusNotFound, "payment_not_found")
		_, err = a.svc.Get(t.Context(), a.company, "other", p.ID)
		requireCode(t, err, http.StatusNotFound, "payment_not_found")
		_, err = b.svc.Refund(t.Context(), payments.RefundInput{CompanyID: b.company, Vertical: "shop", PaymentID: p.ID, IdempotencyKey: "r"})
		requireCode(t, err, http.StatusNotFound, "payment_not_found")
		// A's payment notified on B's path, signed with B's secret: B's
		// provider account does not know it, and A's payment is untouched.
		a.mp.Settle(p.ProviderPaymentID, "approved", "accredited")
		rec := b.notify(t, b.company, webhookSecret, p.ProviderPaymentID, "req-x", time.Now())
		require.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
		// On B's path signed with a secret B does not have.
		rec = b.notify(t, b.company, "whsec-of-a", p.ProviderPaymentID, "req-y", time.Now())
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		got, err := a.svc.Get(t.Context(), a.company, "shop", p.ID)
		require.NoError(t, err)
		require.Equal(t, payments.StatusInProcess, got.Status)
		require.Empty(t, b.topics(t))
	})
}

// tampered sends a signed notification changed by change.
func tampered(t *testing.T, e *env, dataID string, change func(*http.Request)) int {
	t.Helper()
	req, err := fakemp.Notification("/hooks/payments/mercadopago/"+e.company.String(), webhookSecret, dataID, "req-u", time.Now())
	require.NoError(t, err)
	change(req)
	rec := newRecorder()
	e.webhook.ServeHTTP(rec, req)
	return rec.Code
}

func TestManifestAndSignature(t *testing.T) {
	t.Parallel()
	require.Equal(t, "id:abc123;request-id:r-1;ts:1704908010;", payments.Manifest("ABC123", "r-1", "1704908010"))
	require.Equal(t, "id:a_B;request-id:r;ts:1;", payments.Manifest("a_B", "r", "1"), "only alphanumeric ids are lower-cased")
	sig, err := payments.ParseSignature("ts=1704908010, v1=" + payments.Sign("s", "m"))
	require.NoError(t, err)
	require.Equal(t, time.Unix(1704908010, 0), sig.TS)
	sig, err = payments.ParseSignature("v1=00,ts=1704908010123")
	require.NoError(t, err)
	require.Equal(t, time.UnixMilli(1704908010123), sig.TS)
	for _, bad := range []string{"", "ts=1", "v1=00", "ts=x,v1=00", "ts=1,v1=zz"} {
		_, err := payments.ParseSignature(bad)
		require.Error(t, err, bad)
	}
}
