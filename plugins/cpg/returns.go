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

// returnLineInput is one line of a return: a sale line (or the sale's only
// line of a variant) and the quantity coming back.
type returnLineInput struct {
	SaleLineID string `json:"sale_line_id"`
	VariantID  string `json:"variant_id"`
	Quantity   string `json:"quantity"`
}

// returnInput is POST /sales/{id}/returns and its preview. Without lines
// every unit not yet returned comes back; without refunds the amount goes
// back to the tenders that paid the sale (suggestRefunds), and a cash part
// needs an open session_id.
type returnInput struct {
	SessionID  string            `json:"session_id"`
	LocationID string            `json:"location_id"`
	Reason     string            `json:"reason"`
	Lines      []returnLineInput `json:"lines"`
	Refunds    []paymentInput    `json:"refunds"`
}

// returnRow is a row of returns.
type returnRow struct {
	ID         string        `json:"id"`
	SaleID     string        `json:"sale_id"`
	SessionID  *string       `json:"session_id"`
	LocationID string        `json:"location_id"`
	Reason     *string       `json:"reason"`
	Net        money.Amount  `json:"net"`
	Tax        money.Amount  `json:"tax"`
	Total      money.Amount  `json:"total"`
	UserID     *string       `json:"user_id"`
	OccurredAt sdk.Timestamp `json:"occurred_at"`
}

// returnLineRow is a row of return_lines.
type returnLineRow struct {
	ID         string          `json:"id"`
	ReturnID   string          `json:"return_id"`
	SaleLineID string          `json:"sale_line_id"`
	VariantID  string          `json:"variant_id"`
	Quantity   decimal.Decimal `json:"quantity"`
	Net        money.Amount    `json:"net"`
	Tax        money.Amount    `json:"tax"`
	Total      money.Amount    `json:"total"`
}

// returnRequest is a return's body, validated before any read.
type returnRequest struct {
	sessionID, locationID string
	reason                *string
	lines                 []returnLineInput
	refunds               []tender
}

// bindReturn reads and validates a return's body.
func bindReturn(c *sdk.Context) (returnRequest, error) {
	var in returnInput
	if err := c.Bind(&in); err != nil {
		return returnRequest{}, err
	}
	req := returnRequest{lines: in.Lines}
	var err error
	if req.sessionID, err = optionalID("session_id", in.SessionID); err != nil {
		return returnRequest{}, err
	}
	if req.locationID, err = optionalID("location_id", in.LocationID); err != nil {
		return returnRequest{}, err
	}
	if req.reason, err = sdk.OptionalText("reason", in.Reason, 500); err != nil {
		return returnRequest{}, err
	}
	if len(in.Refunds) > 0 {
		if req.refunds, err = checkTenders("refunds", in.Refunds, true); err != nil {
			return returnRequest{}, err
		}
	}
	return req, nil
}

// planReturn binds a return request for sale id, reads the sale (under its
// row lock when lock is set, as a return that writes must), its lines and
// payments, and computes what the return refunds per line and to which
// tenders — or the 4xx the request deserves. It writes nothing.
func planReturn(c *sdk.Context, e *env, id string, lock bool) (*returnPlan, error) {
	req, err := bindReturn(c)
	if err != nil {
		return nil, err
	}
	sessionID, locationID := req.sessionID, req.locationID
	var (
		sales    []lockedSale
		lines    []saleLineRow
		pays     []paymentRow
		sessions []sessionState
		loc      locationRow
	)
	saleQuery := qSaleState
	if lock {
		saleQuery = qSaleForUpdate
	}
	b := c.DB().Batch()
	b.Query(saleQuery, &sales, id)
	loadSaleDetails(b, id, &lines, &pays)
	if sessionID != "" {
		b.Query(qSessionForSale, &sessions, sessionID)
	}
	if locationID != "" {
		b.Get("locations", locationID, &loc)
	}
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return nil, unknownRef("location_id", locationID)
		}
		return nil, fmt.Errorf("return: %w", err)
	}
	if len(sales) == 0 {
		return nil, notFound("sale", id)
	}
	return computeReturn(req, returnReads{sale: sales[0], lines: lines, pays: pays, sessions: sessions}, e.currency)
}

