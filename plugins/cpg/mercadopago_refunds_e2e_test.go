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

// TestMercadoPagoRefundsAfterCommit drives, through the real host and
// plugin against a local Mercado Pago, a return's refund sent only once
// the return is committed: the return is recorded and answered with its
// refund pending whatever Mercado Pago does; a refund Mercado Pago could
// not take stays pending until the job sends it (once); one it refuses is
// failed and audited; another company sees none of it.
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

	require.NotContains(t, p.h.Log(), mpAccessToken, "the access token reached the log")
}
