package cpg

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// maxLines bounds the lines of one document.
const maxLines = 500

// stockLineInput is one line of an adjustment or transfer.
type stockLineInput struct {
	VariantID string `json:"variant_id"`
	Quantity  string `json:"quantity"`
}

// stockLine is a validated stockLineInput.
type stockLine struct {
	variantID string
	quantity  decimal.Decimal
}

// checkStockLines validates document lines; limits decide the quantities'
// sign.
func checkStockLines(in []stockLineInput, limits money.Limits) ([]stockLine, error) {
	if len(in) == 0 || len(in) > maxLines {
		return nil, sdk.InvalidField("lines", "must list 1 to %d lines", maxLines)
	}
	out := make([]stockLine, len(in))
	for i, l := range in {
		field := fmt.Sprintf("lines[%d]", i)
		id, err := sdk.UUID(field+".variant_id", l.VariantID)
		if err != nil {
			return nil, err
		}
		q, err := limits.Parse(field+".quantity", l.Quantity)
		if err != nil {
			return nil, err
		}
		out[i] = stockLine{variantID: id, quantity: q}
	}
	return out, nil
}

// variantIDs returns the distinct variant ids of lines, sorted.
func variantIDs[L any](lines []L, id func(L) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if v := id(l); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// fewIDs is how many ids qVariantsByFewIDs takes.
const fewIDs = 8

// loadVariants queues a read of the variants with ids and returns the check
// that every one exists (a 422 naming the first missing one).
func loadVariants(b *sdk.Batch, ids []string, out *map[string]variantInfo) func(field string) error {
	var rows []variantInfo
	if len(ids) > 0 && len(ids) <= fewIDs {
		args := make([]any, fewIDs)
		for i := range args {
			args[i] = ids[min(i, len(ids)-1)]
		}
		b.Query(qVariantsByFewIDs, &rows, args...)
	} else {
		b.Query(qVariantsByIDs, &rows, uuidArray(ids))
	}
	return func(field string) error {
		*out = make(map[string]variantInfo, len(rows))
		for _, r := range rows {
			(*out)[r.ID] = r
		}
		for _, id := range ids {
			if _, ok := (*out)[id]; !ok {
				return unknownRef(field, id)
			}
		}
		return nil
	}
}

// adjustmentInput is POST /stock/adjustments.
type adjustmentInput struct {
	LocationID string           `json:"location_id"`
	Reason     string           `json:"reason"`
	Note       string           `json:"note"`
	Lines      []stockLineInput `json:"lines"`
}

// adjustmentRow is a row of stock_adjustments.
type adjustmentRow struct {
	ID         string        `json:"id"`
	LocationID string        `json:"location_id"`
	Reason     string        `json:"reason"`
	Note       *string       `json:"note"`
	UserID     *string       `json:"user_id"`
	OccurredAt sdk.Timestamp `json:"occurred_at"`
}

// createAdjustment handles POST /stock/adjustments: signed quantities
// (positive adds stock, negative removes it) at one location, valued at the
// variants' current cost.
func createAdjustment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in adjustmentInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	adj := adjustmentRow{ID: uuid.NewString(), UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	if adj.LocationID, err = sdk.UUID("location_id", in.LocationID); err != nil {
		return err
	}
	if adj.Reason, err = sdk.Text("reason", in.Reason, 200); err != nil {
		return err
	}
	if adj.Note, err = sdk.OptionalText("note", in.Note, 1000); err != nil {
		return err
	}
	lines, err := checkStockLines(in.Lines, signedQuantityLimits)
	if err != nil {
		return err
	}
	var (
		variants map[string]variantInfo
		loc      locationRow
	)
	b := c.DB().Batch()
	b.Get("locations", adj.LocationID, &loc)
	check := loadVariants(b, variantIDs(lines, func(l stockLine) string { return l.variantID }), &variants)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return unknownRef("location_id", adj.LocationID)
		}
		return fmt.Errorf("adjust stock: %w", err)
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	led := newLedger(c, e, "adjustment", adj.ID, adj.OccurredAt)
	led.reason = &adj.Reason
	for _, l := range lines {
		led.add(KindAdjustment, l.variantID, adj.LocationID, l.quantity, variants[l.variantID].Cost)
	}
	b = c.DB().Batch()
	stockOK := led.queue(b)
	b.Insert("stock_adjustments", adj)
	if err := b.Run(); err != nil {
		return fmt.Errorf("adjust stock: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": adj.ID, "location_id": adj.LocationID, "reason": adj.Reason, "note": adj.Note,
		"occurred_at": adj.OccurredAt, "movements": led.views(),
	})
}

