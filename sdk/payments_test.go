package sdk

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func TestPaymentFromProto(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 15, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   *nexusv1.Payment
		want Payment
		err  bool
	}{
		{"card approved", &nexusv1.Payment{Id: "p1", DocumentId: "d1", Method: "card", Status: "approved", StatusDetail: "accredited",
			Amount: "100.00", Currency: "ARS", FeeAmount: "4.99", RefundedAmount: "0", ProviderPaymentId: "123",
			CreatedAtUnixNano: at.UnixNano(), UpdatedAtUnixNano: at.UnixNano()},
			Payment{ID: "p1", DocumentID: "d1", Method: "card", Status: "approved", StatusDetail: "accredited",
				Amount: decimal.RequireFromString("100.00"), Currency: "ARS", FeeAmount: decimal.RequireFromString("4.99"),
				RefundedAmount: decimal.Zero, ProviderPaymentID: "123", CreatedAt: at, UpdatedAt: at}, false},
		{"qr pending", &nexusv1.Payment{Id: "p2", Method: "qr", Status: "pending", Amount: "5", Currency: "MXN", FeeAmount: "0",
			RefundedAmount: "0", QrData: "000201", ExpiresAtUnixNano: at.UnixNano()},
			Payment{ID: "p2", Method: "qr", Status: "pending", Amount: decimal.RequireFromString("5"), Currency: "MXN",
				FeeAmount: decimal.Zero, RefundedAmount: decimal.Zero, QRData: "000201", ExpiresAt: at}, false},
		{"bad amount", &nexusv1.Payment{Id: "p3", Amount: "1e", FeeAmount: "0", RefundedAmount: "0"}, Payment{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := paymentFromProto(tc.in)
			if tc.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.True(t, tc.want.Amount.Equal(got.Amount))
			require.True(t, tc.want.FeeAmount.Equal(got.FeeAmount))
			require.True(t, tc.want.RefundedAmount.Equal(got.RefundedAmount))
			got.Amount, got.FeeAmount, got.RefundedAmount = tc.want.Amount, tc.want.FeeAmount, tc.want.RefundedAmount
			require.Equal(t, tc.want, got)
		})
	}
	p := Payment{Amount: decimal.RequireFromString("100"), FeeAmount: decimal.RequireFromString("4.99"), RefundedAmount: decimal.RequireFromString("10")}
	require.Equal(t, "85.01", p.NetAmount().String())
}
