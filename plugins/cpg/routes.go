package cpg

import (
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// example attaches request and response examples to a route.
func example(r sdk.Route, req, res any) sdk.Route {
	r.RequestExample, r.ResponseExample = req, res
	return r
}

// routes lists the vertical's endpoints, mounted by the host under
// /api/v1/verticals/cpg.
func routes() []sdk.Route {
	const (
		viewer  = sdk.RoleViewer
		cashier = sdk.RoleCashier
		manager = sdk.RoleManager
		admin   = sdk.RoleAdmin
	)
	variantID := "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11"
	return []sdk.Route{
		sdk.GET("/settings", viewer, "The company's effective configuration of the vertical", getSettings),

		example(sdk.POST("/products", manager, "Create a product with its variants", createProduct),
			map[string]any{"name": "Camiseta básica", "tax_rate": "16", "attributes": map[string]any{"material": "algodón"},
				"variants": []map[string]any{{"sku": "CAM-M-ROJ", "barcode": "7501234567893", "size": "M", "color": "Rojo",
					"price": "25.00", "cost": "12.00", "reorder_point": "5"}}},
			map[string]any{"id": "…", "name": "Camiseta básica", "tax_rate": "16", "tax_code": "iva16",
				"variants": []map[string]any{{"id": variantID, "sku": "CAM-M-ROJ", "price": "25.00", "cost": "12.00"}}}),
		sdk.GET("/products", viewer, "List products (?q= name prefix, ?sku= SKU prefix, ?attributes= JSON object, ?limit=, ?cursor=)", listProducts),
		example(sdk.GET("/products/scan/{code}", cashier, "Resolve a SKU or barcode to its variant, price and on-hand (?location_id=)", scanProduct),
			nil, map[string]any{"variant_id": variantID, "sku": "CAM-M-ROJ", "price": "25.00", "tax_rate": "16", "on_hand": "12"}),
		sdk.GET("/products/{id}", viewer, "Get a product with its variants", getProduct),
		sdk.PATCH("/products/{id}", manager, "Update a product's name, tax rate or attributes (optional version)", updateProduct),
		sdk.POST("/products/{id}/variants", manager, "Add a variant to a product", addVariant),
		sdk.GET("/variants/{id}", viewer, "Get a variant", getVariant),
		sdk.PATCH("/variants/{id}", manager, "Update a variant's price, reorder point, barcode, size or color", updateVariant),

		example(sdk.POST("/locations", manager, "Create a location (store, warehouse or consignee)", createLocation),
			map[string]any{"name": "Bodega norte", "kind": "warehouse"}, map[string]any{"id": "…", "name": "Bodega norte", "kind": "warehouse"}),
		sdk.GET("/locations", viewer, "List locations (the default \"Principal\" included)", listLocations),
		sdk.POST("/customers", cashier, "Create a customer (RFC/CUIT validated; consignee: true gives it a consignee location)", createCustomer),
		sdk.GET("/customers", viewer, "List customers (?q= name prefix)", listCustomers),
		sdk.GET("/customers/{id}", viewer, "Get a customer", getCustomer),

		example(sdk.POST("/stock/adjustments", manager, "Adjust stock at a location (signed quantities, with a reason)", createAdjustment),
			map[string]any{"location_id": "…", "reason": "conteo físico", "lines": []map[string]any{{"variant_id": variantID, "quantity": "10"}}},
			map[string]any{"id": "…", "movements": []map[string]any{{"kind": "adjustment", "quantity": "10"}}}),
		example(sdk.GET("/stock", viewer, "On-hand per variant and location, with the variant's SKU, size and color (?variant_id=, ?location_id=)", listStock),
			nil, map[string]any{"data": []map[string]any{{"variant_id": variantID, "sku": "CAM-M-ROJ", "size": "M", "color": "Rojo", "location_id": "…", "on_hand": "10"}}, "next_cursor": nil}),
		sdk.POST("/stock/transfers", manager, "Transfer stock between two locations", createTransfer),
		sdk.GET("/stock/movements", viewer, "The inventory ledger (?variant_id=, ?location_id=, ?kind=, ?ref_id=, ?from=, ?to=)", listMovements),
		sdk.GET("/stock/integrity", admin, "Check that the movements of every variant and location sum to its on-hand", checkIntegrity),

		example(sdk.POST("/registers", manager, "Create a register at a location", createRegister),
			map[string]any{"location_id": "…", "name": "Caja 1"}, map[string]any{"id": "…"}),
		sdk.GET("/registers", viewer, "List registers (?location_id=)", listRegisters),
		example(sdk.POST("/cash-sessions", cashier, "Open a cash session on a register with an opening float", openSession),
			map[string]any{"register_id": "…", "opening_float": "500.00"}, map[string]any{"id": "…", "status": "open"}),
		sdk.GET("/cash-sessions", viewer, "List cash sessions (?register_id=, ?status=)", listSessions),
		sdk.GET("/cash-sessions/{id}", cashier, "A cash session with its expected amounts per method", getSession),
		example(sdk.POST("/cash-sessions/{id}/close", cashier, "Close a session with counted amounts per method (a manager beyond the difference limit)", closeSession),
			map[string]any{"counted": []map[string]any{{"method": "cash", "amount": "1250.00"}, {"method": "card", "amount": "830.50"}}},
			map[string]any{"status": "closed", "counts": []map[string]any{{"method": "cash", "expected": "1250.00", "counted": "1250.00", "difference": "0.00"}}}),

		example(sdk.POST("/sales", cashier, "Checkout (send an Idempotency-Key header; a retry returns the original sale)", createSale),
			map[string]any{"session_id": "…", "lines": []map[string]any{{"variant_id": variantID, "quantity": "1"}},
				"payments": []map[string]any{{"method": "cash", "amount": "50.00"}}},
			map[string]any{"id": "…", "total": "25.00", "change": "25.00",
				"taxes": []map[string]any{{"code": "iva16", "rate": "16", "base": "21.55", "amount": "3.45"}}}),
		sdk.GET("/sales", viewer, "List sales (?session_id=, ?location_id=, ?status=, ?from=, ?to=)", listSales),
		sdk.GET("/sales/{id}", viewer, "Get a sale", getSale),
		sdk.POST("/sales/{id}/void", manager, "Void a sale while its cash session is open", voidSale),
		example(sdk.POST("/sales/{id}/returns", cashier, "Return (part of) a sale, restocking a location; refunds go back to the sale's tenders unless named", createReturn),
			map[string]any{"session_id": "…", "lines": []map[string]any{{"variant_id": variantID, "quantity": "1"}},
				"refunds": []map[string]any{{"method": "cash", "amount": "25.00"}}},
			map[string]any{"id": "…", "sale_status": "partially_returned", "total": "25.00"}),
		example(sdk.POST("/sales/{id}/returns/preview", cashier, "What a return would refund per line, per tax rate and per tender (same body as a return; writes nothing)", previewReturn),
			map[string]any{"lines": []map[string]any{{"variant_id": variantID, "quantity": "1"}}},
			map[string]any{"total": "25.00", "refunds": []map[string]any{{"method": "card", "amount": "25.00", "reference": "auth-123"}},
				"refunds_suggested": true, "session_required": false}),
		sdk.GET("/sales/{id}/receipt", cashier, "Everything a ticket printer needs (with the CAE or UUID once invoiced)", getReceipt),
		sdk.POST("/sales/{id}/invoice", cashier, "Issue the sale's fiscal document through the host (AFIP receipt, CFDI); optional {\"customer\"}", invoiceSale).
			Takes(invoiceBody{}).Returns(fiscal.Document{}),
		sdk.GET("/returns/{id}", cashier, "A return with its lines and refunds (a refund through Mercado Pago: pending, refunded or failed)", getReturn),
		sdk.POST("/returns/{id}/credit-note", cashier, "Issue the credit note of a return of an invoiced sale", creditReturn).Returns(fiscal.Document{}),

		sdk.POST("/consignments", manager, "Create a draft consignment to a consignee customer", createConsignment),
		sdk.GET("/consignments", viewer, "List consignments (?status=, ?customer_id=)", listConsignments),
		sdk.GET("/consignments/{id}", viewer, "A consignment with its lines, sales reports, settlements and amount owed", getConsignment),
		sdk.POST("/consignments/{id}/send", manager, "Send a consignment: its goods move to the consignee location", sendConsignment),
		sdk.POST("/consignments/{id}/sales", manager, "Record the consignee's sales report (amount owed grows)", reportConsignmentSales),
		sdk.POST("/consignments/{id}/settlements", manager, "Record a settlement payment", settleConsignment),
		sdk.POST("/consignments/{id}/returns", manager, "Return unsold goods from the consignee", returnConsignment),
		sdk.POST("/consignments/{id}/cancel", manager, "Cancel a draft, or a sent consignment with no sales or returns", cancelConsignment),

		sdk.POST("/suppliers", manager, "Create a supplier", createSupplier),
		sdk.GET("/suppliers", viewer, "List suppliers", listSuppliers),
		sdk.POST("/purchase-orders", manager, "Create a draft purchase order", createPurchaseOrder),
		sdk.GET("/purchase-orders", viewer, "List purchase orders (?status=, ?supplier_id=)", listPurchaseOrders),
		sdk.GET("/purchase-orders/{id}", viewer, "Get a purchase order", getPurchaseOrder),
		sdk.POST("/purchase-orders/{id}/order", manager, "Place a draft purchase order", transitionPO(eventOrder)),
		sdk.POST("/purchase-orders/{id}/cancel", manager, "Cancel a draft or placed purchase order", transitionPO(eventCancel)),
		example(sdk.POST("/purchase-orders/{id}/receipts", manager, "Receive (part of) a purchase order; updates moving-average costs", receivePurchaseOrder),
			map[string]any{"lines": []map[string]any{{"variant_id": variantID, "quantity": "5", "unit_cost": "15.00"}}},
			map[string]any{"status": "partially_received", "receipt": map[string]any{"lines": []map[string]any{{"cost_before": "12.00", "cost_after": "13.00"}}}}),

		sdk.GET("/reports/sales", viewer, "Sales by day, location, product, payment_method or cashier (?group_by=, ?from=, ?to=, ?limit=, ?cursor=)", salesReport),
		sdk.GET("/reports/top-products", viewer, "Best-selling variants (?from=, ?to=, ?limit=)", topProductsReport),
		sdk.GET("/reports/margin", manager, "Margin per product: revenue against moving-average cost (?from=, ?to=, ?limit=, ?cursor=)", marginReport),
		sdk.GET("/reports/stock-valuation", manager, "Stock valued at cost and price per location (?location_id=, ?limit=, ?cursor=)", stockValuationReport),
		sdk.GET("/reports/low-stock", viewer, "Variants at or below their reorder point (?location_id=, ?limit=, ?cursor=)", lowStockReport),
		sdk.GET("/reports/cash-sessions", viewer, "Cash sessions opened in a range (?from=, ?to=, ?limit=, ?cursor=)", cashSessionsReport),
		sdk.GET("/reports/consignment-aging", manager, "Goods at consignees by age, at cost and at price (?limit=, ?cursor=)", consignmentAgingReport),
	}
}
