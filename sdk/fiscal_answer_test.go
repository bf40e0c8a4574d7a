package sdk_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// TestFiscalAnswer: the fiscal service's answers about one document are
// told from failures of the call, wrapped or not.
func TestFiscalAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		answer bool
	}{
		{&sdk.Error{Kind: kind.Unavailable, Code: "fiscal_service_unavailable"}, true},
		{fmt.Errorf("invoice: %w", &sdk.Error{Kind: kind.Unavailable, Code: "fiscal_outcome_unknown"}), true},
		{&sdk.Error{Kind: kind.Unprocessable, Code: "fiscal_document_rejected"}, true},
		{&sdk.Error{Kind: kind.Unprocessable, Code: "fiscal_not_configured"}, true},
		{sdk.InvalidField("customer.tax_id", "a CUIT"), true},
		{&sdk.Error{Kind: kind.Unavailable, Code: "database_unavailable"}, false},
		{&sdk.Error{Kind: kind.Conflict, Code: "version_conflict"}, false},
		{fmt.Errorf("plain"), false},
		{nil, false},
	} {
		got := sdk.FiscalAnswer(tc.err)
		require.Equal(t, tc.answer, got != nil, "%v", tc.err)
	}
}
