package cpg_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestPaymentEvents runs the vertical's side of a Mercado Pago payment in
// process against sdktest's payments: a pending QR sale holds its stock and
// is no revenue (a draft); an expired order (cancelled) voids it and
// brings the stock back, once; another vertical's payment event changes
// nothing; an approved one completes a pending sale and publishes
// cpg.sale.created.
func TestPaymentEvents(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	do := func(status int, method, path, body string) map[string]any {
		t.Helper()
		res := h.Do(method, path, body)
		require.Equal(t, status, res.Status, string(res.Body))
		var out map[string]any
		res.Decode(t, &out)
		return out
	}
	loc := do(http.StatusCreated, "POST", "/locations", `{"name":"Tienda MP","kind":"store"}`)["id"].(string)
	prod := do(http.StatusCreated, "POST", "/products", `{"name":"Yerba","tax_rate":"16","variants":[{"sku":"Y-1","price":"50.00","cost":"20.00"}]}`)
	v := prod["variants"].([]any)[0].(map[string]any)["id"].(string)
	do(http.StatusCreated, "POST", "/stock/adjustments", `{"location_id":"`+loc+`","reason":"count","lines":[{"variant_id":"`+v+`","quantity":"5"}]}`)
	reg := do(http.StatusCreated, "POST", "/registers", `{"location_id":"`+loc+`","name":"Caja MP"}`)["id"].(string)
	session := do(http.StatusCreated, "POST", "/cash-sessions", `{"register_id":"`+reg+`","opening_float":"0"}`)["id"].(string)
	onHand := func() string {
		rows := do(http.StatusOK, "GET", "/stock?variant_id="+v+"&location_id="+loc, "")["data"].([]any)
		return rows[0].(map[string]any)["on_hand"].(string)
	}
	sale := func(body string) (string, string) {
		res := do(http.StatusAccepted, "POST", "/sales", body)
		return res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)["id"].(string)
	}
	qr := `{"session_id":"` + session + `","lines":[{"variant_id":"` + v + `","quantity":"2"}],
		"payments":[{"method":"mercadopago","amount":"100.00","mercadopago":{"method":"qr"}}]}`
	statusOf := func(id string) string { return do(http.StatusOK, "GET", "/sales/"+id, "")["status"].(string) }

	id, pay := sale(qr)
	require.Equal(t, cpg.SalePendingPayment, statusOf(id))
	require.Equal(t, "3", onHand())
	for _, r := range h.Revenue() {
		if r.SourceID == id {
			require.Equal(t, "draft", r.Status, "a sale waiting for its payment is no revenue yet")
			require.False(t, r.Counts)
		}
	}
	ev := h.SettlePayment(pay, sdk.PaymentCancelled)
	foreign := ev
	foreign.ID = ""
	foreign.Payload = []byte(`{"payment_id":"` + pay + `","vertical":"services","document_id":"` + id + `","status":"cancelled"}`)
	require.NoError(t, h.Deliver("payments", foreign))
	require.Equal(t, cpg.SalePendingPayment, statusOf(id), "another vertical's payment changes nothing")
	require.NoError(t, h.Deliver("payments", ev))
	require.Equal(t, cpg.SaleVoided, statusOf(id))
	require.Equal(t, "5", onHand(), "the held stock comes back")
	ev.ID = ""
	require.NoError(t, h.Deliver("payments", ev))
	require.Equal(t, "5", onHand(), "a second delivery changes nothing")

	id, pay = sale(qr)
	created := 0
	for _, e := range h.Events() {
		if e.Topic == cpg.TopicSaleCreated {
			created++
		}
	}
	require.NoError(t, h.Deliver("payments", h.SettlePayment(pay, sdk.PaymentApproved)))
	require.Equal(t, cpg.SaleCompleted, statusOf(id))
	require.Equal(t, "3", onHand())
	after := 0
	for _, e := range h.Events() {
		if e.Topic == cpg.TopicSaleCreated {
			after++
		}
	}
	require.Equal(t, created+1, after)
}

// TestReturnRefundsInProcess runs a return's refund through Mercado Pago in
// process against sdktest's payments: the return commits with the refund
// pending and the order to send it as an event, and nothing is refunded
// yet; delivering the order refunds the payment and marks the refund
// refunded; a second delivery refunds nothing more; an order naming the
// refund's key with another amount is refused by the host and leaves the
// refund as it was settled.
func TestReturnRefundsInProcess(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	do := func(status int, method, path, body string) map[string]any {
		t.Helper()
		res := h.Do(method, path, body)
		require.Equal(t, status, res.Status, string(res.Body))
		var out map[string]any
		res.Decode(t, &out)
		return out
	}
	loc := do(http.StatusCreated, "POST", "/locations", `{"name":"Tienda R","kind":"store"}`)["id"].(string)
	prod := do(http.StatusCreated, "POST", "/products", `{"name":"Mate","tax_rate":"16","variants":[{"sku":"M-1","price":"50.00","cost":"20.00"}]}`)
	v := prod["variants"].([]any)[0].(map[string]any)["id"].(string)
	do(http.StatusCreated, "POST", "/stock/adjustments", `{"location_id":"`+loc+`","reason":"count","lines":[{"variant_id":"`+v+`","quantity":"5"}]}`)
	reg := do(http.StatusCreated, "POST", "/registers", `{"location_id":"`+loc+`","name":"Caja R"}`)["id"].(string)
	session := do(http.StatusCreated, "POST", "/cash-sessions", `{"register_id":"`+reg+`","opening_float":"0"}`)["id"].(string)
	res := do(http.StatusCreated, "POST", "/sales", `{"session_id":"`+session+`","lines":[{"variant_id":"`+v+`","quantity":"2"}],
		"payments":[{"method":"mercadopago","amount":"100.00","mercadopago":{"method":"card","card_token":"`+sdktest.TokenApproved+`-r"}}]}`)
	sale, pay := res["sale"].(map[string]any)["id"].(string), res["payment"].(map[string]any)["id"].(string)
	refunded := func() string {
		for _, p := range h.Payments() {
			if p.ID == pay {
				return p.RefundedAmount.String()
			}
		}
		return "none"
	}

	ret := do(http.StatusCreated, "POST", "/sales/"+sale+"/returns", `{}`)
	require.Equal(t, "pending", ret["refunds"].([]any)[0].(map[string]any)["status"])
	require.Equal(t, "0", refunded(), "nothing is refunded inside the return's unit of work")
	var order sdk.Event
	for _, e := range h.Events() {
		if e.Topic == cpg.TopicMPRefundRequested {
			order = e
		}
	}
	require.NotEmpty(t, order.Payload, "the return orders its refund")
	status := func() string {
		return do(http.StatusOK, "GET", "/returns/"+ret["id"].(string), "")["refunds"].([]any)[0].(map[string]any)["status"].(string)
	}
	require.NoError(t, h.Deliver("mercadopago_refunds", order))
	require.Equal(t, "100", refunded())
	require.Equal(t, cpg.RefundRefunded, status())
	order.ID = ""
	require.NoError(t, h.Deliver("mercadopago_refunds", order))
	require.Equal(t, "100", refunded(), "a second delivery refunds nothing more")

	forged := order
	forged.Payload = []byte(strings.Replace(string(order.Payload), `"amount":"100`, `"amount":"40`, 1))
	require.NotEqual(t, string(order.Payload), string(forged.Payload))
	require.NoError(t, h.Deliver("mercadopago_refunds", forged))
	require.Equal(t, "100", refunded())
	require.Equal(t, cpg.RefundRefunded, status(), "a settled refund stays as it was settled")
}
