package sdktest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// failing is a vertical whose handler returns, unchanged, the error the
// host's Echo callback fails with.
type failing struct{}

func (failing) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "failing", Version: "1", Routes: []sdk.Route{
		sdk.GET("/fail", sdk.RoleViewer, "Fail a host callback with ?kind=", func(c *sdk.Context) error {
			if err := c.EchoError(kind.Kind(c.Query("kind"))); err != nil {
				return err
			}
			return c.NoContent(http.StatusNoContent)
		}),
	}}
}

// TestEchoErrorEveryKind checks that the harness's host fails Echo with
// each kind as the host does, and that the answer carries the kind's
// status and code.
func TestEchoErrorEveryKind(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, failing{})
	for _, k := range kind.All() {
		res := h.Do(http.MethodGet, "/fail?kind="+string(k), "")
		require.Equal(t, k.Status(), res.Status, "%s: %s", k, res.Body)
		code := "echo_" + string(k)
		if k == kind.Internal {
			code = "internal"
		}
		require.Equal(t, code, res.ErrorCode(), k)
	}
	res := h.Do(http.MethodGet, "/fail?kind=teapot", "")
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, "unknown_kind", res.ErrorCode())
}
