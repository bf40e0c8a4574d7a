package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Consignment states and events.
const (
	ConsignmentDraft            = "draft"
	ConsignmentSent             = "sent"
	ConsignmentPartiallySettled = "partially_settled"
	ConsignmentSettled          = "settled"
	ConsignmentCancelled        = "cancelled"
	eventSend                   = "send"
	eventCancel                 = "cancel"
	eventSettlePartial          = "settle_partial"
	eventSettle                 = "settle"
)

// TopicConsignmentSold is published when a consignee reports sales: the
// report is revenue (the host's revenue rollup takes it from its
// cpg_consignment row).
const TopicConsignmentSold = "cpg.consignment.sold"

// consignmentRow is a row of consignments.
type consignmentRow struct {
	ID               string         `json:"id"`
	CustomerID       string         `json:"customer_id"`
	SourceLocationID string         `json:"source_location_id"`
	LocationID       string         `json:"location_id"`
	Status           string         `json:"status,omitempty"`
	Currency         string         `json:"currency"`
	Note             *string        `json:"note"`
	ValueAtPrice     money.Amount   `json:"value_at_price"`
	ValueAtCost      money.Amount   `json:"value_at_cost"`
	SoldTotal        money.Amount   `json:"sold_total"`
	SettledTotal     money.Amount   `json:"settled_total"`
	CreatedBy        *string        `json:"created_by"`
	SentAt           *sdk.Timestamp `json:"sent_at,omitempty"`
	Version          int64          `json:"version,omitempty"`
}

// out reports whether the consignment's goods are at the consignee.
func (c consignmentRow) out() bool {
	return c.Status == ConsignmentSent || c.Status == ConsignmentPartiallySettled
}

// consignmentLineRow is a row of consignment_lines (with the variant's SKU
// and current cost when read through qConsignmentLines).
type consignmentLineRow struct {
	ID               string          `json:"id"`
	ConsignmentID    string          `json:"consignment_id,omitempty"`
	LineNo           int             `json:"line_no"`
	VariantID        string          `json:"variant_id"`
	Quantity         decimal.Decimal `json:"quantity"`
	UnitPrice        decimal.Decimal `json:"unit_price"`
	UnitCost         decimal.Decimal `json:"unit_cost"`
	TaxCode          string          `json:"tax_code"`
	SoldQuantity     decimal.Decimal `json:"sold_quantity"`
	ReturnedQuantity decimal.Decimal `json:"returned_quantity"`
	SKU              string          `json:"sku,omitempty"`
	CurrentCost      decimal.Decimal `json:"current_cost,omitzero"`
}

// outstanding is what is still at the consignee.
func (l consignmentLineRow) outstanding() decimal.Decimal {
	return l.Quantity.Sub(l.SoldQuantity).Sub(l.ReturnedQuantity)
}

// consignmentLineInput is one line of POST /consignments.
type consignmentLineInput struct {
	VariantID string  `json:"variant_id"`
	Quantity  string  `json:"quantity"`
	UnitPrice *string `json:"unit_price"`
}

// consignmentInput is POST /consignments.
type consignmentInput struct {
	CustomerID       string                 `json:"customer_id"`
	SourceLocationID string                 `json:"source_location_id"`
	Note             string                 `json:"note"`
	Lines            []consignmentLineInput `json:"lines"`
}

// createConsignment handles POST /consignments: a draft to a consignee
// customer, priced at the variants' prices unless a line names one.
func createConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in consignmentInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := consignmentRow{ID: uuid.NewString(), Currency: e.currency.Code, CreatedBy: nullable(c.Principal().UserID)}
	lines, err := checkConsignmentInput(in, &row)
	if err != nil {
		return err
	}
	var (
		customer customerRow
		source   locationRow
		variants map[string]variantInfo
	)
	b := c.DB().Batch()
	b.Get("customers", row.CustomerID, &customer)
	check := loadVariants(b, variantIDs(lines, func(l consignmentLineIn) string { return l.variantID }), &variants)
	if row.SourceLocationID != "" {
		b.Get("locations", row.SourceLocationID, &source)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("create consignment: %w", refNotFound(err, map[string]string{"customers": "customer_id", "locations": "source_location_id"}))
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if err := placeConsignment(&row, customer, source, e.principal()); err != nil {
		return err
	}
	lineRows, err := e.priceConsignment(&row, lines, variants)
	if err != nil {
		return err
	}
	inserts := make([]map[string]any, len(lineRows))
	for i, l := range lineRows {
		inserts[i] = map[string]any{"id": l.ID, "consignment_id": row.ID, "line_no": l.LineNo, "variant_id": l.VariantID,
			"quantity": l.Quantity, "unit_price": l.UnitPrice, "unit_cost": l.UnitCost, "tax_code": l.TaxCode}
	}
	b = c.DB().Batch()
	b.Insert("consignments", row)
	b.Insert("consignment_lines", inserts)
	view := queueConsignment(b, row.ID)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create consignment: %w", err)
	}
	return c.JSON(http.StatusCreated, view())
}

