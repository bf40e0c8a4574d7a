package cpg

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// The consignment aging report without a database: its cursor, and the
// valuing, paging and totals of the lines the handler reads.

// agingRow is a consignment line still at a consignee, as the aging
// report reads it (qReportConsignmentAging).
type agingRow struct {
	ConsignmentID string          `json:"consignment_id"`
	CustomerID    string          `json:"customer_id"`
	CustomerName  string          `json:"customer_name"`
	LocationID    string          `json:"location_id"`
	Status        string          `json:"status"`
	SentAt        sdk.Timestamp   `json:"sent_at"`
	DaysOut       int64           `json:"days_out"`
	Bucket        string          `json:"bucket"`
	LineNo        int             `json:"line_no"`
	VariantID     string          `json:"variant_id"`
	SKU           string          `json:"sku"`
	Outstanding   decimal.Decimal `json:"outstanding"`
	UnitCost      decimal.Decimal `json:"unit_cost"`
	UnitPrice     decimal.Decimal `json:"unit_price"`
}

// agingBucketRow is an age bucket's value over every page, each line
// rounded before it is summed (qReportAgingBuckets).
type agingBucketRow struct {
	Bucket       string          `json:"bucket"`
	ValueAtCost  decimal.Decimal `json:"value_at_cost"`
	ValueAtPrice decimal.Decimal `json:"value_at_price"`
}

// agingCursor is the keyset position of an aging page's last line; the
// zero value is the first page.
type agingCursor struct {
	SentAt        *time.Time `json:"t"`
	ConsignmentID *string    `json:"c"`
	LineNo        int        `json:"l"`
}

// decodeAgingCursor reads the report's ?cursor= ("" is the first page);
// anything but a cursor the report answered is a 400 invalid_cursor.
func decodeAgingCursor(cur string) (agingCursor, error) {
	var after agingCursor
	if cur == "" {
		return after, nil
	}
	if err := sdk.DecodeCursor(cur, &after); err != nil {
		return agingCursor{}, err
	}
	if after.SentAt == nil || after.ConsignmentID == nil {
		return agingCursor{}, sdk.InvalidCursor()
	}
	if _, err := uuid.Parse(*after.ConsignmentID); err != nil {
		return agingCursor{}, sdk.InvalidCursor()
	}
	return after, nil
}

// agingItem is one line of the report, valued at cost and at price.
type agingItem struct {
	ConsignmentID string        `json:"consignment_id"`
	CustomerID    string        `json:"customer_id"`
	CustomerName  string        `json:"customer_name"`
	LocationID    string        `json:"location_id"`
	Status        string        `json:"status"`
	SentAt        sdk.Timestamp `json:"sent_at"`
	DaysOut       int64         `json:"days_out"`
	Bucket        string        `json:"bucket"`
	LineNo        int           `json:"line_no"`
	VariantID     string        `json:"variant_id"`
	SKU           string        `json:"sku"`
	Outstanding   string        `json:"outstanding"`
	ValueAtCost   string        `json:"value_at_cost"`
	ValueAtPrice  string        `json:"value_at_price"`
}

// agingBucket is an age bucket's value, over every page.
type agingBucket struct {
	Bucket       string `json:"bucket"`
	ValueAtCost  string `json:"value_at_cost"`
	ValueAtPrice string `json:"value_at_price"`
}

// agingPage is the response of GET /reports/consignment-aging: a page of
// lines, and the buckets and totals of all of them.
type agingPage struct {
	Timezone string `json:"timezone"`
	sdk.Page[agingItem]
	Buckets      []agingBucket `json:"buckets"`
	ValueAtCost  string        `json:"value_at_cost"`
	ValueAtPrice string        `json:"value_at_price"`
}

// agingReport builds a page of the report from rows, up to limit+1 lines
// oldest first (a line beyond limit means there is a next page, whose
// cursor is the position of the page's last line), and buckets. Each
// line's outstanding units are valued at cost and at price, rounded to
// cur; the totals are the sums of the buckets.
func agingReport(tz string, rows []agingRow, buckets []agingBucketRow, limit int, cur money.Currency) agingPage {
	rows, next := sdk.KeysetPage(rows, limit, func(last agingRow) agingCursor {
		sentAt, id := last.SentAt.UTC(), last.ConsignmentID
		return agingCursor{SentAt: &sentAt, ConsignmentID: &id, LineNo: last.LineNo}
	})
	items := make([]agingItem, len(rows))
	for i, r := range rows {
		items[i] = agingItem{ConsignmentID: r.ConsignmentID, CustomerID: r.CustomerID, CustomerName: r.CustomerName,
			LocationID: r.LocationID, Status: r.Status, SentAt: r.SentAt, DaysOut: r.DaysOut, Bucket: r.Bucket,
			LineNo: r.LineNo, VariantID: r.VariantID, SKU: r.SKU, Outstanding: fmtQty(r.Outstanding),
			ValueAtCost:  money.AmountOf(r.Outstanding.Mul(r.UnitCost).Round(cur.MinorUnits)).String(),
			ValueAtPrice: money.AmountOf(r.Outstanding.Mul(r.UnitPrice).Round(cur.MinorUnits)).String()}
	}
	page := agingPage{Timezone: tz, Page: sdk.NewPage(items, next), Buckets: make([]agingBucket, len(buckets))}
	totalCost, totalPrice := decimal.Zero, decimal.Zero
	for i, b := range buckets {
		page.Buckets[i] = agingBucket{Bucket: b.Bucket, ValueAtCost: money.AmountOf(b.ValueAtCost).String(), ValueAtPrice: money.AmountOf(b.ValueAtPrice).String()}
		totalCost, totalPrice = totalCost.Add(b.ValueAtCost), totalPrice.Add(b.ValueAtPrice)
	}
	page.ValueAtCost, page.ValueAtPrice = money.AmountOf(totalCost).String(), money.AmountOf(totalPrice).String()
	return page
}
