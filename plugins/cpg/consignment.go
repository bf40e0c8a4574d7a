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
	ID               string     `json:"id"`
	CustomerID       string     `json:"customer_id"`
	SourceLocationID string     `json:"source_location_id"`
	LocationID       string     `json:"location_id"`
	Status           string     `json:"status,omitempty"`
	Currency         string     `json:"currency"`
	Note             *string    `json:"note"`
	ValueAtPrice     Money      `json:"value_at_price"`
	ValueAtCost      Money      `json:"value_at_cost"`
	SoldTotal        Money      `json:"sold_total"`
	SettledTotal     Money      `json:"settled_total"`
	CreatedBy        *string    `json:"created_by"`
	SentAt           *Timestamp `json:"sent_at,omitempty"`
	Version          int64      `json:"version,omitempty"`
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

// consignmentState summarizes what a consignment still holds and owes.
type consignmentState struct {
	Outstanding decimal.Decimal
	Owed        decimal.Decimal
}

// stateOf sums a consignment's outstanding units and the amount owed
// (sold minus settled).
func stateOf(c consignmentRow, lines []consignmentLineRow) consignmentState {
	var st consignmentState
	for _, l := range lines {
		st.Outstanding = st.Outstanding.Add(l.outstanding())
	}
	st.Owed = c.SoldTotal.Sub(c.SettledTotal.Decimal)
	return st
}

// done reports whether nothing is out and nothing is owed: the
// consignment is settled.
func (s consignmentState) done() bool { return s.Outstanding.IsZero() && s.Owed.IsZero() }

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

// consignmentValue prices consignment lines with the calculator: the
// amount the consignee owes when it sells quantity of each.
func (e *env) consignmentValue(lines []consignmentLineRow, quantity func(consignmentLineRow) decimal.Decimal) (money.Result, error) {
	doc := money.Document{Currency: e.currency, PricesIncludeTax: e.cfg.PricesIncludeTax}
	for _, l := range lines {
		q := quantity(l)
		if q.IsZero() {
			continue
		}
		rate, err := e.rate(l.TaxCode)
		if err != nil {
			return money.Result{}, err
		}
		doc.Lines = append(doc.Lines, money.Line{Quantity: q, UnitPrice: l.UnitPrice, Tax: rate})
	}
	if len(doc.Lines) == 0 {
		return money.Result{}, nil
	}
	res, err := money.Calculate(doc)
	if err != nil {
		return money.Result{}, moneyError(err, "lines")
	}
	return res, nil
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
	if row.CustomerID, err = parseID("customer_id", in.CustomerID); err != nil {
		return err
	}
	if row.SourceLocationID, err = optionalID("source_location_id", in.SourceLocationID); err != nil {
		return err
	}
	if row.Note, err = optionalText("note", in.Note, 1000); err != nil {
		return err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return invalidField("lines", "must list 1 to %d lines", maxLines)
	}
	type lineIn struct {
		variantID string
		quantity  decimal.Decimal
		price     *decimal.Decimal
	}
	lines := make([]lineIn, len(in.Lines))
	seen := map[string]bool{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if lines[i].variantID, err = parseID(f+".variant_id", l.VariantID); err != nil {
			return err
		}
		if seen[lines[i].variantID] {
			return invalidField(f+".variant_id", "is listed twice")
		}
		seen[lines[i].variantID] = true
		if lines[i].quantity, err = parseDecimal(f+".quantity", l.Quantity, quantityRule); err != nil {
			return err
		}
		if l.UnitPrice != nil {
			p, err := parseDecimal(f+".unit_price", *l.UnitPrice, priceRule)
			if err != nil {
				return err
			}
			lines[i].price = &p
		}
	}
	var (
		customer customerRow
		source   locationRow
		variants map[string]variantInfo
	)
	b := c.DB().Batch()
	b.Get("customers", row.CustomerID, &customer)
	check := loadVariants(b, variantIDs(lines, func(l lineIn) string { return l.variantID }), &variants)
	if row.SourceLocationID != "" {
		b.Get("locations", row.SourceLocationID, &source)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("create consignment: %w", refNotFound(err, map[string]string{"customers": "customer_id", "locations": "source_location_id"}))
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if customer.LocationID == nil {
		return sdk.Unprocessable("not_a_consignee", "customer "+row.CustomerID+" has no consignee location: create it with \"consignee\": true")
	}
	if row.SourceLocationID == "" {
		row.SourceLocationID = e.principal()
	} else if source.Kind == LocationConsignee {
		return invalidField("source_location_id", "must be a store or warehouse")
	}
	row.LocationID = *customer.LocationID
	lineRows := make([]consignmentLineRow, len(lines))
	for i, l := range lines {
		v := variants[l.variantID]
		price := v.Price
		if l.price != nil {
			price = *l.price
		}
		lineRows[i] = consignmentLineRow{ID: uuid.NewString(), ConsignmentID: row.ID, LineNo: i + 1, VariantID: v.ID,
			Quantity: l.quantity, UnitPrice: price, UnitCost: v.Cost, TaxCode: v.TaxCode, SKU: v.SKU}
	}
	value, err := e.consignmentValue(lineRows, func(l consignmentLineRow) decimal.Decimal { return l.Quantity })
	if err != nil {
		return err
	}
	row.ValueAtPrice = Money{value.Total}
	row.ValueAtCost = Money{costOf(lineRows, func(l consignmentLineRow) decimal.Decimal { return l.Quantity }, e.currency)}
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

// costOf values quantity of each line at its unit cost, rounded to the
// currency.
func costOf(lines []consignmentLineRow, quantity func(consignmentLineRow) decimal.Decimal, cur money.Currency) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(quantity(l).Mul(l.UnitCost))
	}
	return money.Round(sum, cur)
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
	ID            string    `json:"id"`
	ConsignmentID string    `json:"consignment_id"`
	Amount        Money     `json:"amount"`
	Method        string    `json:"method"`
	Reference     *string   `json:"reference"`
	UserID        *string   `json:"user_id"`
	OccurredAt    Timestamp `json:"occurred_at"`
}

