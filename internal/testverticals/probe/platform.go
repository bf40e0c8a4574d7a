package probe

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/nexuspos/nexus/sdk"
)

func platformRoutes() []sdk.Route {
	return []sdk.Route{
		sdk.GET("/secrets/{name}", sdk.RoleViewer, "The SHA-256 and length of a secret (never the value)", secretDigest),
		sdk.POST("/audit", sdk.RoleCashier, "Append {action,target,details} to the audit log; ?fail=1 then fails the request", appendAudit),
	}
}

// secretDigest proves the plugin read the company's secret without
// answering it: the digest of the value, not the value.
func secretDigest(c *sdk.Context) error {
	value, err := c.Secret(c.Param("name"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(value)
	return c.JSON(http.StatusOK, map[string]any{"sha256": hex.EncodeToString(sum[:]), "length": len(value)})
}

func appendAudit(c *sdk.Context) error {
	var in struct {
		Action  string         `json:"action"`
		Target  string         `json:"target"`
		Details map[string]any `json:"details"`
	}
	if err := c.Bind(&in); err != nil {
		return err
	}
	if err := c.Audit(in.Action, in.Target, in.Details); err != nil {
		return err
	}
	if c.Query("fail") == "1" {
		return sdk.Unprocessable("probe_failed", "audited, then failed on purpose")
	}
	return c.NoContent(http.StatusNoContent)
}
