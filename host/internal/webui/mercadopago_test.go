package webui_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/hosttest/fakemp"
)

// Credentials of the Mercado Pago account a browser test script sets up
// for its company (MP_ACCESS_TOKEN, MP_WEBHOOK_SECRET).
const (
	mpAccessToken   = "TEST-browser-access-token-5c1e"
	mpWebhookSecret = "whsec-browser-7d20"
)

// mercadoPago is a local Mercado Pago for the browser test's host, and
// the buyer a script cannot be: POST /pay-qr {"company_id","payment_id",
// "amount","currency"} pays the in-store QR order of that host payment in
// the fake and delivers Mercado Pago's signed notification to the host,
// answering the host's status.
type mercadoPago struct {
	fake    *fakemp.Server
	control *httptest.Server
}

// startMercadoPago starts the fake and the buyer's endpoint; hostURL is
// read when a QR is paid (the host starts after the fake).
func startMercadoPago(t *testing.T, hostURL func() string) *mercadoPago {
	mp := &mercadoPago{fake: fakemp.New(t, mpAccessToken)}
	mp.control = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CompanyID string `json:"company_id"`
			PaymentID string `json:"payment_id"`
			Amount    string `json:"amount"`
			Currency  string `json:"currency"`
		}
		if r.Method != http.MethodPost || r.URL.Path != "/pay-qr" || json.NewDecoder(r.Body).Decode(&in) != nil {
			http.Error(w, "POST /pay-qr {company_id, payment_id, amount, currency}", http.StatusBadRequest)
			return
		}
		paid := mp.fake.PayQR(in.PaymentID, in.Amount, in.Currency, "approved")
		req, err := fakemp.Notification(hostURL()+"/api/v1/hooks/payments/mercadopago/"+in.CompanyID, mpWebhookSecret, paid, uuid.NewString(), time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		res, err := http.DefaultClient.Do(req.WithContext(r.Context()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = res.Body.Close()
		w.WriteHeader(res.StatusCode)
	}))
	t.Cleanup(mp.control.Close)
	return mp
}

// env is what a script needs to set Mercado Pago up and pay a QR.
func (mp *mercadoPago) env() []string {
	return []string{"MP_ACCESS_TOKEN=" + mpAccessToken, "MP_WEBHOOK_SECRET=" + mpWebhookSecret, "MP_BUYER_URL=" + mp.control.URL}
}
