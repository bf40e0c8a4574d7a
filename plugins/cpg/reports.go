package cpg

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// reportRange reads ?from= and ?to= (dates, inclusive, in the company's
// time zone; default the last 30 days up to today) and the time zone.
func reportRange(c *sdk.Context, e *env) (from, to, tz string, err error) {
	tz = e.company.Timezone
	if tz == "" {
		tz = "UTC"
	}
	loc, lerr := time.LoadLocation(tz)
	if lerr != nil {
		loc = time.UTC
	}
	today := time.Now().In(loc)
	if to, err = queryDate(c, "to", today.Format(time.DateOnly)); err != nil {
		return "", "", "", err
	}
	if from, err = queryDate(c, "from", today.AddDate(0, 0, -29).Format(time.DateOnly)); err != nil {
		return "", "", "", err
	}
	if from > to {
		return "", "", "", sdk.BadRequest("invalid_query", "from must not be after to")
	}
	f, _ := time.Parse(time.DateOnly, from)
	t, _ := time.Parse(time.DateOnly, to)
	if t.Sub(f) > 366*24*time.Hour {
		return "", "", "", sdk.BadRequest("invalid_query", "a report covers at most 366 days")
	}
	return from, to, tz, nil
}

// salesGroup is one row of a sales report.
type salesGroup struct {
	Key      string           `json:"key"`
	Label    string           `json:"label,omitempty"`
	Sales    int64            `json:"sales"`
	Quantity *decimal.Decimal `json:"quantity,omitempty"`
	Total    decimal.Decimal  `json:"total"`
	Net      *decimal.Decimal `json:"net,omitempty"`
	Tax      *decimal.Decimal `json:"tax,omitempty"`
	Refunded decimal.Decimal  `json:"refunded"`
}

// salesReports maps ?group_by= to its query.
var salesReports = map[string]string{
	"day":            qReportSalesByDay,
	"location":       qReportSalesByLocation,
	"cashier":        qReportSalesByCashier,
	"product":        qReportSalesByProduct,
	"payment_method": qReportSalesByPayment,
}

