package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/sdk/kind"
)

// TestEveryKindRoundTrips has the real host fail a callback (Echo with a
// fail_kind) with each error kind; the probe's handler returns what the
// SDK made of it unchanged, and the client gets the kind's status and
// code: host → plugin → host → HTTP. A kind added to sdk/kind without a
// row here fails the test.
func TestEveryKindRoundTrips(t *testing.T) {
	t.Parallel()
	want := map[kind.Kind]int{
		kind.Invalid:              400,
		kind.Unauthenticated:      401,
		kind.Forbidden:            403,
		kind.NotFound:             404,
		kind.MethodNotAllowed:     405,
		kind.Conflict:             409,
		kind.Gone:                 410,
		kind.TooLarge:             413,
		kind.UnsupportedMediaType: 415,
		kind.Unprocessable:        422,
		kind.RateLimited:          429,
		kind.Canceled:             499,
		kind.Internal:             500,
		kind.BadGateway:           502,
		kind.Unavailable:          503,
		kind.Timeout:              504,
	}
	require.Len(t, want, len(kind.All()), "every kind has a row, and only kinds do")

	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	viewer := h.NewTenant("MX", "probe").Tokens["viewer"]
	for _, k := range kind.All() {
		status, ok := want[k]
		require.True(t, ok, "kind %s has no row: add its status", k)
		res := h.Call(http.MethodGet, "/api/v1/verticals/probe/host-fail?kind="+string(k), viewer, nil)
		require.Equal(t, status, res.Status, "%s: %s", k, res.Body)
		body := res.JSON(t)
		require.NotEmpty(t, body["request_id"], k)
		e := body["error"].(map[string]any)
		if k == kind.Internal {
			// An internal failure shows nothing of its cause.
			require.Equal(t, "internal", e["code"], k)
			require.NotContains(t, string(res.Body), "echo", k)
			continue
		}
		require.Equal(t, "echo_"+string(k), e["code"], k)
		require.Equal(t, map[string]any{"kind": string(k)}, e["details"], k)
	}

	res := h.Call(http.MethodGet, "/api/v1/verticals/probe/host-fail?kind=teapot", viewer, nil)
	require.Equal(t, http.StatusBadRequest, res.Status, string(res.Body))
	require.Equal(t, "unknown_kind", res.ErrorCode())
}
