package sdktest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

type vault struct{}

func (vault) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "vault", Version: "1.0.0", Routes: []sdk.Route{
		sdk.GET("/secrets/{name}", sdk.RoleViewer, "Length of a secret", func(c *sdk.Context) error {
			v, err := c.Secret(c.Param("name"))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, map[string]int{"length": len(v)})
		}),
		sdk.POST("/void", sdk.RoleCashier, "Audit a void; ?fail=1 then fail", func(c *sdk.Context) error {
			if err := c.Audit(c.Query("action"), "sale:1", map[string]any{"total": "10.00"}); err != nil {
				return err
			}
			if c.Query("fail") == "1" {
				return sdk.Unprocessable("failed", "failed on purpose")
			}
			return c.NoContent(http.StatusNoContent)
		}),
	}}
}

func TestSecretsAndAudit(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, vault{})
	other := h.WithCompany(sdktest.NewCompany())
	h.SetSecret("token", "abc123")

	res := h.Do(http.MethodGet, "/secrets/token", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.JSONEq(t, `{"length":6}`, string(res.Body))
	res = other.Do(http.MethodGet, "/secrets/token", "")
	require.Equal(t, http.StatusUnprocessableEntity, res.Status, "another company's secret is not reachable")
	require.Contains(t, string(res.Body), "secret_not_set")

	require.Equal(t, http.StatusNoContent, h.Do(http.MethodPost, "/void?action=vault.sale.voided", "").Status)
	require.Equal(t, http.StatusUnprocessableEntity, h.Do(http.MethodPost, "/void?action=vault.sale.voided&fail=1", "").Status)
	require.Equal(t, http.StatusBadRequest, h.Do(http.MethodPost, "/void?action=cpg.sale.voided", "").Status, "outside the vertical's namespace")
	log := h.AuditLog()
	require.Len(t, log, 1, "the failed request's entry rolled back")
	require.Equal(t, "vault.sale.voided", log[0].Action)
	require.Equal(t, h.Company().ID, log[0].CompanyID)
	require.Equal(t, "10.00", log[0].Details["total"])
}