// consignmentLineView is a line as the API shows it.
type consignmentLineView struct {
	ID               string `json:"id"`
	VariantID        string `json:"variant_id"`
	SKU              string `json:"sku,omitempty"`
	Quantity         string `json:"quantity"`
	UnitPrice        string `json:"unit_price"`
	UnitCost         string `json:"unit_cost"`
	TaxCode          string `json:"tax_code"`
	SoldQuantity     string `json:"sold_quantity"`
	ReturnedQuantity string `json:"returned_quantity"`
	Outstanding      string `json:"outstanding"`
}

// settlementRow is a row of consignment_settlements.
type settlementRow struct {
	ID            string        `json:"id"`
	ConsignmentID string        `json:"consignment_id"`
	Amount        money.Amount  `json:"amount"`
	Method        string        `json:"method"`
	Reference     *string       `json:"reference"`
	UserID        *string       `json:"user_id"`
	OccurredAt    sdk.Timestamp `json:"occurred_at"`
}

// reportRow is a row of consignment_reports: what the consignee sold.
type reportRow struct {
	ID            string          `json:"id"`
	ConsignmentID string          `json:"consignment_id"`
	Net           money.Amount    `json:"net"`
	Tax           money.Amount    `json:"tax"`
	Total         money.Amount    `json:"total"`
	Lines         json.RawMessage `json:"lines"`
	UserID        *string         `json:"user_id"`
	OccurredAt    sdk.Timestamp   `json:"occurred_at"`
}

// consignmentView renders a consignment with its lines, the consignee's
// sales reports, the settlements and what is still owed.
func consignmentView(row consignmentRow, lines []consignmentLineRow, reports []reportRow, settlements []settlementRow) map[string]any {
	st := stateOf(row, lines)
	lv := make([]consignmentLineView, len(lines))
	for i, l := range lines {
		lv[i] = consignmentLineView{ID: l.ID, VariantID: l.VariantID, SKU: l.SKU, Quantity: fmtQty(l.Quantity),
			UnitPrice: fmtPrice(l.UnitPrice), UnitCost: fmtPrice(l.UnitCost), TaxCode: l.TaxCode,
			SoldQuantity: fmtQty(l.SoldQuantity), ReturnedQuantity: fmtQty(l.ReturnedQuantity), Outstanding: fmtQty(l.outstanding())}
	}
	if reports == nil {
		reports = []reportRow{}
	}
	if settlements == nil {
		settlements = []settlementRow{}
	}
	return map[string]any{
		"id": row.ID, "customer_id": row.CustomerID, "source_location_id": row.SourceLocationID, "location_id": row.LocationID,
		"status": row.Status, "currency": row.Currency, "note": row.Note, "sent_at": row.SentAt,
		"value_at_price": row.ValueAtPrice, "value_at_cost": row.ValueAtCost, "sold_total": row.SoldTotal,
		"settled_total": row.SettledTotal, "owed": money.AmountOf(st.Owed), "outstanding_quantity": fmtQty(st.Outstanding),
		"lines": lv, "sales_reports": reports, "settlements": settlements, "version": max(row.Version, 1),
	}
}

// getConsignment handles GET /consignments/{id}.
func getConsignment(c *sdk.Context) error {
	id, err := c.PathUUID("id", "consignment")
	if err != nil {
		return err
	}
	b := c.DB().Batch()
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("get consignment: %w", err)
	}
	return c.JSON(http.StatusOK, view())
}

// queueConsignment queues on b, after the writes already queued, the reads
// of a consignment's view; the returned function renders it once b has run.
// Every answer about one consignment — create, get and each action — is
// this view, so an action answers what a GET then reads.
func queueConsignment(b *sdk.Batch, id string) func() map[string]any {
	var (
		row         consignmentRow
		lines       []consignmentLineRow
		reports     []reportRow
		settlements []settlementRow
	)
	b.Get("consignments", id, &row)
	b.Query(qConsignmentLines, &lines, id)
	b.List("consignment_reports", sdk.Query{Where: []sdk.Filter{sdk.Eq("consignment_id", id)}, OrderBy: []sdk.Order{sdk.Asc("occurred_at")}, Limit: 500}, &reports)
	b.List("consignment_settlements", sdk.Query{Where: []sdk.Filter{sdk.Eq("consignment_id", id)}, OrderBy: []sdk.Order{sdk.Asc("occurred_at")}, Limit: 500}, &settlements)
	return func() map[string]any { return consignmentView(row, lines, reports, settlements) }
}

