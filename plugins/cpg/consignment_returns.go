package cpg

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
)

// Unsold consigned goods coming back.

// returnConsignment handles POST /consignments/{id}/returns: unsold goods
// come back from the consignee (consign_return) to location_id (default
// the consignment's source). No lines returns everything outstanding.
func returnConsignment(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "consignment")
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
		return sdk.InvalidField("location_id", "must be a store or warehouse")
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
