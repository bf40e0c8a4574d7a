//go:build satfiles

package cfdi_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
)

// TestPaymentGoldenIsSATsCadena re-derives the payment receipt's golden
// with SAT's cadenaoriginal_4_0.xslt (which includes Pagos20.xslt) and
// holds Go's cadena to it; with -update-goldens it writes the golden.
func TestPaymentGoldenIsSATsCadena(t *testing.T) {
	c, err := cfdi.BuildPayment(payment())
	require.NoError(t, err)
	doc, cadena, err := cfdi.Seal(c, cfditest.CSD(t))
	require.NoError(t, err)
	sat := cfditest.SATCadena(t, doc)
	if *updateGoldens {
		require.NoError(t, os.WriteFile(goldenPath("pago"), []byte(sat), 0o644))
	}
	want, err := os.ReadFile(goldenPath("pago"))
	require.NoError(t, err)
	require.Equal(t, sat, string(want), "SAT's XSLT vs the golden")
	require.Equal(t, sat, cadena, "SAT's XSLT vs Go")
}
