package cpg

import (
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// The company's audit log (sdk.Context.Audit): the host records who acted
// (user or API key), when, from where and in which request; the vertical
// says what. Each entry joins the request's unit of work, so it is kept
// exactly when the change it describes commits.

// Audit actions the vertical appends.
const (
	AuditPriceOverridden = "cpg.sale.price_overridden"
	AuditSaleVoided      = "cpg.sale.voided"
	AuditSaleRefunded    = "cpg.sale.refunded"
	// AuditSessionDifference: a cash session closed with what was counted
	// differing from what was expected for some payment method.
	AuditSessionDifference = "cpg.cash_session.closed_with_difference"
)

// maxAuditLines bounds the lines an entry lists, within the log's 16 KiB
// of details; the entry counts them all.
const maxAuditLines = 50

// auditOverrides records the lines of a sale priced off their list price,
// when there are any.
func auditOverrides(c *sdk.Context, saleID string, priced []pricedLine) error {
	var lines []map[string]any
	n := 0
	for i, l := range priced {
		if l.UnitPrice.Equal(l.Variant.Price) {
			continue
		}
		n++
		if len(lines) < maxAuditLines {
			lines = append(lines, map[string]any{"line_no": i + 1, "variant_id": l.Variant.ID, "sku": l.Variant.SKU,
				"list_price": fmtPrice(l.Variant.Price), "unit_price": fmtPrice(l.UnitPrice), "quantity": fmtQty(l.Quantity)})
		}
	}
	if n == 0 {
		return nil
	}
	return c.Audit(AuditPriceOverridden, "sale:"+saleID, map[string]any{"overridden_lines": n, "lines": lines})
}

// auditVoid records a voided sale.
func auditVoid(c *sdk.Context, s lockedSale, id string, reason *string) error {
	return c.Audit(AuditSaleVoided, "sale:"+id, map[string]any{"total": s.Total, "reason": reason})
}

// auditRefund records a return's refunds.
func auditRefund(c *sdk.Context, saleID, returnID string, plan *returnPlan) error {
	refunds := make([]map[string]any, len(plan.refunds))
	for i, r := range plan.refunds {
		refunds[i] = map[string]any{"method": r.Method, "amount": money.AmountOf(r.Amount)}
	}
	return c.Audit(AuditSaleRefunded, "sale:"+saleID, map[string]any{"return_id": returnID, "total": money.AmountOf(plan.total),
		"refunds": refunds, "reason": plan.reason, "session_id": nullable(plan.sessionID)})
}

// auditCloseDifference records a session closed with a difference on some
// payment method (even when the methods' differences cancel out).
func auditCloseDifference(c *sdk.Context, id string, res sessionClose, limit decimal.Decimal) error {
	differs := false
	for _, m := range res.Counts {
		differs = differs || !m.Difference.IsZero()
	}
	if !differs {
		return nil
	}
	return c.Audit(AuditSessionDifference, "cash_session:"+id, map[string]any{"difference": money.AmountOf(res.Difference),
		"limit": money.AmountOf(limit), "over_limit": res.OverLimit, "counts": countViews(res.Counts)})
}
