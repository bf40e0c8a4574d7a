package cpg

import (
	"embed"
	"io/fs"

	"github.com/nexuspos/nexus/sdk"
)

// webDist is the browser bundle built from web/ (make web): index.js, an
// ES module exporting the pages and widgets below. A clean clone holds
// only web/dist/.keep, so the plugin builds before npm has run; it then
// contributes no UI.
//
//go:embed all:web/dist
var webDist embed.FS

// ui declares the vertical's pages in the app's menu and its dashboard
// cards, served from the bundle; nil when the bundle was not built.
func ui() *sdk.UI {
	assets, err := fs.Sub(webDist, "web/dist")
	if err != nil {
		panic(err)
	}
	if _, err := fs.Stat(assets, "index.js"); err != nil {
		return nil
	}
	return &sdk.UI{
		Assets: assets,
		Menu: []sdk.MenuEntry{
			{Page: "pos", Label: sdk.Labels{"es": "Punto de venta", "en": "Point of sale"}, Section: "operate", MinRole: sdk.RoleCashier},
			{Page: "catalog", Label: sdk.Labels{"es": "Catálogo", "en": "Catalog"}, Section: "catalog", MinRole: sdk.RoleViewer},
			{Page: "stock", Label: sdk.Labels{"es": "Inventario", "en": "Inventory"}, Section: "inventory", MinRole: sdk.RoleViewer},
			{Page: "purchases", Label: sdk.Labels{"es": "Compras", "en": "Purchasing"}, Section: "purchasing", MinRole: sdk.RoleManager},
			{Page: "consignments", Label: sdk.Labels{"es": "Consignaciones", "en": "Consignments"}, Section: "inventory", MinRole: sdk.RoleManager},
			{Page: "reports", Label: sdk.Labels{"es": "Reportes de tienda", "en": "Store reports"}, Section: "reports", MinRole: sdk.RoleViewer},
		},
		Widgets: []sdk.Widget{
			{Key: "open-sessions", Title: sdk.Labels{"es": "Cajas abiertas", "en": "Open cash sessions"}, MinRole: sdk.RoleViewer},
			{Key: "low-stock", Title: sdk.Labels{"es": "Stock bajo", "en": "Low stock"}, MinRole: sdk.RoleViewer},
			{Key: "consignment-aging", Title: sdk.Labels{"es": "Antigüedad de consignaciones", "en": "Consignment aging"}, MinRole: sdk.RoleManager},
		},
	}
}