// transferInput is POST /stock/transfers.
type transferInput struct {
	FromLocationID string           `json:"from_location_id"`
	ToLocationID   string           `json:"to_location_id"`
	Note           string           `json:"note"`
	Lines          []stockLineInput `json:"lines"`
}

// transferRow is a row of stock_transfers.
type transferRow struct {
	ID             string        `json:"id"`
	FromLocationID string        `json:"from_location_id"`
	ToLocationID   string        `json:"to_location_id"`
	Note           *string       `json:"note"`
	UserID         *string       `json:"user_id"`
	OccurredAt     sdk.Timestamp `json:"occurred_at"`
}

// createTransfer handles POST /stock/transfers: a transfer document moving
// stock between two locations at once (transfer_out, transfer_in).
func createTransfer(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in transferInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	tr := transferRow{ID: uuid.NewString(), UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	if tr.FromLocationID, err = sdk.UUID("from_location_id", in.FromLocationID); err != nil {
		return err
	}
	if tr.ToLocationID, err = sdk.UUID("to_location_id", in.ToLocationID); err != nil {
		return err
	}
	if tr.FromLocationID == tr.ToLocationID {
		return sdk.InvalidField("to_location_id", "must differ from from_location_id")
	}
	if tr.Note, err = sdk.OptionalText("note", in.Note, 1000); err != nil {
		return err
	}
	lines, err := checkStockLines(in.Lines, money.QuantityLimits)
	if err != nil {
		return err
	}
	var (
		variants map[string]variantInfo
		from, to locationRow
	)
	b := c.DB().Batch()
	b.Get("locations", tr.FromLocationID, &from)
	b.Get("locations", tr.ToLocationID, &to)
	check := loadVariants(b, variantIDs(lines, func(l stockLine) string { return l.variantID }), &variants)
	if err := b.Run(); err != nil {
		field, id := "to_location_id", tr.ToLocationID
		var e *sdk.Error
		if errors.As(err, &e) && e.Details["id"] == tr.FromLocationID {
			field, id = "from_location_id", tr.FromLocationID
		}
		if notFoundIn(err, "locations") {
			return unknownRef(field, id)
		}
		return fmt.Errorf("transfer stock: %w", err)
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if from.Kind == LocationConsignee || to.Kind == LocationConsignee {
		return sdk.Unprocessable("consignee_location", "stock reaches and leaves consignee locations through consignments")
	}
	led := newLedger(c, e, "transfer", tr.ID, tr.OccurredAt)
	for _, l := range lines {
		cost := variants[l.variantID].Cost
		led.add(KindTransferOut, l.variantID, tr.FromLocationID, l.quantity.Neg(), cost)
		led.add(KindTransferIn, l.variantID, tr.ToLocationID, l.quantity, cost)
	}
	b = c.DB().Batch()
	stockOK := led.queue(b)
	b.Insert("stock_transfers", tr)
	if err := b.Run(); err != nil {
		return fmt.Errorf("transfer stock: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": tr.ID, "from_location_id": tr.FromLocationID, "to_location_id": tr.ToLocationID, "note": tr.Note,
		"occurred_at": tr.OccurredAt, "movements": led.views(),
	})
}

// stockRow is a row of stock.
type stockRow struct {
	VariantID  string          `json:"variant_id"`
	LocationID string          `json:"location_id"`
	OnHand     decimal.Decimal `json:"on_hand"`
}

// stockItem is on-hand as the API shows it, with the variant's SKU, size
// and color for a screen to name it.
type stockItem struct {
	VariantID  string  `json:"variant_id"`
	SKU        string  `json:"sku"`
	Size       *string `json:"size"`
	Color      *string `json:"color"`
	LocationID string  `json:"location_id"`
	OnHand     string  `json:"on_hand"`
}

// listStock handles GET /stock?variant_id=&location_id=. Asking for one
// variant at one location always answers one item (on_hand "0" when it
// never had stock there).
func listStock(c *sdk.Context) error {
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	variant, err := c.QueryUUID("variant_id")
	if err != nil {
		return err
	}
	loc, err := c.QueryUUID("location_id")
	if err != nil {
		return err
	}
	var where []sdk.Filter
	order := []sdk.Order{sdk.Asc("variant_id"), sdk.Asc("location_id")}
	if variant != "" {
		where = append(where, sdk.Eq("variant_id", variant))
		order = []sdk.Order{sdk.Asc("location_id")}
	}
	if loc != "" {
		where = append(where, sdk.Eq("location_id", loc))
		order = []sdk.Order{sdk.Asc("variant_id")}
	}
	var rows []stockRow
	next, err := c.DB().List("stock", sdk.Query{Where: where, OrderBy: order, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list stock: %w", err)
	}
	ids := make([]string, 0, len(rows)+1)
	for _, r := range rows {
		ids = append(ids, r.VariantID)
	}
	zero := len(rows) == 0 && variant != "" && loc != "" && c.Cursor() == ""
	if zero {
		ids = append(ids, variant)
	}
	labels, err := variantLabels(c, ids)
	if err != nil {
		return err
	}
	items := make([]stockItem, 0, len(ids))
	item := func(variantID, locationID, onHand string) stockItem {
		l := labels[variantID]
		return stockItem{VariantID: variantID, SKU: l.SKU, Size: l.Size, Color: l.Color, LocationID: locationID, OnHand: onHand}
	}
	for _, r := range rows {
		items = append(items, item(r.VariantID, r.LocationID, fmtQty(r.OnHand)))
	}
	if zero {
		items = append(items, item(variant, loc, "0"))
	}
	return c.JSON(http.StatusOK, sdk.NewPage(items, next))
}

// listMovements handles GET /stock/movements: the ledger, newest first,
// filtered by variant_id, location_id, kind, ref_id and an occurred_at
// range [from, to).
func listMovements(c *sdk.Context) error {
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	for _, name := range []string{"variant_id", "location_id", "ref_id"} {
		id, err := c.QueryUUID(name)
		if err != nil {
			return err
		}
		if id != "" {
			where = append(where, sdk.Eq(name, id))
		}
	}
	if k := c.Query("kind"); k != "" {
		switch k {
		case KindReceipt, KindSale, KindVoid, KindReturn, KindAdjustment, KindTransferOut, KindTransferIn,
			KindConsignOut, KindConsignSold, KindConsignReturn:
			where = append(where, sdk.Eq("kind", k))
		default:
			return sdk.BadRequest("invalid_query", fmt.Sprintf("unknown movement kind %q", k)).
				WithDetails(map[string]any{"parameter": "kind"})
		}
	}
	from, err := queryTime(c, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(c, "to")
	if err != nil {
		return err
	}
	if from != nil {
		where = append(where, sdk.Gte("occurred_at", from))
	}
	if to != nil {
		where = append(where, sdk.Lt("occurred_at", to))
	}
	var rows []movementRow
	next, err := c.DB().List("stock_movements", sdk.Query{
		Where: where, OrderBy: []sdk.Order{sdk.Desc("occurred_at")}, Limit: limit, Cursor: c.Cursor(),
	}, &rows)
	if err != nil {
		return fmt.Errorf("list movements: %w", err)
	}
	items := make([]movementView, len(rows))
	for i, r := range rows {
		items[i] = r.view()
	}
	return c.JSON(http.StatusOK, sdk.NewPage(items, next))
}

// integrityRow is a (variant, location) whose on-hand differs from the sum
// of its movements.
type integrityRow struct {
	VariantID  string          `json:"variant_id"`
	LocationID string          `json:"location_id"`
	OnHand     decimal.Decimal `json:"on_hand"`
	Movements  decimal.Decimal `json:"movements"`
}

// checkIntegrity handles GET /stock/integrity: proves Σ movements = on-hand
// for every (variant, location) of the company.
func checkIntegrity(c *sdk.Context) error {
	var (
		bad    []integrityRow
		counts []struct {
			StockRows int64 `json:"stock_rows"`
			Movements int64 `json:"movements"`
		}
	)
	b := c.DB().Batch()
	b.Query(qIntegrity, &bad)
	b.Query(qIntegrityCounts, &counts)
	if err := b.Run(); err != nil {
		return fmt.Errorf("check integrity: %w", err)
	}
	mismatches := make([]map[string]string, 0, len(bad))
	for _, r := range bad {
		mismatches = append(mismatches, map[string]string{
			"variant_id": r.VariantID, "location_id": r.LocationID,
			"on_hand": fmtQty(r.OnHand), "movements": fmtQty(r.Movements),
		})
	}
	res := map[string]any{"ok": len(bad) == 0, "mismatches": mismatches}
	if len(counts) == 1 {
		res["stock_rows"], res["movements"] = counts[0].StockRows, counts[0].Movements
	}
	return c.JSON(http.StatusOK, res)
}
