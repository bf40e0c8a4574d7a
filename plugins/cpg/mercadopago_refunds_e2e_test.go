package cpg_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/hosttest/fakemp"
)

// setUpMercadoPago sets the company's Mercado Pago account up (cards and
// QR) against the fake.
func setUpMercadoPago(p *platform, c *company) {
	c.t.Helper()
	p.h.Expect(http.StatusOK, "PUT", "/api/v1/companies/"+c.ID+"/payments/mercadopago", c.Tokens["owner"], map[string]any{
		"environment": "test", "card_enabled": true, "qr_enabled": true, "qr_user_id": "123456", "qr_external_pos_id": "CAJA01",
		"access_token": mpAccessToken, "webhook_secret": mpWebhookSecret,
	})
}

// runJob starts a job now, as the platform admin.
func runJob(t *testing.T, p *platform, name string) {
	t.Helper()
	p.h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/"+name+"/run", p.adminToken(t), nil)
}

// refundCalls counts the refunds of provider payment id Mercado Pago was
// asked for.
func refundCalls(mp *fakemp.Server, id string) int {
	n := 0
	for _, r := range mp.Requests() {
		if r.Method == http.MethodPost && r.Path == "/v1/payments/"+id+"/refunds" {
			n++
		}
	}
	return n
}

// returnRefund reads the state of a return's first refund.
func (c *company) returnRefund(id string) map[string]any {
	c.t.Helper()
	return c.ok(http.StatusOK, "cashier", "GET", "/returns/"+id, nil)["refunds"].([]any)[0].(map[string]any)
}

// openOn opens a cash session on register.
func (c *company) openOn(register string) string {
	c.t.Helper()
	return c.ok(http.StatusCreated, "cashier", "POST", "/cash-sessions", map[string]any{"register_id": register, "opening_float": "0.00"})["id"].(string)
}

