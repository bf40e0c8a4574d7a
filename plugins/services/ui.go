package services

import (
	"embed"
	"io/fs"

	"github.com/nexuspos/nexus/sdk"
)

// webFiles is the bundle web/ builds (make web): dist/index.js, the pages
// and the dashboard widget. A clean clone holds only dist/.keep, which the
// SDK leaves out, so the vertical then contributes no pages.
//
//go:embed all:web/dist
var webFiles embed.FS

// ui is the vertical's contribution to the web app: contracts and billing
// runs for every role (the routes they call check the writes), the
// receivables aging and its dashboard card for managers.
func ui() *sdk.UI {
	dist, err := fs.Sub(webFiles, "web/dist")
	if err != nil {
		panic(err)
	}
	return &sdk.UI{
		Assets: dist,
		Menu: []sdk.MenuEntry{
			{Page: "contracts", Label: sdk.Labels{"es": "Contratos", "en": "Contracts"}, Section: "billing", MinRole: sdk.RoleViewer},
			{Page: "billing-runs", Label: sdk.Labels{"es": "Corridas de facturación", "en": "Billing runs"}, Section: "billing", MinRole: sdk.RoleViewer},
			{Page: "aging", Label: sdk.Labels{"es": "Antigüedad de saldos", "en": "Receivables aging"}, Section: "reports", MinRole: sdk.RoleManager},
		},
		Widgets: []sdk.Widget{
			{Key: "receivables", Title: sdk.Labels{"es": "Cuentas por cobrar (servicios)", "en": "Receivables (services)"}, MinRole: sdk.RoleManager},
		},
	}
}
