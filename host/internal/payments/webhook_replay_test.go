package payments_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest/fakemp"
)

// TestWebhookReplayFetchesNothing: a notification already applied (same
// x-request-id) is answered duplicate before anything is asked of
// Mercado Pago; a new delivery of the same payment is fetched.
func TestWebhookReplayFetchesNothing(t *testing.T) {
	pool := testPool(t)
	e := newEnv(t, pool)
	in := card("sale-w", "key-w", fakemp.TokenPending+"-w", "10.00")
	in.CompanyID = e.company
	p, err := e.svc.Create(t.Context(), in)
	require.NoError(t, err)
	e.mp.Settle(p.ProviderPaymentID, "approved", "accredited")
	fetches := func() int {
		n := 0
		for _, r := range e.mp.Requests() {
			if r.Method == http.MethodGet && r.Path == "/v1/payments/"+p.ProviderPaymentID {
				n++
			}
		}
		return n
	}
	rec := e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-w-1", time.Now())
	require.JSONEq(t, `{"result":"applied"}`, rec.Body.String())
	require.Equal(t, 1, fetches())
	for range 3 {
		rec = e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-w-1", time.Now())
		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"result":"duplicate"}`, rec.Body.String())
	}
	require.Equal(t, 1, fetches(), "a replayed notification fetches nothing")
	rec = e.notify(t, e.company, webhookSecret, p.ProviderPaymentID, "req-w-2", time.Now())
	require.JSONEq(t, `{"result":"applied"}`, rec.Body.String())
	require.Equal(t, 2, fetches(), "another delivery is fetched")
	// A replay whose signature does not verify is still refused first.
	rec = e.notify(t, e.company, "not-the-secret", p.ProviderPaymentID, "req-w-1", time.Now())
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}
