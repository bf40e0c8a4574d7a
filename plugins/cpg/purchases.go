package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

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
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	TaxID     *string    `json:"tax_id"`
	Email     *string    `json:"email"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
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
	if row.Name, err = text("name", in.Name, 200); err != nil {
		return err
	}
	if row.TaxID, _, err = e.checkTaxID("tax_id", in.TaxID); err != nil {
		return err
	}
	if row.Email, err = optionalText("email", in.Email, 200); err != nil {
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
	ID         string     `json:"id"`
	SupplierID string     `json:"supplier_id"`
	LocationID string     `json:"location_id"`
	Status     string     `json:"status,omitempty"`
	Currency   string     `json:"currency"`
	Note       *string    `json:"note"`
	TotalCost  Money      `json:"total_cost"`
	CreatedBy  *string    `json:"created_by"`
	CreatedAt  *Timestamp `json:"created_at,omitempty"`
	Version    int64      `json:"version,omitempty"`
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
	if po.SupplierID, err = parseID("supplier_id", in.SupplierID); err != nil {
		return err
	}
	if po.LocationID, err = optionalID("location_id", in.LocationID); err != nil {
		return err
	}
	if po.Note, err = optionalText("note", in.Note, 1000); err != nil {
		return err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return invalidField("lines", "must list 1 to %d lines", maxLines)
	}
	lines := make([]poLineRow, len(in.Lines))
	seen := map[string]bool{}
	total := decimal.Zero
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		lines[i] = poLineRow{ID: uuid.NewString(), PurchaseOrderID: po.ID, LineNo: i + 1}
		if lines[i].VariantID, err = parseID(f+".variant_id", l.VariantID); err != nil {
			return err
		}
		if seen[lines[i].VariantID] {
			return invalidField(f+".variant_id", "is listed twice")
		}
		seen[lines[i].VariantID] = true
		if lines[i].Quantity, err = parseDecimal(f+".quantity", l.Quantity, quantityRule); err != nil {
			return err
		}
		if lines[i].UnitCost, err = parseDecimal(f+".unit_cost", l.UnitCost, priceRule); err != nil {
			return err
		}
		total = total.Add(lines[i].Quantity.Mul(lines[i].UnitCost))
	}
	po.TotalCost = Money{money.Round(total, e.currency)}
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
		return invalidField("location_id", "must be a store or warehouse")
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
	id, err := pathID(c, "id", "purchase order")
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
		id, err := pathID(c, "id", "purchase order")
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
// Without lines everything pending arrives at the order's costs.
func receivePurchaseOrder(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "purchase order")
	if err != nil {
		return err
	}
	var in receiptInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	to, err := optionalID("location_id", in.LocationID)
	if err != nil {
		return err
	}
	type want struct {
		quantity decimal.Decimal
		cost     *decimal.Decimal
	}
	wants := map[string]want{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		vid, err := parseID(f+".variant_id", l.VariantID)
		if err != nil {
			return err
		}
		if _, dup := wants[vid]; dup {
			return invalidField(f+".variant_id", "is listed twice")
		}
		q, err := parseDecimal(f+".quantity", l.Quantity, quantityRule)
		if err != nil {
			return err
		}
		w := want{quantity: q}
		if l.UnitCost != nil {
			cost, err := parseDecimal(f+".unit_cost", *l.UnitCost, priceRule)
			if err != nil {
				return err
			}
			w.cost = &cost
		}
		wants[vid] = w
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
	if po.Status != POOrdered && po.Status != POPartiallyReceived {
		return sdk.Conflict("invalid_transition", "purchase order "+id+" is "+po.Status+": only an ordered purchase order can be received")
	}
	if to == "" {
		to = po.LocationID
	} else if loc.Kind == LocationConsignee {
		return invalidField("location_id", "must be a store or warehouse")
	}
	type arrival struct {
		line     poLineRow
		quantity decimal.Decimal
		cost     decimal.Decimal
	}
	var arrivals []arrival
	for vid, w := range wants {
		found := false
		for _, l := range lines {
			if l.VariantID != vid {
				continue
			}
			found = true
			pending := l.Quantity.Sub(l.ReceivedQuantity)
			if w.quantity.GreaterThan(pending) {
				return sdk.Unprocessable("exceeds_order", fmt.Sprintf("variant %s: %s received but only %s pending", vid, fmtQty(w.quantity), fmtQty(pending))).
					WithDetails(map[string]any{"variant_id": vid, "pending": fmtQty(pending)})
			}
			cost := l.UnitCost
			if w.cost != nil {
				cost = *w.cost
			}
			arrivals = append(arrivals, arrival{line: l, quantity: w.quantity, cost: cost})
		}
		if !found {
			return invalidField("lines", "variant %s is not on purchase order %s", vid, id)
		}
	}
	if len(in.Lines) == 0 {
		for _, l := range lines {
			if p := l.Quantity.Sub(l.ReceivedQuantity); p.IsPositive() {
				arrivals = append(arrivals, arrival{line: l, quantity: p, cost: l.UnitCost})
			}
		}
	}
	slices.SortFunc(arrivals, func(a, b arrival) int { return a.line.LineNo - b.line.LineNo })
	if len(arrivals) == 0 {
		return sdk.Conflict("nothing_pending", "purchase order "+id+" has nothing left to receive")
	}
	ids := make([]string, len(arrivals))
	for i, a := range arrivals {
		ids[i] = a.line.VariantID
	}
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
	onHand := map[string]decimal.Decimal{}
	for _, t := range totals {
		onHand[t.VariantID] = t.OnHand
	}
	at := now()
	receiptID := uuid.NewString()
	led := newLedger(c, e, "purchase_receipt", receiptID, at)
	b = c.DB().Batch()
	rl := make([]receiptLine, 0, len(arrivals))
	allDone := true
	received := map[string]decimal.Decimal{}
	for _, a := range arrivals {
		v := variants[a.line.VariantID]
		newCost := movingAverage(onHand[v.ID], v.Cost, a.quantity, a.cost)
		rl = append(rl, receiptLine{VariantID: v.ID, Quantity: fmtQty(a.quantity), UnitCost: fmtPrice(a.cost),
			CostBefore: fmtPrice(v.Cost), CostAfter: fmtPrice(newCost)})
		led.add(KindReceipt, v.ID, to, a.quantity, a.cost)
		b.Update("variants", v.ID, map[string]any{"cost": newCost})
		received[a.line.ID] = a.line.ReceivedQuantity.Add(a.quantity)
		b.Update("purchase_order_lines", a.line.ID, map[string]any{"received_quantity": received[a.line.ID]})
	}
	for i, l := range lines {
		if r, ok := received[l.ID]; ok {
			lines[i].ReceivedQuantity = r
		}
		if lines[i].ReceivedQuantity.LessThan(l.Quantity) {
			allDone = false
		}
	}
	event := eventReceive
	if allDone {
		event = eventReceiveAll
	}
	linesJSON, err := json.Marshal(rl)
	if err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	var updated poRow
	b.Transition("purchase_orders", id, event, "receipt "+receiptID, &updated)
	b.Insert("purchase_receipts", map[string]any{"id": receiptID, "purchase_order_id": id, "location_id": to,
		"lines": json.RawMessage(linesJSON), "user_id": nullable(c.Principal().UserID), "occurred_at": at})
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("receive: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	v := poView(updated, lines)
	v["receipt"] = map[string]any{"id": receiptID, "location_id": to, "lines": rl, "movements": led.views(), "occurred_at": at}
	return c.JSON(http.StatusCreated, v)
}