// returnPreviewLine is what returning a quantity of a sale line refunds.
type returnPreviewLine struct {
	SaleLineID  string       `json:"sale_line_id"`
	VariantID   string       `json:"variant_id"`
	SKU         string       `json:"sku"`
	Description string       `json:"description"`
	Quantity    string       `json:"quantity"`
	Net         money.Amount `json:"net"`
	Tax         money.Amount `json:"tax"`
	Total       money.Amount `json:"total"`
}

// refundView is a refund a return makes, or would make, to one tender.
type refundView struct {
	ID        string       `json:"id,omitempty"`
	Method    string       `json:"method"`
	Amount    money.Amount `json:"amount"`
	Reference *string      `json:"reference"`
	// Status, for a refund sent back through Mercado Pago, is where that
	// stands: pending (sent once the return is committed), refunded or
	// failed (refused: refund it another way).
	Status string `json:"status,omitempty"`
}

// withRefundStatus sets, on the views of a return's refunds, the state of
// those going back through Mercado Pago (mp, by refund row).
func withRefundStatus(views []refundView, mp []mpRefundRow) []refundView {
	state := map[string]string{}
	for _, r := range mp {
		if r.PaymentID == nil {
			continue
		}
		if s, seen := state[*r.PaymentID]; !seen || s == RefundRefunded || r.Status == RefundFailed {
			state[*r.PaymentID] = r.Status
		}
	}
	for i := range views {
		views[i].Status = state[views[i].ID]
	}
	return views
}

// refundViews renders refunds; ids, when given, are the stored payments'.
func refundViews(refunds []tender, ids []string) []refundView {
	out := make([]refundView, len(refunds))
	for i, r := range refunds {
		out[i] = refundView{Method: r.Method, Amount: money.AmountOf(r.Amount), Reference: r.Reference}
		if ids != nil {
			out[i].ID = ids[i]
		}
	}
	return out
}

// previewReturn handles POST /sales/{id}/returns/preview: with the body of a
// return, it answers what that return would refund per line, per tax rate
// and per tender (the sale's own tenders unless refunds are named), and
// whether a cash part needs a session_id. Nothing is written or locked.
func previewReturn(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	plan, err := planReturn(c, e, id, false)
	if err != nil {
		return err
	}
	lines := make([]returnPreviewLine, len(plan.returned))
	for i, r := range plan.returned {
		share := plan.shares[i]
		lines[i] = returnPreviewLine{SaleLineID: r.line.ID, VariantID: r.line.VariantID, SKU: r.line.SKU, Description: r.line.Description,
			Quantity: fmtQty(r.quantity), Net: money.AmountOf(share.Net), Tax: money.AmountOf(share.Tax), Total: money.AmountOf(share.Net.Add(share.Tax))}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"sale_id": id, "location_id": plan.locationID, "session_id": nullable(plan.sessionID),
		"net": money.AmountOf(plan.net), "tax": money.AmountOf(plan.tax), "total": money.AmountOf(plan.total),
		"lines": lines, "taxes": plan.taxes(e), "refunds": refundViews(plan.refunds, nil),
		"refunds_suggested": plan.suggested, "session_required": plan.needsSession(),
	})
}