// reportRow is a row of consignment_reports: what the consignee sold.
type reportRow struct {
	ID            string          `json:"id"`
	ConsignmentID string          `json:"consignment_id"`
	Net           Money           `json:"net"`
	Tax           Money           `json:"tax"`
	Total         Money           `json:"total"`
	Lines         json.RawMessage `json:"lines"`
	UserID        *string         `json:"user_id"`
	OccurredAt    Timestamp       `json:"occurred_at"`
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
		"settled_total": row.SettledTotal, "owed": Money{st.Owed}, "outstanding_quantity": fmtQty(st.Outstanding),
		"lines": lv, "sales_reports": reports, "settlements": settlements, "version": max(row.Version, 1),
	}
}

// getConsignment handles GET /consignments/{id}.
func getConsignment(c *sdk.Context) error {
	id, err := pathID(c, "id", "consignment")
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
	id, err := queryID(c, party)
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
	id, err := pathID(c, "id", "consignment")
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
	row.ValueAtCost = Money{costOf(lines, func(l consignmentLineRow) decimal.Decimal { return l.Quantity }, e.currency)}
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
			"value": fmtMoney(row.ValueAtPrice.Decimal), "threshold": fmtMoney(e.cfg.BigTransactionThreshold),
			"currency": row.Currency, "occurred_at": at.Format(time.RFC3339Nano),
		}); err != nil {
			return fmt.Errorf("send consignment: %w", err)
		}
	}
	return c.JSON(http.StatusOK, view())
}

// consignmentQtyInput is a line of a consignee sales report or a return.
type consignmentQtyInput struct {
	VariantID string `json:"variant_id"`
	Quantity  string `json:"quantity"`
}

// matchConsignmentLines resolves report or return lines against the
// consignment's, refusing more than is outstanding. No lines means every
// outstanding unit.
func matchConsignmentLines(in []consignmentQtyInput, lines []consignmentLineRow) (map[string]decimal.Decimal, error) {
	out := map[string]decimal.Decimal{}
	if len(in) == 0 {
		for _, l := range lines {
			if o := l.outstanding(); o.IsPositive() {
				out[l.ID] = o
			}
		}
		return out, nil
	}
	if len(in) > maxLines {
		return nil, invalidField("lines", "must list at most %d lines", maxLines)
	}
	for i, li := range in {
		f := fmt.Sprintf("lines[%d]", i)
		vid, err := parseID(f+".variant_id", li.VariantID)
		if err != nil {
			return nil, err
		}
		q, err := parseDecimal(f+".quantity", li.Quantity, quantityRule)
		if err != nil {
			return nil, err
		}
		var line *consignmentLineRow
		for j := range lines {
			if lines[j].VariantID == vid {
				line = &lines[j]
			}
		}
		if line == nil {
			return nil, invalidField(f+".variant_id", "is not on this consignment")
		}
		if _, dup := out[line.ID]; dup {
			return nil, invalidField(f+".variant_id", "is listed twice")
		}
		if q.GreaterThan(line.outstanding()) {
			return nil, sdk.Unprocessable("exceeds_outstanding", fmt.Sprintf("%s.quantity %s is more than the %s still at the consignee",
				f, fmtQty(q), fmtQty(line.outstanding()))).WithDetails(map[string]any{"field": f + ".quantity", "outstanding": fmtQty(line.outstanding())})
		}
		out[line.ID] = q
	}
	return out, nil
}

