package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Purchase order states and events.
const (
	PODraft             = "draft"
	POOrdered           = "ordered"
	POPartiallyReceived = "partially_received"
	POReceived          = "received"
	POCancelled         = "cancelled"
	eventOrder          = "order"
	eventReceive        = "receive"
	eventReceiveAll     = "receive_all"
)

// supplierRow is a row of suppliers.
type supplierRow struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	TaxID     *string        `json:"tax_id"`
	Email     *string        `json:"email"`
	CreatedAt *sdk.Timestamp `json:"created_at,omitempty"`
}

// supplierInput is POST /suppliers.
type supplierInput struct {
	Name  string `json:"name"`
	TaxID string `json:"tax_id"`
	Email string `json:"email"`
}

// createSupplier handles POST /suppliers.
func createSupplier(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in supplierInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := supplierRow{ID: uuid.NewString()}
	if row.Name, err = sdk.Text("name", in.Name, 200); err != nil {
		return err
	}
	if row.TaxID, _, err = e.checkTaxID("tax_id", in.TaxID); err != nil {
		return err
	}
	if row.Email, err = sdk.OptionalText("email", in.Email, 200); err != nil {
		return err
	}
	if err := c.DB().InsertReturning("suppliers", row, &row); err != nil {
		return fmt.Errorf("create supplier: %w", err)
	}
	return c.JSON(http.StatusCreated, row)
}

