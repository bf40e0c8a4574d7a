package probe

import (
	"net/http"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// fiscalRoutes let a test issue any fiscal document through the plugin
// path a vertical uses (sdk.Context.Fiscal).
func fiscalRoutes() []sdk.Route {
	return []sdk.Route{
		sdk.POST("/fiscal", sdk.RoleCashier, "Issue the body, an sdk/fiscal Input, as a fiscal document", issueFiscal),
	}
}

// issueFiscal issues the body and answers the document the host returns.
func issueFiscal(c *sdk.Context) error {
	var in fiscal.Input
	if err := c.Bind(&in); err != nil {
		return err
	}
	doc, err := c.Fiscal().Issue(in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, doc)
}
