package cpg

import (
	"fmt"
	"net/http"
	"time"

	"github.com/nexuspos/nexus/sdk"
)

// Voiding a sale.

// voidInput is POST /sales/{id}/void.
type voidInput struct {
	Reason string `json:"reason"`
}

// voidSale handles POST /sales/{id}/void: a manager cancels a sale while
// its cash session is still open; its stock comes back and its payments
// leave the session's expected amounts.
func voidSale(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	var in voidInput
	if len(c.Body()) > 0 {
		if err := c.Bind(&in); err != nil {
			return err
		}
	}
	reason, err := sdk.OptionalText("reason", in.Reason, 500)
	if err != nil {
		return err
	}
	var (
		sales []lockedSale
		lines []saleLineRow
	)
	b := c.DB().Batch()
	b.Query(qSaleForUpdate, &sales, id)
	b.List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &lines)
	if err := b.Run(); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if len(sales) == 0 {
		return notFound("sale", id)
	}
	s := sales[0]
	switch {
	case s.Status != SaleCompleted:
		return sdk.Conflict("invalid_transition", "sale "+id+" is "+s.Status+": only a completed sale can be voided")
	case s.SessionStatus != SessionOpen:
		return sdk.Conflict("session_closed", "the sale's cash session is closed: return the goods instead")
	}
	at := now()
	led := newLedger(c, e, "sale", id, at)
	led.reason = reason
	for _, l := range lines {
		led.add(KindVoid, l.VariantID, s.LocationID, l.Quantity, l.UnitCost)
	}
	note := ""
	if reason != nil {
		note = *reason
	}
	b = c.DB().Batch()
	b.Transition("sales", id, eventVoid, note, nil)
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if err := auditVoid(c, s, id, reason); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if _, err := c.Events().Publish(TopicSaleVoided, map[string]string{
		"sale_id": id, "location_id": s.LocationID, "total": s.Total.String(),
		"occurred_at": at.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": SaleVoided, "total": s.Total, "voided_at": at})
}
