package afip

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// TestReceiptType checks A/B/C from both parties' IVA conditions.
func TestReceiptType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		issuer, receiver string
		kind             sdkfiscal.Kind
		want             int
	}{
		{"responsable_inscripto", "responsable_inscripto", sdkfiscal.KindInvoice, FacturaA},
		{"responsable_inscripto", "monotributo", sdkfiscal.KindInvoice, FacturaA},
		{"responsable_inscripto", "consumidor_final", sdkfiscal.KindInvoice, FacturaB},
		{"responsable_inscripto", "exento", sdkfiscal.KindInvoice, FacturaB},
		{"responsable_inscripto", "consumidor_final", sdkfiscal.KindCreditNote, NotaCreditoB},
		{"responsable_inscripto", "responsable_inscripto", sdkfiscal.KindCreditNote, NotaCreditoA},
		{"monotributo", "responsable_inscripto", sdkfiscal.KindInvoice, FacturaC},
		{"exento", "consumidor_final", sdkfiscal.KindCreditNote, NotaCreditoC},
	} {
		require.Equal(t, c.want, receiptType(c.issuer, c.receiver, c.kind), "%+v", c)
	}
}

// TestReceiverOf checks how a customer is identified to AFIP.
func TestReceiverOf(t *testing.T) {
	t.Parallel()
	r, err := receiverOf(sdkfiscal.Customer{})
	require.NoError(t, err)
	require.Equal(t, receiver{DocTipo: 99, CondicionID: 5, Condition: "consumidor_final"}, r)
	r, err = receiverOf(sdkfiscal.Customer{TaxID: "20-12345678-6", Condition: "monotributo"})
	require.NoError(t, err)
	require.Equal(t, receiver{DocTipo: 80, DocNro: 20123456786, CondicionID: 6, Condition: "monotributo"}, r)
	r, err = receiverOf(sdkfiscal.Customer{TaxID: "12.345.678"})
	require.NoError(t, err)
	require.Equal(t, 96, r.DocTipo)
	_, err = receiverOf(sdkfiscal.Customer{TaxID: "20123456780"})
	require.Error(t, err, "a wrong check digit")
	_, err = receiverOf(sdkfiscal.Customer{Condition: "vip"})
	require.Error(t, err)
	id, ok := alicuotaID(decimal.RequireFromString("0.105"))
	require.True(t, ok)
	require.Equal(t, 4, id)
	_, ok = alicuotaID(decimal.RequireFromString("0.16"))
	require.False(t, ok)
}
