package services

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

// TestRoutesDescribeTheirBodies: every route names the type it answers
// with, and every POST the type it reads, so the host's API description
// shows their schemas; each reflects to a JSON Schema.
func TestRoutesDescribeTheirBodies(t *testing.T) {
	t.Parallel()
	for _, r := range New().Manifest().Routes {
		require.NotNil(t, r.ResponseType, r.RouteID())
		if r.Method == http.MethodPost {
			require.NotNil(t, r.RequestType, r.RouteID())
		}
		for _, v := range []any{r.RequestType, r.ResponseType} {
			_, err := sdk.JSONSchema(v)
			require.NoError(t, err, r.RouteID())
		}
	}
	s, err := sdk.JSONSchema(chargeView{})
	require.NoError(t, err)
	require.Contains(t, s, `"balance":{"type":"string"`, "money is a string")
}
