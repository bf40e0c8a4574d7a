package cpg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRefundKey: a return retried with the same Idempotency-Key (its first
// attempt rolled back, a new return id) names the same refunds, so the
// host refunds nothing twice; another key, payment, amount or company, or
// no key at all, names others.
func TestRefundKey(t *testing.T) {
	t.Parallel()
	const company, pay = "c1", "p1"
	first := refundKey(company, "K", "return-1", pay, d("30.00"), 1)
	require.Equal(t, first, refundKey(company, "K", "return-2", pay, d("30.00"), 1), "a retry names the same refund")
	require.LessOrEqual(t, len(first), 255, "within the host's key length")
	for name, other := range map[string]string{
		"nth":     refundKey(company, "K", "return-1", pay, d("30.00"), 2),
		"key":     refundKey(company, "L", "return-1", pay, d("30.00"), 1),
		"payment": refundKey(company, "K", "return-1", "p2", d("30.00"), 1),
		"amount":  refundKey(company, "K", "return-1", pay, d("20.00"), 1),
		"company": refundKey("c2", "K", "return-1", pay, d("30.00"), 1),
	} {
		require.NotEqual(t, first, other, name)
	}
	require.NotEqual(t, refundKey(company, "", "return-1", pay, d("30.00"), 1), refundKey(company, "", "return-2", pay, d("30.00"), 1),
		"without a key each return's refunds are its own")
}
