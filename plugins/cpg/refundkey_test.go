package cpg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefundKey: a return's refunds through Mercado Pago are keyed by the
// return and their rank, so every sending of one (the event, the job,
// twice) names the same refund; another return or rank names another.
func TestRefundKey(t *testing.T) {
	t.Parallel()
	first := refundKey("9f1c2d3e-0000-4000-8000-000000000001", 1)
	require.Equal(t, first, refundKey("9f1c2d3e-0000-4000-8000-000000000001", 1), "a second sending names the same refund")
	require.LessOrEqual(t, len(first), 255, "within the host's key length")
	require.NotEqual(t, first, refundKey("9f1c2d3e-0000-4000-8000-000000000001", 2))
	require.NotEqual(t, first, refundKey("9f1c2d3e-0000-4000-8000-000000000002", 1))
}

// TestPlanMPRefunds: a return's mercadopago refund goes, pending, to the
// host payment that charged the sale, up to what earlier returns left of
// it, keyed by the return; its refund row learns the host payment; cash
// and a mercadopago tender only recorded at checkout send nothing.
func TestPlanMPRefunds(t *testing.T) {
	t.Parallel()
	host, earlier := "host-pay-1", "ret-0"
	plan := &returnPlan{
		pays: []paymentRow{
			{ID: "p1", Method: MethodMercadoPago, Amount: d("120.00"), HostPaymentID: &host},
			{ID: "p2", Method: MethodCash, Amount: d("10.00")},
			{ID: "p0", ReturnID: &earlier, Method: MethodMercadoPago, Amount: d("-50.00"), HostPaymentID: &host},
		},
		refunds: []tender{{Method: MethodCash, Amount: d("10.00")}, {Method: MethodMercadoPago, Amount: d("60.00")}},
	}
	rows := []paymentRow{{ID: "r1", Method: MethodCash}, {ID: "r2", Method: MethodMercadoPago}}
	got := planMPRefunds(plan, "sale-1", "ret-1", rows)
	require.Len(t, got, 1)
	require.Equal(t, "host-pay-1", got[0].HostPaymentID)
	require.Equal(t, "r2", *got[0].PaymentID)
	require.Equal(t, "ret-1", *got[0].ReturnID)
	require.Equal(t, "sale-1", got[0].SaleID)
	require.Equal(t, RefundPending, got[0].Status)
	require.Equal(t, refundKey("ret-1", 1), got[0].IdempotencyKey)
	require.Equal(t, "60", got[0].Amount.String())
	require.Nil(t, rows[0].HostPaymentID)
	require.Equal(t, "host-pay-1", *rows[1].HostPaymentID)

	// 70.00 was left of the charge after the earlier return's 50.00.
	plan.refunds = []tender{{Method: MethodMercadoPago, Amount: d("90.00")}}
	got = planMPRefunds(plan, "sale-1", "ret-2", []paymentRow{{ID: "r3"}})
	require.Len(t, got, 1)
	require.Equal(t, "70", got[0].Amount.String())

	recorded := &returnPlan{pays: []paymentRow{{ID: "p1", Method: MethodMercadoPago, Amount: d("20.00")}},
		refunds: []tender{{Method: MethodMercadoPago, Amount: d("20.00")}}}
	require.Empty(t, planMPRefunds(recorded, "sale-2", "ret-3", []paymentRow{{ID: "r4"}}), "a recorded tender is refunded on its own terminal")
}

// TestWithRefundStatus: a refund's view shows its Mercado Pago refund's
// state; one split over several shows the worst.
func TestWithRefundStatus(t *testing.T) {
	t.Parallel()
	r1, r2 := "r1", "r2"
	views := withRefundStatus([]refundView{{ID: "r0"}, {ID: "r1"}, {ID: "r2"}}, []mpRefundRow{
		{PaymentID: &r1, Status: RefundRefunded}, {PaymentID: &r1, Status: RefundPending},
		{PaymentID: &r2, Status: RefundFailed}, {PaymentID: &r2, Status: RefundRefunded},
	})
	require.Equal(t, []string{"", RefundPending, RefundFailed}, []string{views[0].Status, views[1].Status, views[2].Status})
}
