package cpg_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/hosttest/fakemp"
)

// Credentials of the Mercado Pago account the test company sets up; the
// test asserts neither reaches the host's log.
const (
	mpAccessToken   = "TEST-cpg-e2e-access-token-77f3"
	mpWebhookSecret = "whsec-cpg-e2e-19ab"
)

// mpTender is a checkout tender charged through Mercado Pago.
func mpTender(amount string, details map[string]any) map[string]any {
	return map[string]any{"method": "mercadopago", "amount": amount, "mercadopago": details}
}

func mpSale(session, variant, quantity string, tender map[string]any) map[string]any {
	return map[string]any{"session_id": session, "lines": []any{line(variant, quantity)}, "payments": []any{tender}}
}

// notify delivers Mercado Pago's signed notification of payment dataID to
// company's webhook.
func notify(t *testing.T, p *platform, company, secret, dataID, requestID string) hosttest.Response {
	t.Helper()
	req, err := fakemp.Notification(p.h.URL+"/api/v1/hooks/payments/mercadopago/"+company, secret, dataID, requestID, time.Now())
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return hosttest.Response{Status: res.StatusCode, Body: body}
}

// saleStatus reads a sale's status.
func (c *company) saleStatus(id string) string {
	c.t.Helper()
	return c.ok(http.StatusOK, "viewer", "GET", "/sales/"+id, nil)["status"].(string)
}

