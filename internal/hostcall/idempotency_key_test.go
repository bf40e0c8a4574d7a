package hostcall

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckKey checks which Idempotency-Keys are refused, with the one
// refusal the host and sdktest answer.
func TestCheckKey(t *testing.T) {
	t.Parallel()
	for key, ok := range map[string]bool{
		"a": true, "order-2026-12-05/17": true, strings.Repeat("k", 255): true,
		"": false, strings.Repeat("k", 256): false, "with space": false, "tab\t": false, "ñ": false,
	} {
		err := CheckKey(key)
		if ok {
			require.NoError(t, err, "%q", key)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidKey, "%q", key)
		require.Equal(t, 400, ErrInvalidKey.Kind.Status())
	}
}
