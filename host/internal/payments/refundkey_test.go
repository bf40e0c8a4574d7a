package payments_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakemp"
	"github.com/nexuspos/nexus/host/internal/payments"
)

// TestRefundKeyReuse: a refund's idempotency key names one refund. The
// same key with the same amount answers it again, sending nothing; with
// another amount it is 409 idempotency_key_reused and nothing is
// refunded; and when Mercado Pago already holds a refund under the key
// that the host lost (its transaction failed after the provider
// answered), what the provider refunded is recorded and another amount
// is still 409.
func TestRefundKeyReuse(t *testing.T) {
	pool := testPool(t)
	e := newEnv(t, pool)
	in := card("sale-k", "key-k", fakemp.TokenApproved+"-k", "100.00")
	in.CompanyID = e.company
	p, err := e.svc.Create(t.Context(), in)
	require.NoError(t, err)

	thirty, twenty := dec("30.00"), dec("20.00")
	refund := func(key string, amount *decimal.Decimal) (payments.Payment, error) {
		return e.svc.Refund(t.Context(), payments.RefundInput{CompanyID: e.company, Vertical: "shop", PaymentID: p.ID, Amount: amount, IdempotencyKey: key})
	}
	got, err := refund("r-1", &thirty)
	require.NoError(t, err)
	require.True(t, thirty.Equal(got.RefundedAmount))
	sent := len(e.mp.Requests())
	got, err = refund("r-1", &thirty)
	require.NoError(t, err, "the same key and amount answer the refund again")
	require.True(t, thirty.Equal(got.RefundedAmount))
	_, err = refund("r-1", &twenty)
	requireCode(t, err, http.StatusConflict, "idempotency_key_reused")
	_, err = refund("r-1", nil)
	requireCode(t, err, http.StatusConflict, "idempotency_key_reused")
	require.Len(t, e.mp.Requests(), sent, "a reused key sends nothing")
	at, _ := e.mp.Payment(p.ProviderPaymentID)
	require.Equal(t, "30", at.Refunded.String())

	// A refund Mercado Pago made under key r-2 that the host never
	// recorded; the host then asks for another amount under that key.
	body := bytes.NewBufferString(`{"amount":10}`)
	req, err := http.NewRequest(http.MethodPost, e.mp.URL+"/v1/payments/"+p.ProviderPaymentID+"/refunds", body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("X-Idempotency-Key", "r-2")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusCreated, res.StatusCode)
	_, err = refund("r-2", &twenty)
	requireCode(t, err, http.StatusConflict, "idempotency_key_reused")
	got, err = e.svc.Get(t.Context(), e.company, "shop", p.ID)
	require.NoError(t, err)
	require.Equal(t, "40", got.RefundedAmount.String(), "the refund the provider made under the key is recorded, not the one asked")
	var recorded string
	require.NoError(t, pool.QueryRow(t.Context(), `SELECT amount::text FROM payment_refunds WHERE company_id = $1 AND idempotency_key = 'r-2'`,
		e.company).Scan(&recorded))
	require.Equal(t, "10.0000", recorded)
	at, _ = e.mp.Payment(p.ProviderPaymentID)
	require.Equal(t, "40", at.Refunded.String(), "nothing more was refunded")
	_, err = refund("r-2", &twenty)
	requireCode(t, err, http.StatusConflict, "idempotency_key_reused")

	// The rest, asked without an amount, then again: the same refund.
	got, err = refund("r-3", nil)
	require.NoError(t, err)
	require.Equal(t, payments.StatusRefunded, got.Status)
	sent = len(e.mp.Requests())
	_, err = refund("r-3", nil)
	require.NoError(t, err)
	require.Len(t, e.mp.Requests(), sent)
}