// listSuppliers handles GET /suppliers.
func listSuppliers(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var rows []supplierRow
	next, err := c.DB().List("suppliers", sdk.Query{OrderBy: []sdk.Order{sdk.Asc("name")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list suppliers: %w", err)
	}
	if rows == nil {
		rows = []supplierRow{}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// poRow is a row of purchase_orders.
type poRow struct {
	ID         string         `json:"id"`
	SupplierID string         `json:"supplier_id"`
	LocationID string         `json:"location_id"`
	Status     string         `json:"status,omitempty"`
	Currency   string         `json:"currency"`
	Note       *string        `json:"note"`
	TotalCost  money.Amount   `json:"total_cost"`
	CreatedBy  *string        `json:"created_by"`
	CreatedAt  *sdk.Timestamp `json:"created_at,omitempty"`
	Version    int64          `json:"version,omitempty"`
}

// poLineRow is a row of purchase_order_lines.
type poLineRow struct {
	ID               string          `json:"id"`
	PurchaseOrderID  string          `json:"purchase_order_id"`
	LineNo           int             `json:"line_no"`
	VariantID        string          `json:"variant_id"`
	Quantity         decimal.Decimal `json:"quantity"`
	UnitCost         decimal.Decimal `json:"unit_cost"`
	ReceivedQuantity decimal.Decimal `json:"received_quantity"`
}

// poLineInput is one line of POST /purchase-orders.
type poLineInput struct {
	VariantID string `json:"variant_id"`
	Quantity  string `json:"quantity"`
	UnitCost  string `json:"unit_cost"`
}

// poInput is POST /purchase-orders.
type poInput struct {
	SupplierID string        `json:"supplier_id"`
	LocationID string        `json:"location_id"`
	Note       string        `json:"note"`
	Lines      []poLineInput `json:"lines"`
}

// poView renders a purchase order with its lines.
func poView(po poRow, lines []poLineRow) map[string]any {
	lv := make([]map[string]string, len(lines))
	for i, l := range lines {
		lv[i] = map[string]string{"id": l.ID, "variant_id": l.VariantID, "quantity": fmtQty(l.Quantity),
			"unit_cost": fmtPrice(l.UnitCost), "received_quantity": fmtQty(l.ReceivedQuantity),
			"pending_quantity": fmtQty(l.Quantity.Sub(l.ReceivedQuantity))}
	}
	return map[string]any{"id": po.ID, "supplier_id": po.SupplierID, "location_id": po.LocationID, "status": po.Status,
		"currency": po.Currency, "note": po.Note, "total_cost": po.TotalCost, "created_at": po.CreatedAt,
		"version": max(po.Version, 1), "lines": lv}
}

// createPurchaseOrder handles POST /purchase-orders: a draft for a supplier
// to be received at location_id (default "Principal").
func createPurchaseOrder(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in poInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	po := poRow{ID: uuid.NewString(), Currency: e.currency.Code, CreatedBy: nullable(c.Principal().UserID)}
	if po.SupplierID, err = sdk.UUID("supplier_id", in.SupplierID); err != nil {
		return err
	}
	if po.LocationID, err = optionalID("location_id", in.LocationID); err != nil {
		return err
	}
	if po.Note, err = sdk.OptionalText("note", in.Note, 1000); err != nil {
		return err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return sdk.InvalidField("lines", "must list 1 to %d lines", maxLines)
	}
	lines := make([]poLineRow, len(in.Lines))
	seen := map[string]bool{}
	total := decimal.Zero
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		lines[i] = poLineRow{ID: uuid.NewString(), PurchaseOrderID: po.ID, LineNo: i + 1}
		if lines[i].VariantID, err = sdk.UUID(f+".variant_id", l.VariantID); err != nil {
			return err
		}
		if seen[lines[i].VariantID] {
			return sdk.InvalidField(f+".variant_id", "is listed twice")
		}
		seen[lines[i].VariantID] = true
		if lines[i].Quantity, err = money.QuantityLimits.Parse(f+".quantity", l.Quantity); err != nil {
			return err
		}
		if lines[i].UnitCost, err = money.PriceLimits.Parse(f+".unit_cost", l.UnitCost); err != nil {
			return err
		}
		total = total.Add(lines[i].Quantity.Mul(lines[i].UnitCost))
	}
	po.TotalCost = money.AmountOf(money.Round(total, e.currency))
	var (
		supplier supplierRow
		loc      locationRow
		variants map[string]variantInfo
	)
	b := c.DB().Batch()
	b.Get("suppliers", po.SupplierID, &supplier)
	if po.LocationID != "" {
		b.Get("locations", po.LocationID, &loc)
	}
	check := loadVariants(b, variantIDs(lines, func(l poLineRow) string { return l.VariantID }), &variants)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create purchase order: %w", refNotFound(err, map[string]string{"suppliers": "supplier_id", "locations": "location_id"}))
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if po.LocationID == "" {
		po.LocationID = e.principal()
	} else if loc.Kind == LocationConsignee {
		return sdk.InvalidField("location_id", "must be a store or warehouse")
	}
	b = c.DB().Batch()
	b.Insert("purchase_orders", po)
	b.Insert("purchase_order_lines", lines)
	var (
		stored      poRow
		storedLines []poLineRow
	)
	loadPO(b, po.ID, &stored, &storedLines)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create purchase order: %w", err)
	}
	return c.JSON(http.StatusCreated, poView(stored, storedLines))
}

// loadPO queues the reads of a purchase order and its lines.
func loadPO(b *sdk.Batch, id string, po *poRow, lines *[]poLineRow) {
	b.Get("purchase_orders", id, po)
	b.List("purchase_order_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("purchase_order_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, lines)
}

// getPurchaseOrder handles GET /purchase-orders/{id}.
func getPurchaseOrder(c *sdk.Context) error {
	id, err := c.PathUUID("id", "purchase order")
	if err != nil {
		return err
	}
	var (
		po    poRow
		lines []poLineRow
	)
	b := c.DB().Batch()
	loadPO(b, id, &po, &lines)
	if err := b.Run(); err != nil {
		return fmt.Errorf("get purchase order: %w", err)
	}
	return c.JSON(http.StatusOK, poView(po, lines))
}

// listPurchaseOrders handles GET /purchase-orders (?status=, ?supplier_id=).
func listPurchaseOrders(c *sdk.Context) error {
	return listDocuments[poRow](c, "purchase_orders", "supplier_id")
}

// transitionPO answers a purchase order transition (order, cancel).
func transitionPO(event string) sdk.HandlerFunc {
	return func(c *sdk.Context) error {
		id, err := c.PathUUID("id", "purchase order")
		if err != nil {
			return err
		}
		var (
			po    poRow
			lines []poLineRow
		)
		b := c.DB().Batch()
		b.Transition("purchase_orders", id, event, "", nil)
		loadPO(b, id, &po, &lines)
		if err := b.Run(); err != nil {
			return fmt.Errorf("purchase order %s: %w", event, err)
		}
		return c.JSON(http.StatusOK, poView(po, lines))
	}
}

// receiptLineInput is one line of a receipt: a variant of the order, the
// quantity that arrived and, when it differs from the order's, its cost.
type receiptLineInput struct {
	VariantID string  `json:"variant_id"`
	Quantity  string  `json:"quantity"`
	UnitCost  *string `json:"unit_cost"`
}

// receiptInput is POST /purchase-orders/{id}/receipts.
type receiptInput struct {
	LocationID string             `json:"location_id"`
	Lines      []receiptLineInput `json:"lines"`
}

// receiptLine is a received line with the costs before and after.
type receiptLine struct {
	VariantID  string `json:"variant_id"`
	Quantity   string `json:"quantity"`
	UnitCost   string `json:"unit_cost"`
	CostBefore string `json:"cost_before"`
	CostAfter  string `json:"cost_after"`
}

// receivePurchaseOrder handles POST /purchase-orders/{id}/receipts: a
// (partial) receipt adds stock with receipt movements at the unit cost and
// updates each variant's moving-average cost. The order and the variants
// are locked first, so concurrent receipts of a variant average in turn.
// Without lines everything pending arrives at the order's costs. What lies
// between the reads and the writes is computed without the database
// (purchases_calc.go).
func receivePurchaseOrder(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "purchase order")
	if err != nil {
		return err
	}
	var in receiptInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	to, wants, err := checkReceipt(in)
	if err != nil {
		return err
	}
	var (
		po    poRow
		lines []poLineRow
		loc   locationRow
	)
	b := c.DB().Batch()
	b.Lock("purchase_orders", id)
	loadPO(b, id, &po, &lines)
	if to != "" {
		b.Get("locations", to, &loc)
	}
	if err := b.Run(); err != nil {
		if notFoundIn(err, "locations") {
			return unknownRef("location_id", to)
		}
		return fmt.Errorf("receive: %w", err)
	}
	if to, err = receiptLocation(po, to, loc); err != nil {
		return err
	}
	arrivals, err := planArrivals(po.ID, wants, lines)
	if err != nil {
		return err
	}
	ids := variantIDs(arrivals, func(a arrival) string { return a.line.VariantID })
	var (
		totals   []stockRow
		variants map[string]variantInfo
	)
	b = c.DB().Batch()
	b.Lock("variants", ids...)
	b.Query(qStockTotals, &totals, uuidArray(ids))
	check := loadVariants(b, ids, &variants)
	if err := b.Run(); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	rec := receive(arrivals, variants, totals, lines)
	linesJSON, err := json.Marshal(rec.lines)
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	at := now()
	receiptID := uuid.NewString()
	led := newLedger(c, e, "purchase_receipt", receiptID, at)
	b = c.DB().Batch()
	for i, a := range arrivals {
		led.add(KindReceipt, a.line.VariantID, to, a.quantity, a.cost)
		b.Update("variants", a.line.VariantID, map[string]any{"cost": rec.costs[i]})
		b.Update("purchase_order_lines", a.line.ID, map[string]any{"received_quantity": rec.received[i]})
	}
	var updated poRow
	b.Transition("purchase_orders", id, rec.event(), "receipt "+receiptID, &updated)
	b.Insert("purchase_receipts", map[string]any{"id": receiptID, "purchase_order_id": id, "location_id": to,
		"lines": json.RawMessage(linesJSON), "user_id": nullable(c.Principal().UserID), "occurred_at": at})
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	v := poView(updated, rec.poLines)
	v["receipt"] = map[string]any{"id": receiptID, "location_id": to, "lines": rec.lines, "movements": led.views(), "occurred_at": at}
	return c.JSON(http.StatusCreated, v)
}
