package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// TestAsErrorValidation checks that the SDK's validation errors, wrapped
// or not, are the host's 422 naming their field, as a vertical answers
// them; and that anything else unknown stays internal.
func TestAsErrorValidation(t *testing.T) {
	t.Parallel()
	_, _, taxErr := taxid.Validate("MX", "XAXX010101000")
	require.Error(t, taxErr)
	_, moneyErr := money.CurrencyOf("XXX")
	require.Error(t, moneyErr)
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		field  any
	}{
		{"tax id", taxErr, http.StatusUnprocessableEntity, "invalid_tax_id", "tax_id"},
		{"wrapped tax id", fmt.Errorf("company: %w", taxErr), http.StatusUnprocessableEntity, "invalid_tax_id", "tax_id"},
		{"money", fmt.Errorf("account: %w", moneyErr), http.StatusUnprocessableEntity, "unknown_currency", "currency"},
		{"host error wins", Conflict("company_exists", "exists"), http.StatusConflict, "company_exists", nil},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, "internal", nil},
	}
	for _, tt := range tests {
		e := AsError(tt.err)
		require.Equal(t, tt.status, e.Status(), tt.name)
		require.Equal(t, tt.code, e.Code, tt.name)
		require.Equal(t, tt.field, e.Details["field"], tt.name)
	}
}