// TestMercadoPago drives checkouts with a Mercado Pago tender through the
// real host and plugin against a local Mercado Pago: card approved at
// once, rejected, pending then approved by the signed webhook or by the
// poll job when the webhook is lost, a QR payment rejected (its stock
// released), refunds of returns (partial, then the rest), another
// company's webhook, and the breaker: Mercado Pago refused at once while
// cash checkouts go on.
func TestMercadoPago(t *testing.T) {
	mp := fakemp.New(t, mpAccessToken)
	p := startPlatform(t, "NEXUS_MERCADOPAGO_BASE_URL="+mp.URL, "NEXUS_MERCADOPAGO_POLL_AFTER=1s", "NEXUS_MERCADOPAGO_POLL_INTERVAL=1s")
	c := p.newCompany(t, "AR")
	p.h.Expect(http.StatusOK, "PUT", "/api/v1/companies/"+c.ID+"/payments/mercadopago", c.Tokens["owner"], map[string]any{
		"environment": "test", "card_enabled": true, "qr_enabled": true, "qr_user_id": "123456", "qr_external_pos_id": "CAJA01",
		"access_token": mpAccessToken, "webhook_secret": mpWebhookSecret,
	})
	setup := p.h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+c.ID+"/payments/mercadopago", c.Tokens["admin"], nil)
	require.NotContains(t, string(setup.Body), mpAccessToken)
	require.Equal(t, true, setup.JSON(t)["access_token_set"])
	session := c.session("0.00")
	created := func() int { return c.events("cpg.sale.created") }

	t.Run("card approved at once", func(t *testing.T) {
		v := c.product("MP-A", "100.00", "40.00")
		c.stock(v, "5")
		before := created()
		body := mpSale(session, v, "1", mpTender("100.00", map[string]any{"method": "card", "card_token": fakemp.TokenApproved + "-a", "payment_method_id": "visa", "installments": 1}))
		res := c.ok(http.StatusCreated, "cashier", "POST", "/sales", body, "Idempotency-Key", "mp-a-1")
		sale, pay := res["sale"].(map[string]any), res["payment"].(map[string]any)
		require.Equal(t, "completed", sale["status"])
		require.Equal(t, "approved", pay["status"])
		require.Equal(t, "4", c.onHand(v))
		require.Equal(t, before+1, created())
		// The point-of-sale payment keeps the provider's id, as its
		// reference, and fee: bank reconciliation sees 95.01 of 100.00.
		require.Equal(t, 1, c.count("cpg.payments", "sale_id = $2 AND provider_payment_id = $3 AND reference = $3 AND fee = 4.99 AND host_payment_id = $4",
			sale["id"], pay["provider_payment_id"], pay["id"]))
		var net string
		require.NoError(t, p.pool.QueryRow(context.Background(), `SELECT (amount - change - fee)::text FROM cpg.payments WHERE company_id = $1 AND sale_id = $2`,
			c.ID, sale["id"]).Scan(&net))
		require.Equal(t, "95.01", net)
		// The host's view of the payment, for the company's managers.
		got := p.h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+c.ID+"/payments/"+pay["id"].(string), c.Tokens["manager"], nil).JSON(t)
		require.Equal(t, "approved", got["status"])
		require.Equal(t, "cpg", got["vertical"])
		require.Equal(t, sale["id"], got["document_id"])
		require.Equal(t, "4.99", got["fee_amount"])
		p.h.Expect(http.StatusForbidden, "GET", "/api/v1/companies/"+c.ID+"/payments/"+pay["id"].(string), c.Tokens["cashier"], nil)
		// The key sent to Mercado Pago is the request's.
		last := mp.Requests()[len(mp.Requests())-1]
		require.Equal(t, "mp-a-1", last.IdempotencyKey)
		// A retry answers the same sale, charging nothing again.
		sent := len(mp.Requests())
		again := c.ok(http.StatusCreated, "cashier", "POST", "/sales", body, "Idempotency-Key", "mp-a-1")
		require.Equal(t, sale["id"], again["sale"].(map[string]any)["id"])
		require.Len(t, mp.Requests(), sent)
		require.Equal(t, "4", c.onHand(v))
	})

	t.Run("card rejected leaves nothing", func(t *testing.T) {
		v := c.product("MP-R", "50.00", "20.00")
		c.stock(v, "5")
		sales := c.count("cpg.sales", "")
		env := c.fail(http.StatusUnprocessableEntity, "payment_rejected", "cashier", "POST", "/sales",
			mpSale(session, v, "1", mpTender("50.00", map[string]any{"method": "card", "card_token": fakemp.TokenRejected + "-r"})))
		require.Equal(t, "cc_rejected_other_reason", env["error"].(map[string]any)["details"].(map[string]any)["status_detail"])
		require.Equal(t, "5", c.onHand(v))
		require.Equal(t, sales, c.count("cpg.sales", ""))
	})

	t.Run("pending, then approved by the webhook, once", func(t *testing.T) {
		v := c.product("MP-P", "80.00", "30.00")
		c.stock(v, "5")
		before := created()
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales",
			mpSale(session, v, "2", mpTender("160.00", map[string]any{"method": "card", "card_token": fakemp.TokenPending + "-p"})))
		sale, pay := res["sale"].(map[string]any), res["payment"].(map[string]any)
		id := sale["id"].(string)
		require.Equal(t, "pending_payment", sale["status"])
		require.Equal(t, "in_process", pay["status"])
		require.Equal(t, "3", c.onHand(v), "the stock is held while the payment is pending")
		require.Equal(t, before, created(), "nothing is emitted before the payment is approved")
		c.fail(http.StatusConflict, "invalid_transition", "manager", "POST", "/sales/"+id+"/void", nil)

		mp.Settle(pay["provider_payment_id"].(string), "approved", "accredited")
		res2 := notify(t, p, c.ID, mpWebhookSecret, pay["provider_payment_id"].(string), "req-p-1")
		require.Equal(t, http.StatusOK, res2.Status, string(res2.Body))
		hosttest.Eventually(t, 20*time.Second, "the sale completes", func() bool { return c.saleStatus(id) == "completed" })
		require.Equal(t, before+1, created())
		res2 = notify(t, p, c.ID, mpWebhookSecret, pay["provider_payment_id"].(string), "req-p-1")
		require.JSONEq(t, `{"result":"duplicate"}`, string(res2.Body))
		require.Equal(t, "3", c.onHand(v))
		require.Equal(t, before+1, created())
		// A bad signature is 401 and changes nothing.
		require.Equal(t, http.StatusUnauthorized, notify(t, p, c.ID, "wrong-secret", pay["provider_payment_id"].(string), "req-p-2").Status)
	})

	t.Run("QR rejected releases the stock", func(t *testing.T) {
		v := c.product("MP-Q", "35.50", "10.00")
		c.stock(v, "5")
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales", mpSale(session, v, "1", mpTender("35.50", map[string]any{"method": "qr"})))
		sale, pay := res["sale"].(map[string]any), res["payment"].(map[string]any)
		require.NotEmpty(t, pay["qr_data"], "the POS shows the QR")
		require.NotEmpty(t, pay["expires_at"])
		require.Equal(t, "4", c.onHand(v))
		paid := mp.PayQR(pay["id"].(string), "35.50", "ARS", "rejected")
		require.Equal(t, http.StatusOK, notify(t, p, c.ID, mpWebhookSecret, paid, "req-q-1").Status)
		hosttest.Eventually(t, 20*time.Second, "the sale is voided", func() bool { return c.saleStatus(sale["id"].(string)) == "voided" })
		require.Equal(t, "5", c.onHand(v), "the held stock comes back")
		c.integrity()
	})

	t.Run("a lost webhook is recovered by the poll job", func(t *testing.T) {
		v := c.product("MP-L", "20.00", "5.00")
		c.stock(v, "5")
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales",
			mpSale(session, v, "1", mpTender("20.00", map[string]any{"method": "card", "card_token": fakemp.TokenPending + "-l"})))
		id, pay := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)
		mp.Settle(pay["provider_payment_id"].(string), "approved", "accredited")
		hosttest.Eventually(t, 30*time.Second, "the poll job completes the sale", func() bool { return c.saleStatus(id) == "completed" })
	})

	t.Run("refunds of returns, partial then total", func(t *testing.T) {
		v := c.product("MP-F", "60.00", "25.00")
		c.stock(v, "5")
		res := c.ok(http.StatusCreated, "cashier", "POST", "/sales",
			mpSale(session, v, "2", mpTender("120.00", map[string]any{"method": "card", "card_token": fakemp.TokenApproved + "-f"})))
		id, provider := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)["provider_payment_id"].(string)
		ret := c.ok(http.StatusCreated, "cashier", "POST", "/sales/"+id+"/returns", map[string]any{"lines": []any{line(v, "1")}})
		refund := ret["refunds"].([]any)[0].(map[string]any)
		require.Equal(t, "mercadopago", refund["method"])
		require.Equal(t, "pending", refund["status"], "sent once the return is committed")
		refunded := func(amount string) func() bool {
			return func() bool { at, ok := mp.Payment(provider); return ok && at.Refunded.String() == amount }
		}
		hosttest.Eventually(t, 20*time.Second, "the refund reaches Mercado Pago", refunded("60"))
		at, _ := mp.Payment(provider)
		require.Equal(t, "approved", at.Status)
		hosttest.Eventually(t, 20*time.Second, "the refund is recorded", func() bool {
			return c.ok(http.StatusOK, "cashier", "GET", "/returns/"+ret["id"].(string), nil)["refunds"].([]any)[0].(map[string]any)["status"] == "refunded"
		})
		c.ok(http.StatusCreated, "cashier", "POST", "/sales/"+id+"/returns", map[string]any{})
		hosttest.Eventually(t, 20*time.Second, "the rest is refunded", refunded("120"))
		at, _ = mp.Payment(provider)
		require.Equal(t, "refunded", at.Status)
		require.Equal(t, "returned", c.saleStatus(id))
		require.Equal(t, "5", c.onHand(v))
	})

	t.Run("another company reaches nothing", func(t *testing.T) {
		other := p.newCompany(t, "AR")
		v := c.product("MP-O", "10.00", "5.00")
		c.stock(v, "5")
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales",
			mpSale(session, v, "1", mpTender("10.00", map[string]any{"method": "card", "card_token": fakemp.TokenPending + "-o"})))
		pay := res["payment"].(map[string]any)
		mp.Settle(pay["provider_payment_id"].(string), "rejected", "cc_rejected_other_reason")
		require.Equal(t, http.StatusNotFound, notify(t, p, other.ID, mpWebhookSecret, pay["provider_payment_id"].(string), "req-o-1").Status)
		require.Equal(t, http.StatusNotFound, notify(t, p, uuid.NewString(), mpWebhookSecret, pay["provider_payment_id"].(string), "req-o-2").Status)
		p.h.Expect(http.StatusNotFound, "GET", "/api/v1/companies/"+other.ID+"/payments/"+pay["id"].(string), other.Tokens["owner"], nil)
		require.Equal(t, "pending_payment", c.saleStatus(res["sale"].(map[string]any)["id"].(string)))
	})

	t.Run("bad input writes nothing", func(t *testing.T) {
		v := c.product("MP-B", "10.00", "5.00")
		c.stock(v, "5")
		sales := c.count("cpg.sales", "")
		for _, tc := range []struct {
			status int
			code   string
			tender map[string]any
		}{
			{http.StatusUnprocessableEntity, "invalid_field", mpTender("10.00", map[string]any{"method": "cash"})},
			{http.StatusUnprocessableEntity, "invalid_field", mpTender("10.00", map[string]any{"method": "card"})},
			{http.StatusUnprocessableEntity, "invalid_field", mpTender("-10.00", map[string]any{"method": "qr"})},
			{http.StatusUnprocessableEntity, "invalid_field", map[string]any{"method": "card", "amount": "10.00", "mercadopago": map[string]any{"method": "qr"}}},
			{http.StatusBadRequest, "unknown_field", mpTender("10.00", map[string]any{"method": "qr", "surprise": true})},
		} {
			c.fail(tc.status, tc.code, "cashier", "POST", "/sales", mpSale(session, v, "1", tc.tender))
		}
		require.Equal(t, sales, c.count("cpg.sales", ""))
		require.Equal(t, "5", c.onHand(v))
	})

	t.Run("a settlement net of Mercado Pago's fee matches the sale", func(t *testing.T) {
		r := p.newCompany(t, "AR")
		p.h.Expect(http.StatusOK, "PUT", "/api/v1/companies/"+r.ID+"/payments/mercadopago", r.Tokens["owner"], map[string]any{
			"environment": "test", "card_enabled": true, "access_token": mpAccessToken, "webhook_secret": mpWebhookSecret,
		})
		v := r.product("MP-S", "100.00", "40.00")
		r.stock(v, "5")
		r.ok(http.StatusCreated, "cashier", "POST", "/sales",
			mpSale(r.session("0.00"), v, "1", mpTender("100.00", map[string]any{"method": "card", "card_token": fakemp.TokenApproved + "-s"})))
		ar, err := time.LoadLocation("America/Argentina/Buenos_Aires")
		require.NoError(t, err)
		tomorrow := time.Now().In(ar).AddDate(0, 0, 1).Format(time.DateOnly)
		acct := p.h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/bank/accounts", r.Tokens["owner"], map[string]any{
			"name": "Cuenta", "bank": "Galicia", "currency": "ARS",
			"csv_mapping": map[string]any{"date": "fecha", "amount": "importe", "description": "concepto"},
		}).JSON(t)["id"].(string)
		p.h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/bank/accounts/"+acct+"/imports", r.Tokens["owner"],
			"fecha,importe,concepto\n"+tomorrow+",95.01,LIQUIDACION MERCADO PAGO\n", "Content-Type", "text/csv")
		var res struct {
			Matched []struct {
				Payments []struct {
					Source string `json:"source"`
				} `json:"payments"`
			} `json:"matched"`
		}
		p.h.Expect(http.StatusOK, http.MethodPost, "/api/v1/bank/reconcile", r.Tokens["manager"], nil).Decode(t, &res)
		require.Len(t, res.Matched, 1, "the settlement, 100.00 less the 4.99 fee, matches the payment")
		require.Equal(t, "cpg_pos_payments", res.Matched[0].Payments[0].Source)
	})

	// Last: it leaves the company's breaker open.
	t.Run("an open breaker refuses Mercado Pago at once; cash goes on", func(t *testing.T) {
		v := c.product("MP-X", "10.00", "5.00")
		c.stock(v, "10")
		mp.FailNext(500, 500, 500, 500, 500)
		tender := mpTender("10.00", map[string]any{"method": "card", "card_token": fakemp.TokenApproved + "-x"})
		for i := range 2 {
			res := c.call("cashier", "POST", "/sales", mpSale(session, v, "1", tender), "Idempotency-Key", "mp-x-"+string(rune('a'+i)))
			require.GreaterOrEqual(t, res.Status, 500, string(res.Body))
		}
		sent := len(mp.Requests())
		c.fail(http.StatusServiceUnavailable, "payment_service_unavailable", "cashier", "POST", "/sales", mpSale(session, v, "1", tender))
		require.Len(t, mp.Requests(), sent, "an open breaker sends nothing")
		c.sell(session, v, "1", "10.00")
		require.Equal(t, "9", c.onHand(v))
	})

	require.NotContains(t, p.h.Log(), mpAccessToken, "the access token reached the log")
	require.NotContains(t, p.h.Log(), mpWebhookSecret, "the webhook secret reached the log")
}
