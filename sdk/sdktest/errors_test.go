package sdktest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/sdktest"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// validating is a vertical whose handlers return the SDK's validation
// errors as they are, without mapping them.
type validating struct{}

func (validating) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "validating", Version: "1", Routes: []sdk.Route{
		sdk.POST("/tax-id", sdk.RoleViewer, "Validate an RFC", func(c *sdk.Context) error {
			_, err := taxid.ValidateRFC(string(c.Body()))
			return err
		}),
		sdk.POST("/currency", sdk.RoleViewer, "Look up a currency", func(c *sdk.Context) error {
			_, err := money.CurrencyOf(string(c.Body()))
			return err
		}),
	}}
}

// TestValidationErrorsAre422 checks through the harness that a handler
// returning a *taxid.Error or a *money.Error answers a 422 naming the
// field, as the packages document, not a 500.
func TestValidationErrorsAre422(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, validating{})
	for _, tc := range []struct{ path, body, code, field string }{
		{"/tax-id", "NOT-AN-RFC", "invalid_tax_id", "tax_id"},
		{"/currency", "XXX", "unknown_currency", "currency"},
	} {
		res := h.Do(http.MethodPost, tc.path, tc.body)
		require.Equal(t, http.StatusUnprocessableEntity, res.Status, string(res.Body))
		require.Equal(t, tc.code, res.ErrorCode())
		var env struct {
			Error struct {
				Details map[string]any `json:"details"`
			} `json:"error"`
		}
		res.Decode(t, &env)
		require.Equal(t, tc.field, env.Error.Details["field"], string(res.Body))
	}
}
