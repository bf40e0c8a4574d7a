package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestReadError checks the one answer to a body that cannot be read: over
// its limit, a 413 naming the limit; otherwise a 400.
func TestReadError(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	_, err := io.ReadAll(http.MaxBytesReader(rec, io.NopCloser(strings.NewReader("0123456789")), 4))
	e := ReadError(err)
	require.Equal(t, http.StatusRequestEntityTooLarge, e.Status())
	require.Equal(t, "body_too_large", e.Code)
	require.Equal(t, map[string]any{"max_bytes": int64(4)}, e.Details)

	e = ReadError(io.ErrUnexpectedEOF)
	require.Equal(t, http.StatusBadRequest, e.Status())
	require.Equal(t, "unreadable_body", e.Code)

	var dst struct{ Name string }
	decErr := Decode(http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(`{"name":"0123456789"}`)), 8), &dst)
	require.Equal(t, BodyTooLarge(8), AsError(decErr), "strict decoding answers the same 413")
}

// TestKnownQuery checks that only the known parameters pass, and that an
// unknown one is a 400 invalid_query naming it.
func TestKnownQuery(t *testing.T) {
	known := []string{"status", "limit"}
	require.NoError(t, KnownQuery(httptest.NewRequest(http.MethodGet, "/?status=a&limit=2", nil), known))
	require.NoError(t, KnownQuery(httptest.NewRequest(http.MethodGet, "/", nil), known))
	err := KnownQuery(httptest.NewRequest(http.MethodGet, "/?status=a&stauts=b", nil), known)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusBadRequest, e.Status())
	require.Equal(t, "invalid_query", e.Code)
	require.Equal(t, "stauts", e.Details["field"])
	require.Equal(t, `unknown query parameter "stauts" (known: status, limit)`, e.Message)
}