// createReturn handles POST /sales/{id}/returns: a return document linked
// to the sale, restocking a chosen location (default the sale's), refunded
// by any method — by default to the tenders that paid the sale; cash
// refunds leave an open session's drawer. Refunds to a tender charged
// through Mercado Pago are written pending and sent once the return is
// committed (mp_refunds.go): the answer says so (status pending).
func createReturn(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	plan, err := planReturn(c, e, id, true)
	if err != nil {
		return err
	}
	if plan.needsSession() {
		return sdk.Unprocessable("session_required", "a cash refund leaves a cash drawer: name the open session_id").
			WithDetails(map[string]any{"field": "session_id"})
	}
	ret := returnRow{ID: uuid.NewString(), SaleID: id, SessionID: nullable(plan.sessionID), LocationID: plan.locationID, Reason: plan.reason,
		Net: money.AmountOf(plan.net), Tax: money.AmountOf(plan.tax), Total: money.AmountOf(plan.total), UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	led := newLedger(c, e, "return", ret.ID, ret.OccurredAt)
	led.reason = plan.reason
	retLines := make([]returnLineRow, len(plan.returned))
	b := c.DB().Batch()
	for i, r := range plan.returned {
		share := plan.shares[i]
		retLines[i] = returnLineRow{ID: uuid.NewString(), ReturnID: ret.ID, SaleLineID: r.line.ID, VariantID: r.line.VariantID,
			Quantity: r.quantity, Net: money.AmountOf(share.Net), Tax: money.AmountOf(share.Tax), Total: money.AmountOf(share.Net.Add(share.Tax))}
		led.add(KindReturn, r.line.VariantID, plan.locationID, r.quantity, r.line.UnitCost)
		b.Update("sale_lines", r.line.ID, map[string]any{
			"returned_quantity": r.line.ReturnedQuantity.Add(r.quantity),
			"refunded_net":      r.line.RefundedNet.Add(share.Net),
			"refunded_tax":      r.line.RefundedTax.Add(share.Tax),
		})
	}
	payRows := make([]paymentRow, len(plan.refunds))
	ids := make([]string, len(plan.refunds))
	for i, r := range plan.refunds {
		ids[i] = uuid.NewString()
		payRows[i] = paymentRow{ID: ids[i], SessionID: nullable(plan.sessionID), SaleID: id, ReturnID: &ret.ID, LineNo: i + 1,
			Method: r.Method, Amount: r.Amount.Neg(), Reference: r.Reference, OccurredAt: ret.OccurredAt}
	}
	mpRefunds := planMPRefunds(plan, id, ret.ID, payRows)
	event, status := eventReturn, SalePartiallyReturned
	if plan.completes() {
		event, status = eventReturnAll, SaleReturned
	}
	note := ""
	if plan.reason != nil {
		note = *plan.reason
	}
	b.Transition("sales", id, event, note, nil)
	b.Update("sales", id, map[string]any{"refunded": plan.sale.Refunded.Add(plan.total)})
	b.Insert("returns", ret)
	b.Insert("return_lines", retLines)
	if len(payRows) > 0 {
		b.Insert("payments", payRows)
	}
	if len(mpRefunds) > 0 {
		b.Insert("mp_refunds", mpRefunds)
	}
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if err := requestRefunds(c, mpRefunds); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if err := auditRefund(c, id, ret.ID, plan); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if _, err := c.Events().Publish(TopicSaleReturned, map[string]string{
		"sale_id": id, "return_id": ret.ID, "location_id": plan.locationID, "amount": money.AmountOf(plan.total).String(),
		"occurred_at": ret.OccurredAt.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": ret.ID, "sale_id": id, "sale_status": status, "location_id": plan.locationID, "session_id": ret.SessionID,
		"reason": ret.Reason, "net": ret.Net, "tax": ret.Tax, "total": ret.Total, "lines": retLines, "taxes": plan.taxes(e),
		"refunds": withRefundStatus(refundViews(plan.refunds, ids), mpRefunds), "movements": led.views(), "occurred_at": ret.OccurredAt,
	})
}

// getReturn handles GET /returns/{id}: a return with its lines and its
// refunds, each refund going back through Mercado Pago with where it
// stands (pending until sent, refunded, or failed).
func getReturn(c *sdk.Context) error {
	id, err := c.PathUUID("id", "return")
	if err != nil {
		return err
	}
	var (
		ret   returnRow
		lines []returnLineRow
		pays  []paymentRow
		mp    []mpRefundRow
	)
	b := c.DB().Batch()
	b.Get("returns", id, &ret)
	b.List("return_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("return_id", id)}, Limit: maxLines}, &lines)
	b.List("payments", sdk.Query{Where: []sdk.Filter{sdk.Eq("return_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &pays)
	b.List("mp_refunds", sdk.Query{Where: []sdk.Filter{sdk.Eq("return_id", id)}, Limit: maxLines}, &mp)
	if err := b.Run(); err != nil {
		if notFoundIn(err, "returns") {
			return notFound("return", id)
		}
		return fmt.Errorf("get return: %w", err)
	}
	refunds := make([]refundView, len(pays))
	for i, p := range pays {
		refunds[i] = refundView{ID: p.ID, Method: p.Method, Amount: money.AmountOf(p.Amount.Neg()), Reference: p.Reference}
	}
	return c.JSON(http.StatusOK, map[string]any{
		"id": ret.ID, "sale_id": ret.SaleID, "location_id": ret.LocationID, "session_id": ret.SessionID, "reason": ret.Reason,
		"net": ret.Net, "tax": ret.Tax, "total": ret.Total, "lines": lines, "refunds": withRefundStatus(refunds, mp),
		"user_id": ret.UserID, "occurred_at": ret.OccurredAt,
	})
}