// salesReport handles GET /reports/sales?group_by=day|location|product|
// payment_method|cashier&from=&to=: voided sales excluded, refunds shown
// against the sales they undo.
func salesReport(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	group := c.Query("group_by")
	if group == "" {
		group = "day"
	}
	q, ok := salesReports[group]
	if !ok {
		return sdk.BadRequest("invalid_query", fmt.Sprintf("group_by must be day, location, product, payment_method or cashier, got %q", group))
	}
	from, to, tz, err := reportRange(c, e)
	if err != nil {
		return err
	}
	report := reportNamed(q)
	page, limit, err := groupPageArgs(c, report)
	if err != nil {
		return err
	}
	var (
		rows    []salesGroup
		summary []struct {
			Sales    decimal.Decimal `json:"sales"`
			Total    decimal.Decimal `json:"total"`
			Refunded decimal.Decimal `json:"refunded"`
		}
	)
	b := c.DB().Batch()
	b.Query(q, &rows, append([]any{from, to, tz}, page...)...)
	b.Query(q+summarySuffix, &summary, from, to, tz)
	if err := b.Run(); err != nil {
		return fmt.Errorf("sales report: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r salesGroup) groupCursor { return report.cursorAfter(r.Total.String(), r.Key) })
	items := make([]map[string]any, len(rows))
	for i, r := range rows {
		item := map[string]any{"key": r.Key, "sales": r.Sales, "total": money.AmountOf(r.Total), "refunded": money.AmountOf(r.Refunded),
			"net_of_refunds": money.AmountOf(r.Total.Sub(r.Refunded))}
		if r.Label != "" {
			item["label"] = r.Label
		}
		if r.Quantity != nil {
			item["quantity"] = fmtQty(*r.Quantity)
		}
		if r.Net != nil {
			item["net"], item["tax"] = money.AmountOf(*r.Net), money.AmountOf(*r.Tax)
		}
		items[i] = item
	}
	sum := summary[0]
	res := map[string]any{"group_by": group, "from": from, "to": to, "timezone": tz, "currency": e.currency.Code,
		"data": items, "next_cursor": nullable(next), "total": money.AmountOf(sum.Total), "refunded": money.AmountOf(sum.Refunded)}
	if group != "product" && group != "payment_method" {
		res["sales"] = sum.Sales.IntPart()
	}
	return c.JSON(http.StatusOK, res)
}

// topProductsReport handles GET /reports/top-products?from=&to=&limit=.
func topProductsReport(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	from, to, tz, err := reportRange(c, e)
	if err != nil {
		return err
	}
	limit, err := c.Limit(10)
	if err != nil {
		return err
	}
	var rows []struct {
		Key      string          `json:"key"`
		SKU      string          `json:"sku"`
		Label    string          `json:"label"`
		Quantity decimal.Decimal `json:"quantity"`
		Total    decimal.Decimal `json:"total"`
	}
	if err := c.DB().Query(qReportTopProducts, &rows, from, to, tz, limit); err != nil {
		return fmt.Errorf("top products: %w", err)
	}
	items := make([]map[string]string, len(rows))
	for i, r := range rows {
		items[i] = map[string]string{"variant_id": r.Key, "sku": r.SKU, "description": r.Label,
			"quantity": fmtQty(r.Quantity), "total": money.AmountOf(r.Total).String()}
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "timezone": tz, "data": items, "next_cursor": nil})
}

// marginReport handles GET /reports/margin?from=&to=: per product, revenue
// net of tax and returns against the moving-average cost each unit was
// sold at.
func marginReport(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	from, to, tz, err := reportRange(c, e)
	if err != nil {
		return err
	}
	report := reportNamed(qReportMargin)
	page, limit, err := groupPageArgs(c, report)
	if err != nil {
		return err
	}
	type pageRow struct {
		Key      string          `json:"key"`
		Label    string          `json:"label"`
		Quantity decimal.Decimal `json:"quantity"`
		Revenue  decimal.Decimal `json:"revenue"`
		Cost     decimal.Decimal `json:"cost"`
	}
	var (
		rows    []pageRow
		summary []struct {
			Revenue decimal.Decimal `json:"revenue"`
			Cost    decimal.Decimal `json:"cost"`
		}
	)
	b := c.DB().Batch()
	b.Query(qReportMargin, &rows, append([]any{from, to, tz}, page...)...)
	b.Query(qReportMargin+summarySuffix, &summary, from, to, tz)
	if err := b.Run(); err != nil {
		return fmt.Errorf("margin report: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r pageRow) groupCursor { return report.cursorAfter(r.Revenue.String(), r.Key) })
	items := make([]map[string]string, len(rows))
	for i, r := range rows {
		items[i] = map[string]string{"product_id": r.Key, "name": r.Label, "quantity": fmtQty(r.Quantity),
			"revenue": money.AmountOf(r.Revenue).String(), "cost": money.AmountOf(r.Cost).String(), "margin": money.AmountOf(r.Revenue.Sub(r.Cost)).String(),
			"margin_percent": marginPercent(r.Revenue, r.Cost)}
	}
	revenue, cost := summary[0].Revenue, summary[0].Cost
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "timezone": tz, "data": items, "next_cursor": nullable(next),
		"revenue": money.AmountOf(revenue), "cost": money.AmountOf(cost), "margin": money.AmountOf(revenue.Sub(cost)),
		"margin_percent": marginPercent(revenue, cost)})
}

// marginPercent is (revenue − cost) ÷ revenue in percent, two decimals.
func marginPercent(revenue, cost decimal.Decimal) string {
	if revenue.IsZero() {
		return "0.00"
	}
	return revenue.Sub(cost).Mul(decimal.NewFromInt(100)).DivRound(revenue, 2).StringFixed(2)
}

// stockValuationReport handles GET /reports/stock-valuation (?location_id=):
// on-hand valued at moving-average cost (and at price) per location.
func stockValuationReport(c *sdk.Context) error {
	loc, err := c.QueryUUID("location_id")
	if err != nil {
		return err
	}
	report := reportNamed(qReportStockValuation)
	page, limit, err := groupPageArgs(c, report)
	if err != nil {
		return err
	}
	type pageRow struct {
		Key          string          `json:"key"`
		Label        string          `json:"label"`
		Kind         string          `json:"kind"`
		Variants     int64           `json:"variants"`
		Units        decimal.Decimal `json:"units"`
		ValueAtCost  decimal.Decimal `json:"value_at_cost"`
		ValueAtPrice decimal.Decimal `json:"value_at_price"`
	}
	var (
		rows    []pageRow
		summary []struct {
			ValueAtCost  decimal.Decimal `json:"value_at_cost"`
			ValueAtPrice decimal.Decimal `json:"value_at_price"`
		}
	)
	b := c.DB().Batch()
	b.Query(qReportStockValuation, &rows, append([]any{nullable(loc)}, page...)...)
	b.Query(qReportStockValuation+summarySuffix, &summary, nullable(loc))
	if err := b.Run(); err != nil {
		return fmt.Errorf("stock valuation: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r pageRow) groupCursor { return report.cursorAfter(r.Label, r.Key) })
	items := make([]map[string]any, len(rows))
	for i, r := range rows {
		items[i] = map[string]any{"location_id": r.Key, "name": r.Label, "kind": r.Kind, "variants": r.Variants,
			"units": fmtQty(r.Units), "value_at_cost": money.AmountOf(r.ValueAtCost), "value_at_price": money.AmountOf(r.ValueAtPrice)}
	}
	return c.JSON(http.StatusOK, map[string]any{"data": items, "next_cursor": nullable(next),
		"value_at_cost": money.AmountOf(summary[0].ValueAtCost), "value_at_price": money.AmountOf(summary[0].ValueAtPrice)})
}

// lowStockReport handles GET /reports/low-stock (?location_id=, ?limit=,
// ?cursor=): variants whose on-hand at a store or warehouse is at or below
// their reorder point, furthest below first, paged by that gap, SKU and
// location.
func lowStockReport(c *sdk.Context) error {
	loc, err := c.QueryUUID("location_id")
	if err != nil {
		return err
	}
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	type pageKey struct {
		Gap      *decimal.Decimal `json:"g"`
		SKU      string           `json:"s"`
		Location *string          `json:"l"`
	}
	var after pageKey
	if cur := c.Cursor(); cur != "" {
		if err := sdk.DecodeCursor(cur, &after); err != nil {
			return err
		}
		if after.Gap == nil || after.Location == nil {
			return sdk.InvalidCursor()
		}
		if _, err := uuid.Parse(*after.Location); err != nil {
			return sdk.InvalidCursor()
		}
	}
	type pageRow struct {
		VariantID    string          `json:"variant_id"`
		SKU          string          `json:"sku"`
		ProductName  string          `json:"product_name"`
		LocationID   string          `json:"location_id"`
		LocationName string          `json:"location_name"`
		OnHand       decimal.Decimal `json:"on_hand"`
		ReorderPoint decimal.Decimal `json:"reorder_point"`
	}
	var rows []pageRow
	if err := c.DB().Query(qReportLowStock, &rows, nullable(loc), after.Gap, after.SKU, after.Location, limit+1); err != nil {
		return fmt.Errorf("low stock: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r pageRow) pageKey {
		gap := r.OnHand.Sub(r.ReorderPoint)
		return pageKey{Gap: &gap, SKU: r.SKU, Location: &r.LocationID}
	})
	items := make([]map[string]string, len(rows))
	for i, r := range rows {
		items[i] = map[string]string{"variant_id": r.VariantID, "sku": r.SKU, "product_name": r.ProductName,
			"location_id": r.LocationID, "location_name": r.LocationName, "on_hand": fmtQty(r.OnHand),
			"reorder_point": fmtQty(r.ReorderPoint)}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(items, next))
}

// sessionReportRow is a row of the cash sessions report.
type sessionReportRow struct {
	ID              string         `json:"id"`
	RegisterID      string         `json:"register_id"`
	RegisterName    string         `json:"register_name"`
	LocationID      string         `json:"location_id"`
	Status          string         `json:"status"`
	OpeningFloat    money.Amount   `json:"opening_float"`
	OpenedAt        sdk.Timestamp  `json:"opened_at"`
	ClosedAt        *sdk.Timestamp `json:"closed_at"`
	ExpectedTotal   *money.Amount  `json:"expected_total"`
	CountedTotal    *money.Amount  `json:"counted_total"`
	DifferenceTotal *money.Amount  `json:"difference_total"`
	Sales           int64          `json:"sales"`
	SalesTotal      money.Amount   `json:"sales_total"`
}

// cashSessionsReport handles GET /reports/cash-sessions?from=&to= (and
// ?limit=, ?cursor=): the sessions opened in the range, oldest first, with
// their sales and close figures.
func cashSessionsReport(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	from, to, tz, err := reportRange(c, e)
	if err != nil {
		return err
	}
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	type pageKey struct {
		OpenedAt *time.Time `json:"t"`
		ID       *string    `json:"i"`
	}
	var after pageKey
	if cur := c.Cursor(); cur != "" {
		if err := sdk.DecodeCursor(cur, &after); err != nil {
			return err
		}
		if after.OpenedAt == nil || after.ID == nil {
			return sdk.InvalidCursor()
		}
		if _, err := uuid.Parse(*after.ID); err != nil {
			return sdk.InvalidCursor()
		}
	}
	var rows []sessionReportRow
	if err := c.DB().Query(qReportCashSessions, &rows, from, to, tz, after.OpenedAt, after.ID, limit+1); err != nil {
		return fmt.Errorf("cash sessions report: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r sessionReportRow) pageKey { return pageKey{OpenedAt: &r.OpenedAt.Time, ID: &r.ID} })
	page := sdk.NewPage(rows, next)
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "timezone": tz, "data": page.Data, "next_cursor": page.NextCursor})
}

// consignmentAgingReport handles GET /reports/consignment-aging (?limit=,
// ?cursor=): what is at consignees, for how long, valued at cost and at
// price, oldest first; the totals per age bucket and overall cover every
// page (agingReport).
func consignmentAgingReport(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	tz := e.company.Timezone
	if tz == "" {
		tz = "UTC"
	}
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	after, err := decodeAgingCursor(c.Cursor())
	if err != nil {
		return err
	}
	var (
		rows    []agingRow
		buckets []agingBucketRow
	)
	b := c.DB().Batch()
	b.Query(qReportConsignmentAging, &rows, tz, after.SentAt, after.ConsignmentID, after.LineNo, limit+1)
	b.Query(qReportAgingBuckets, &buckets, tz, e.currency.MinorUnits)
	if err := b.Run(); err != nil {
		return fmt.Errorf("consignment aging: %w", err)
	}
	return c.JSON(http.StatusOK, agingReport(tz, rows, buckets, limit, e.currency))
}