// TestMercadoPagoRefundsAfterCommit drives, through the real host and
// plugin against a local Mercado Pago, a return's refund sent only once
// the return is committed: the return is recorded and answered with its
// refund pending whatever Mercado Pago does; a refund Mercado Pago could
// not take stays pending until the job sends it (once); one it refuses is
// failed and audited; another company sees none of it. And a QR sale
// approved after its cash session closed: it lands in the session open on
// its register, leaving the closed one as it was closed; with none open,
// it is voided, its stock comes back and the payment is refunded.
func TestMercadoPagoRefundsAfterCommit(t *testing.T) {
	mp := fakemp.New(t, mpAccessToken)
	p := startPlatform(t, "NEXUS_MERCADOPAGO_BASE_URL="+mp.URL)
	c := p.newCompany(t, "AR")
	setUpMercadoPago(p, c)
	session := c.session("0.00")
	card := func(token string) map[string]any {
		return map[string]any{"method": "card", "card_token": fakemp.TokenApproved + "-" + token, "payment_method_id": "visa", "installments": 1}
	}
	var returnID string

	t.Run("a refund Mercado Pago cannot take yet stays pending; the job sends it once", func(t *testing.T) {
		v := c.product("MPR-A", "100.00", "40.00")
		c.stock(v, "5")
		res := c.ok(http.StatusCreated, "cashier", "POST", "/sales", mpSale(session, v, "1", mpTender("100.00", card("a"))))
		id, provider := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)["provider_payment_id"].(string)
		mp.FailNext(500, 500, 500)
		ret := c.ok(http.StatusCreated, "cashier", "POST", "/sales/"+id+"/returns", map[string]any{}, "Idempotency-Key", "ret-a-1")
		returnID = ret["id"].(string)
		refund := ret["refunds"].([]any)[0].(map[string]any)
		require.Equal(t, "mercadopago", refund["method"])
		require.Equal(t, "pending", refund["status"], "the answer says the refund is still to be sent")
		require.Equal(t, "returned", c.saleStatus(id), "the return is recorded whatever Mercado Pago does")
		require.Equal(t, "5", c.onHand(v))
		hosttest.Eventually(t, 20*time.Second, "the refund is tried after the commit", func() bool { return refundCalls(mp, provider) == 3 })
		require.Equal(t, "pending", c.returnRefund(returnID)["status"])
		at, _ := mp.Payment(provider)
		require.True(t, at.Refunded.IsZero())
		// The client's retry answers the stored return; nothing is sent.
		again := c.ok(http.StatusCreated, "cashier", "POST", "/sales/"+id+"/returns", map[string]any{}, "Idempotency-Key", "ret-a-1")
		require.Equal(t, returnID, again["id"])

		runJob(t, p, "cpg.send_mercadopago_refunds")
		hosttest.Eventually(t, 20*time.Second, "the job sends the pending refund", func() bool { return c.returnRefund(returnID)["status"] == "refunded" })
		at, _ = mp.Payment(provider)
		require.Equal(t, "100", at.Refunded.String())
		require.Equal(t, "refunded", at.Status)
		require.Equal(t, 4, refundCalls(mp, provider))
		var keys []string
		for _, r := range mp.Requests() {
			if r.Path == "/v1/payments/"+provider+"/refunds" {
				keys = append(keys, r.IdempotencyKey)
			}
		}
		require.Equal(t, []string{keys[0], keys[0], keys[0], keys[0]}, keys, "every sending carries the return's key")
		require.True(t, strings.HasPrefix(keys[0], "cpg-return-"+returnID))
		runJob(t, p, "cpg.send_mercadopago_refunds")
		hosttest.Eventually(t, 20*time.Second, "the job's run ends", func() bool {
			return c.count("cpg.mp_refunds", "status = 'pending'") == 0
		})
		require.Equal(t, 4, refundCalls(mp, provider), "nothing pending: nothing sent again")
	})

	t.Run("a refund Mercado Pago refuses is failed and audited", func(t *testing.T) {
		v := c.product("MPR-B", "50.00", "20.00")
		c.stock(v, "5")
		res := c.ok(http.StatusCreated, "cashier", "POST", "/sales", mpSale(session, v, "1", mpTender("50.00", card("b"))))
		id, provider := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)["provider_payment_id"].(string)
		mp.Settle(provider, "in_mediation", "") // the buyer disputes it: Mercado Pago refuses refunds
		ret := c.ok(http.StatusCreated, "cashier", "POST", "/sales/"+id+"/returns", map[string]any{})
		require.Equal(t, "pending", ret["refunds"].([]any)[0].(map[string]any)["status"])
		hosttest.Eventually(t, 20*time.Second, "the refusal is recorded", func() bool { return c.returnRefund(ret["id"].(string))["status"] == "failed" })
		require.Equal(t, 1, c.count("public.audit_log", "action = 'cpg.mercadopago.refund_failed' AND target = $2", "sale:"+id))
		require.Equal(t, 1, c.count("cpg.mp_refunds", "return_id = $2 AND error_code = 'payment_refused'", ret["id"]))
	})

	t.Run("another company sees none of it", func(t *testing.T) {
		other := p.newCompany(t, "AR")
		other.fail(http.StatusNotFound, "not_found", "cashier", "GET", "/returns/"+returnID, nil)
		require.Zero(t, other.count("cpg.mp_refunds", ""))
		runJob(t, p, "cpg.send_mercadopago_refunds")
		c.fail(http.StatusNotFound, "not_found", "cashier", "GET", "/returns/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", nil)
	})

	t.Run("a QR approved after its session closed lands in the register's open session", func(t *testing.T) {
		reg := c.ok(http.StatusCreated, "manager", "POST", "/registers", map[string]any{"location_id": c.principal, "name": "Caja QR"})["id"].(string)
		first := c.openOn(reg)
		v := c.product("MPR-Q", "35.50", "10.00")
		c.stock(v, "5")
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales", mpSale(first, v, "1", mpTender("35.50", map[string]any{"method": "qr"})))
		sale, pay := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)
		closed := c.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+first+"/close", map[string]any{"counted": []any{}})
		require.EqualValues(t, 0, closed["sales"])
		second := c.openOn(reg)

		paid := mp.PayQR(pay["id"].(string), "35.50", "ARS", "approved")
		require.Equal(t, http.StatusOK, notify(t, p, c.ID, mpWebhookSecret, paid, "req-late-1").Status)
		hosttest.Eventually(t, 20*time.Second, "the sale completes", func() bool { return c.saleStatus(sale) == "completed" })
		got := c.ok(http.StatusOK, "viewer", "GET", "/sales/"+sale, nil)
		require.Equal(t, second, got["session_id"], "the sale is in the session open when it was paid")
		after := c.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+first, nil)
		require.Equal(t, closed["sales"], after["sales"], "the closed session is as it was closed")
		require.Equal(t, closed["sales_total"], after["sales_total"])
		require.Equal(t, closed["counts"], after["counts"])
		open := c.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+second, nil)
		require.EqualValues(t, 1, open["sales"])
		require.Equal(t, "35.50", open["sales_total"])
		require.Contains(t, open["counts"], map[string]any{"method": "mercadopago", "expected": "35.50"})
		require.Equal(t, 1, c.count("public.audit_log", "action = 'cpg.sale.session_moved' AND target = $2", "sale:"+sale))
		require.Equal(t, "4", c.onHand(v))
	})

	t.Run("a QR approved with no session open on its register is voided and refunded", func(t *testing.T) {
		reg := c.ok(http.StatusCreated, "manager", "POST", "/registers", map[string]any{"location_id": c.principal, "name": "Caja QR 2"})["id"].(string)
		only := c.openOn(reg)
		v := c.product("MPR-N", "20.00", "5.00")
		c.stock(v, "5")
		res := c.ok(http.StatusAccepted, "cashier", "POST", "/sales", mpSale(only, v, "2", mpTender("40.00", map[string]any{"method": "qr"})))
		sale, pay := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)
		require.Equal(t, "3", c.onHand(v))
		closed := c.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+only+"/close", map[string]any{"counted": []any{}})

		paid := mp.PayQR(pay["id"].(string), "40.00", "ARS", "approved")
		require.Equal(t, http.StatusOK, notify(t, p, c.ID, mpWebhookSecret, paid, "req-late-2").Status)
		hosttest.Eventually(t, 20*time.Second, "the sale is voided", func() bool { return c.saleStatus(sale) == "voided" })
		require.Equal(t, "5", c.onHand(v), "its stock comes back")
		hosttest.Eventually(t, 20*time.Second, "the payment is refunded", func() bool {
			at, _ := mp.Payment(paid)
			return at.Refunded.String() == "40"
		})
		hosttest.Eventually(t, 20*time.Second, "the refund is recorded", func() bool {
			return c.count("cpg.mp_refunds", "sale_id = $2 AND status = 'refunded' AND return_id IS NULL", sale) == 1
		})
		after := c.ok(http.StatusOK, "cashier", "GET", "/cash-sessions/"+only, nil)
		require.Equal(t, closed["sales"], after["sales"])
		require.Equal(t, closed["counts"], after["counts"])
		require.Equal(t, 1, c.count("public.audit_log", "action = 'cpg.sale.late_payment_refunded' AND target = $2", "sale:"+sale))
		c.integrity()
	})

	require.NotContains(t, p.h.Log(), mpAccessToken, "the access token reached the log")
}
