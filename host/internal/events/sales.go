package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/internal/dal"
)

// Topics of the CPG vertical's sale events, the payload contract the
// sales-statistics consumer relies on. Amounts are decimal strings in the
// company's currency; occurred_at is RFC 3339 (the event's OccurredAt when
// absent); unknown fields are ignored.
const (
	// TopicSaleCreated: {"sale_id","location_id","total":"123.45","currency":"MXN","occurred_at"}.
	TopicSaleCreated = "cpg.sale.created"
	// TopicSaleVoided: {"sale_id","location_id","total","occurred_at"}.
	TopicSaleVoided = "cpg.sale.voided"
	// TopicSaleReturned: {"sale_id","return_id","location_id","amount","occurred_at"}.
	TopicSaleReturned = "cpg.sale.returned"
)

// SalesStatsName is the name of the sales-statistics subscription
// (FullName "host.sales_stats").
const SalesStatsName = "sales_stats"

// salePayload is the union of the cpg.sale.* payloads.
type salePayload struct {
	SaleID     string           `json:"sale_id"`
	ReturnID   string           `json:"return_id"`
	LocationID uuid.UUID        `json:"location_id"`
	Total      *decimal.Decimal `json:"total"`
	Amount     *decimal.Decimal `json:"amount"`
	Currency   string           `json:"currency"`
	OccurredAt *time.Time       `json:"occurred_at"`
}

// SalesStats returns the host's sales-statistics subscription: it keeps
// sales_daily (per company, day and location) from the cpg.sale.* events.
//
//   - cpg.sale.created adds 1 to sales_count and total to gross;
//   - cpg.sale.voided adds 1 to voids_count and subtracts total from gross
//     (gross is net of voids, on the day of the void);
//   - cpg.sale.returned adds amount to returns;
//   - other cpg.sale.* topics are ignored.
//
// The day is occurred_at in the company's time zone. The handler's tenant
// transaction may not read companies, so PostgreSQL computes the day with
// company_timezone(), a SECURITY DEFINER function that reveals only the
// transaction's own company's zone: no second connection, no cache to go
// stale. Every sale of a store lands on the same row, so the handler takes
// the events waiting together and adds them with one statement: one row
// lock per day and location per batch, held only until the commit. A
// payload that breaks the contract fails its event, which is retried and
// then parked for an operator.
func SalesStats() Subscription {
	return Subscription{
		Vertical:    HostVertical,
		Name:        SalesStatsName,
		Pattern:     "cpg.sale.*",
		Concurrency: 2,
		Batch:       applySales,
	}
}

// salesDelta is what a batch of events adds to sales_daily: one element a
// counted event in each column, as addSalesSQL takes them.
type salesDelta struct {
	at        []time.Time
	locations [][16]byte // binary uuids (see pgUUID)
	sales     []int64
	gross     []string
	returns   []string
	voids     []int64
}

// add appends ev's figures; events of other topics add nothing.
func (d *salesDelta) add(ev Event) error {
	var (
		p              salePayload
		sales, voids   int64
		gross, returns decimal.Decimal
	)
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return fmt.Errorf("%s payload: %w", ev.Topic, err)
	}
	switch ev.Topic {
	case TopicSaleCreated, TopicSaleVoided:
		if p.Total == nil {
			return fmt.Errorf("%s payload: total is missing", ev.Topic)
		}
		sales, gross = 1, *p.Total
		if ev.Topic == TopicSaleVoided {
			sales, voids, gross = 0, 1, gross.Neg()
		}
	case TopicSaleReturned:
		if p.Amount == nil {
			return fmt.Errorf("%s payload: amount is missing", ev.Topic)
		}
		returns = *p.Amount
	default:
		return nil
	}
	if p.LocationID == uuid.Nil {
		return fmt.Errorf("%s payload: location_id is missing", ev.Topic)
	}
	at := ev.OccurredAt
	if p.OccurredAt != nil {
		at = *p.OccurredAt
	}
	d.at = append(d.at, at)
	d.locations = append(d.locations, p.LocationID)
	d.sales = append(d.sales, sales)
	d.gross = append(d.gross, gross.String())
	d.returns = append(d.returns, returns.String())
	d.voids = append(d.voids, voids)
	return nil
}

// applySales adds a batch of one company's sale events to sales_daily.
func applySales(ctx context.Context, u *dal.Unit, evs []Event) error {
	var d salesDelta
	for _, ev := range evs {
		if err := d.add(ev); err != nil {
			return fmt.Errorf("event %s: %w", ev.ID, err)
		}
	}
	if len(d.at) == 0 {
		return nil
	}
	return u.Run(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, addSalesSQL, pgUUID(&evs[0].CompanyID), d.at, d.locations, d.sales, d.gross, d.returns, d.voids)
		if err != nil {
			return fmt.Errorf("update sales_daily: %w", err)
		}
		return nil
	})
}
