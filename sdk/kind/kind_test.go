package kind_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/kind"
)

// TestStatuses pins every kind's status (the set is append-only: a test
// row never changes) and checks that no two kinds share one.
func TestStatuses(t *testing.T) {
	t.Parallel()
	want := map[kind.Kind]int{
		kind.Invalid: 400, kind.Unauthenticated: 401, kind.Forbidden: 403, kind.NotFound: 404,
		kind.MethodNotAllowed: 405, kind.Conflict: 409, kind.Gone: 410, kind.TooLarge: 413,
		kind.UnsupportedMediaType: 415, kind.Unprocessable: 422, kind.RateLimited: 429, kind.Canceled: 499,
		kind.Internal: 500, kind.BadGateway: 502, kind.Unavailable: 503, kind.Timeout: 504,
	}
	require.Len(t, kind.All(), len(want))
	seen := map[int]kind.Kind{}
	for _, k := range kind.All() {
		require.True(t, k.Known(), k)
		require.Equal(t, want[k], k.Status(), k)
		require.NotContains(t, seen, k.Status(), "%s and %s share a status", k, seen[k.Status()])
		seen[k.Status()] = k
	}
	require.False(t, kind.Kind("from_a_newer_peer").Known())
	require.Equal(t, http.StatusInternalServerError, kind.Kind("from_a_newer_peer").Status())
}