// listConsignments handles GET /consignments (?status=, ?customer_id=).
func listConsignments(c *sdk.Context) error {
	return listDocuments[consignmentRow](c, "consignments", "customer_id")
}

// listDocuments answers a newest-first page of table, filtered by ?status=
// and by the counterparty id in the query parameter party.
func listDocuments[T any](c *sdk.Context, table, party string) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	id, err := c.QueryUUID(party)
	if err != nil {
		return err
	}
	if id != "" {
		where = append(where, sdk.Eq(party, id))
	}
	if st := c.Query("status"); st != "" {
		where = append(where, sdk.Eq("status", st))
	}
	rows := []T{}
	next, err := c.DB().List(table, sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("created_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list %s: %w", table, err)
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// lockConsignment reads a consignment and its lines under the
// consignment's row lock, so its totals can be updated from what was read.
func lockConsignment(c *sdk.Context, id string, row *consignmentRow, lines *[]consignmentLineRow, extra func(*sdk.Batch)) error {
	b := c.DB().Batch()
	b.Lock("consignments", id)
	b.Get("consignments", id, row)
	b.Query(qConsignmentLines, lines, id)
	if extra != nil {
		extra(b)
	}
	return b.Run()
}

// sendConsignment handles POST /consignments/{id}/send: the goods move to
// the consignee's location (consign_out), valued at their current cost; a
// consignment worth the company's big-transaction threshold or more
// publishes cpg.consignment.large.
func sendConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "consignment")
	if err != nil {
		return err
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("send consignment: %w", err)
	}
	if row.Status != ConsignmentDraft {
		return sdk.Conflict("invalid_transition", "consignment "+id+" is "+row.Status+": only a draft can be sent")
	}
	at := now()
	led := newLedger(c, e, "consignment", id, at)
	b := c.DB().Batch()
	b.Transition("consignments", id, eventSend, "", nil)
	for i := range lines {
		l := &lines[i]
		l.UnitCost = l.CurrentCost
		b.Update("consignment_lines", l.ID, map[string]any{"unit_cost": l.UnitCost})
		led.add(KindConsignOut, l.VariantID, row.SourceLocationID, l.Quantity.Neg(), l.UnitCost)
		led.add(KindConsignOut, l.VariantID, row.LocationID, l.Quantity, l.UnitCost)
	}
	row.ValueAtCost = money.AmountOf(costOf(lines, func(l consignmentLineRow) decimal.Decimal { return l.Quantity }, e.currency))
	row.SentAt = &at
	b.Update("consignments", id, map[string]any{"sent_at": at, "value_at_cost": row.ValueAtCost})
	stockOK := led.queue(b)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("send consignment: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if row.ValueAtPrice.GreaterThanOrEqual(e.cfg.BigTransactionThreshold) {
		if _, err := c.Events().Publish(TopicConsignmentLarge, map[string]string{
			"consignment_id": id, "customer_id": row.CustomerID, "location_id": row.LocationID,
			"value": row.ValueAtPrice.String(), "threshold": money.AmountOf(e.cfg.BigTransactionThreshold).String(),
			"currency": row.Currency, "occurred_at": at.Format(time.RFC3339Nano),
		}); err != nil {
			return fmt.Errorf("send consignment: %w", err)
		}
	}
	return c.JSON(http.StatusOK, view())
}

// cancelConsignment handles POST /consignments/{id}/cancel: a draft is
// dropped; a sent consignment of which nothing was sold or returned comes
// back whole to its source.
func cancelConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "consignment")
	if err != nil {
		return err
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("cancel consignment: %w", err)
	}
	at := now()
	led := newLedger(c, e, "consignment", id, at)
	if row.out() {
		for _, l := range lines {
			if row.Status != ConsignmentSent || l.SoldQuantity.IsPositive() || l.ReturnedQuantity.IsPositive() {
				return sdk.Conflict("consignment_in_progress", "consignment "+id+" has sales, returns or settlements: return the rest and settle it instead")
			}
			led.add(KindConsignReturn, l.VariantID, row.LocationID, l.Quantity.Neg(), l.UnitCost)
			led.add(KindConsignReturn, l.VariantID, row.SourceLocationID, l.Quantity, l.UnitCost)
		}
	}
	b := c.DB().Batch()
	b.Transition("consignments", id, eventCancel, "", nil)
	stockOK := led.queue(b)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("cancel consignment: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view())
}
