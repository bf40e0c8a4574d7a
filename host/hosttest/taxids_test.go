package hosttest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// TestNewTaxIDs checks that the tax ids tests create companies with are
// accepted by the validation company creation runs, and fresh.
func TestNewTaxIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		cuit := hosttest.NewCUIT()
		_, err := taxid.ValidateCUIT(cuit)
		require.NoError(t, err, cuit)
		rfc := hosttest.NewRFC()
		_, err = taxid.ValidateCompanyRFC(rfc)
		require.NoError(t, err, rfc)
		require.False(t, seen[cuit] || seen[rfc], "repeated %s or %s", cuit, rfc)
		seen[cuit], seen[rfc] = true, true
	}
}