// consignmentLinesInput is POST /consignments/{id}/sales and /returns.
type consignmentLinesInput struct {
	LocationID string                `json:"location_id"`
	Lines      []consignmentQtyInput `json:"lines"`
}

// reportConsignmentSales handles POST /consignments/{id}/sales: the
// consignee reports what it sold; the goods leave the consignee location
// (consign_sold) and the amount owed grows by their value computed by the
// calculator at the consignment's prices.
func reportConsignmentSales(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "consignment")
	if err != nil {
		return err
	}
	var in consignmentLinesInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	if in.LocationID != "" {
		return invalidField("location_id", "is not used by a sales report")
	}
	if len(in.Lines) == 0 {
		return invalidField("lines", "must list what the consignee sold")
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	if !row.out() {
		return sdk.Conflict("consignment_not_out", "consignment "+id+" is "+row.Status+": nothing of it is at the consignee")
	}
	sold, err := matchConsignmentLines(in.Lines, lines)
	if err != nil {
		return err
	}
	value, err := e.consignmentValue(lines, func(l consignmentLineRow) decimal.Decimal { return sold[l.ID] })
	if err != nil {
		return err
	}
	at := now()
	rep := reportRow{ID: uuid.NewString(), ConsignmentID: id, Net: Money{value.Net}, Tax: Money{value.Tax}, Total: Money{value.Total},
		UserID: nullable(c.Principal().UserID), OccurredAt: at}
	led := newLedger(c, e, "consignment_sale", rep.ID, at)
	var repLines []map[string]string
	b := c.DB().Batch()
	k := 0
	for i := range lines {
		l := &lines[i]
		q, ok := sold[l.ID]
		if !ok {
			continue
		}
		lr := value.Lines[k]
		k++
		repLines = append(repLines, map[string]string{"variant_id": l.VariantID, "quantity": fmtQty(q), "unit_price": fmtPrice(l.UnitPrice),
			"net": fmtMoney(lr.Net), "tax": fmtMoney(lr.Tax), "total": fmtMoney(lr.Total)})
		l.SoldQuantity = l.SoldQuantity.Add(q)
		b.Update("consignment_lines", l.ID, map[string]any{"sold_quantity": l.SoldQuantity})
		led.add(KindConsignSold, l.VariantID, row.LocationID, q.Neg(), l.UnitCost)
	}
	rep.Lines, _ = json.Marshal(repLines)
	row.SoldTotal.Decimal = row.SoldTotal.Add(value.Total)
	b.Insert("consignment_reports", rep)
	b.Update("consignments", id, map[string]any{"sold_total": row.SoldTotal})
	if stateOf(row, lines).done() {
		b.Transition("consignments", id, eventSettle, "everything sold and paid", nil)
	}
	stockOK := led.queue(b)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if _, err := c.Events().Publish(TopicConsignmentSold, map[string]string{
		"consignment_id": id, "report_id": rep.ID, "total": fmtMoney(rep.Total.Decimal),
		"currency": row.Currency, "occurred_at": at.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("consignment sales: %w", err)
	}
	v := view()
	v["report"] = rep
	return c.JSON(http.StatusCreated, v)
}

// settlementInput is POST /consignments/{id}/settlements.
type settlementInput struct {
	Amount    string `json:"amount"`
	Method    string `json:"method"`
	Reference string `json:"reference"`
}

// settleConsignment handles POST /consignments/{id}/settlements: the
// consignee pays (part of) what it owes. Paying everything once nothing is
// left at the consignee settles the consignment; anything less makes it
// partially settled.
func settleConsignment(c *sdk.Context) error {
	id, err := pathID(c, "id", "consignment")
	if err != nil {
		return err
	}
	var in settlementInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := settlementRow{ID: uuid.NewString(), ConsignmentID: id, UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	if set.Amount.Decimal, err = parseDecimal("amount", in.Amount, positiveAmountRule); err != nil {
		return err
	}
	if !validMethod(in.Method) {
		return invalidField("method", "must be cash, card, transfer or mercadopago, got %q", in.Method)
	}
	set.Method = in.Method
	if set.Reference, err = optionalText("reference", in.Reference, 200); err != nil {
		return err
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
	)
	if err := lockConsignment(c, id, &row, &lines, nil); err != nil {
		return fmt.Errorf("settle consignment: %w", err)
	}
	if !row.out() {
		return sdk.Conflict("consignment_not_out", "consignment "+id+" is "+row.Status+": there is nothing to settle")
	}
	owed := stateOf(row, lines).Owed
	if set.Amount.GreaterThan(owed) {
		return sdk.Unprocessable("overpayment", fmt.Sprintf("amount %s is more than the %s owed", fmtMoney(set.Amount.Decimal), fmtMoney(owed))).
			WithDetails(map[string]any{"owed": fmtMoney(owed)})
	}
	row.SettledTotal.Decimal = row.SettledTotal.Add(set.Amount.Decimal)
	event := eventSettlePartial
	if stateOf(row, lines).done() {
		event = eventSettle
	}
	b := c.DB().Batch()
	b.Insert("consignment_settlements", set)
	b.Update("consignments", id, map[string]any{"settled_total": row.SettledTotal})
	b.Transition("consignments", id, event, "settlement "+set.ID, nil)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("settle consignment: %w", err)
	}
	v := view()
	v["settlement"] = set
	return c.JSON(http.StatusCreated, v)
}

// returnConsignment handles POST /consignments/{id}/returns: unsold goods
// come back from the consignee (consign_return) to location_id (default
// the consignment's source). No lines returns everything outstanding.
func returnConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "consignment")
	if err != nil {
		return err
	}
	var in consignmentLinesInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	to, err := optionalID("location_id", in.LocationID)
	if err != nil {
		return err
	}
	var (
		row   consignmentRow
		lines []consignmentLineRow
		loc   locationRow
	)
	if err := lockConsignment(c, id, &row, &lines, func(b *sdk.Batch) {
		if to != "" {
			b.Get("locations", to, &loc)
		}
	}); err != nil {
		if notFoundIn(err, "locations") {
			return unknownRef("location_id", to)
		}
		return fmt.Errorf("consignment return: %w", err)
	}
	if !row.out() {
		return sdk.Conflict("consignment_not_out", "consignment "+id+" is "+row.Status+": nothing of it is at the consignee")
	}
	if to == "" {
		to = row.SourceLocationID
	} else if loc.Kind == LocationConsignee {
		return invalidField("location_id", "must be a store or warehouse")
	}
	back, err := matchConsignmentLines(in.Lines, lines)
	if err != nil {
		return err
	}
	if len(back) == 0 {
		return sdk.Conflict("nothing_outstanding", "nothing of consignment "+id+" is left at the consignee")
	}
	at := now()
	retID := uuid.NewString()
	led := newLedger(c, e, "consignment_return", retID, at)
	b := c.DB().Batch()
	for i := range lines {
		l := &lines[i]
		q, ok := back[l.ID]
		if !ok {
			continue
		}
		l.ReturnedQuantity = l.ReturnedQuantity.Add(q)
		b.Update("consignment_lines", l.ID, map[string]any{"returned_quantity": l.ReturnedQuantity})
		led.add(KindConsignReturn, l.VariantID, row.LocationID, q.Neg(), l.UnitCost)
		led.add(KindConsignReturn, l.VariantID, to, q, l.UnitCost)
	}
	if stateOf(row, lines).done() {
		b.Transition("consignments", id, eventSettle, "everything returned or paid", nil)
	}
	stockOK := led.queue(b)
	view := queueConsignment(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("consignment return: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	v := view()
	v["return"] = map[string]any{"id": retID, "location_id": to, "movements": led.views(), "occurred_at": at}
	return c.JSON(http.StatusCreated, v)
}

// cancelConsignment handles POST /consignments/{id}/cancel: a draft is
// dropped; a sent consignment of which nothing was sold or returned comes
// back whole to its source.
func cancelConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "consignment")
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
