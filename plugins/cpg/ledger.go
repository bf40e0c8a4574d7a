package cpg

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// Movement kinds of the inventory ledger.
const (
	KindReceipt       = "receipt"
	KindSale          = "sale"
	KindVoid          = "void"
	KindReturn        = "return"
	KindAdjustment    = "adjustment"
	KindTransferOut   = "transfer_out"
	KindTransferIn    = "transfer_in"
	KindConsignOut    = "consign_out"
	KindConsignSold   = "consign_sold"
	KindConsignReturn = "consign_return"
)

// movementRow is one row of stock_movements.
type movementRow struct {
	ID         string          `json:"id"`
	VariantID  string          `json:"variant_id"`
	LocationID string          `json:"location_id"`
	Kind       string          `json:"kind"`
	Quantity   decimal.Decimal `json:"quantity"`
	UnitCost   decimal.Decimal `json:"unit_cost"`
	RefType    string          `json:"ref_type"`
	RefID      string          `json:"ref_id"`
	Reason     *string         `json:"reason"`
	UserID     *string         `json:"user_id"`
	OccurredAt sdk.Timestamp   `json:"occurred_at"`
}

// ledger collects the movements of one document and writes them together
// with the on-hand changes they cause.
type ledger struct {
	c              *sdk.Context
	refType, refID string
	reason         *string
	userID         *string
	at             sdk.Timestamp
	allowNegative  bool
	moves          []movementRow
}

// newLedger starts the movements of the document refType/refID.
func newLedger(c *sdk.Context, e *env, refType, refID string, at sdk.Timestamp) *ledger {
	return &ledger{
		c: c, refType: refType, refID: refID, at: at,
		userID:        nullable(c.Principal().UserID),
		allowNegative: e.cfg.AllowNegativeStock,
	}
}

// add records a movement of quantity (signed: negative takes stock out).
func (l *ledger) add(kind, variantID, locationID string, quantity, unitCost decimal.Decimal) {
	l.moves = append(l.moves, movementRow{
		ID: uuid.NewString(), VariantID: variantID, LocationID: locationID, Kind: kind,
		Quantity: quantity, UnitCost: unitCost, RefType: l.refType, RefID: l.refID,
		Reason: l.reason, UserID: l.userID, OccurredAt: l.at,
	})
}

// stockKey is one on-hand row.
type stockKey struct{ variant, location string }

// stockChange is the net change of one on-hand row.
type stockChange struct {
	key   stockKey
	delta decimal.Decimal
}

// changes merges the movements per (variant, location), drops those that
// cancel out, and sorts them so every writer locks stock rows in the same
// order and concurrent documents cannot deadlock.
func (l *ledger) changes() []stockChange {
	sums := map[stockKey]decimal.Decimal{}
	for _, m := range l.moves {
		k := stockKey{m.VariantID, m.LocationID}
		sums[k] = sums[k].Add(m.Quantity)
	}
	out := make([]stockChange, 0, len(sums))
	for k, d := range sums {
		if !d.IsZero() {
			out = append(out, stockChange{k, d})
		}
	}
	slices.SortFunc(out, func(a, b stockChange) int {
		return cmp.Or(cmp.Compare(a.key.variant, b.key.variant), cmp.Compare(a.key.location, b.key.location))
	})
	return out
}

// queue adds the on-hand changes and the movements to b. Decreases are
// conditional (on_hand >= quantity) unless negative stock is allowed;
// increases are upserts. A document whose changes all go one way (a sale,
// a receipt) takes one statement for all its rows, except that up to
// fewTakes decreases take one statement each (see fewTakes); a mixed one
// (a transfer) takes one per row, so that every writer locks stock rows in
// the same global order. After b runs, the returned check reports the first
// decrease that found too little stock as a 409 insufficient_stock; the
// handler must then fail so the unit of work rolls back.
func (l *ledger) queue(b *sdk.Batch) func() error {
	check := l.queueStock(b)
	if len(l.moves) > 0 {
		b.Insert("stock_movements", l.moves)
	}
	return check
}

// queueStock adds the on-hand changes to b, not the movements (see queue),
// and drops the cached scans of the locations it touches once the unit of
// work commits.
func (l *ledger) queueStock(b *sdk.Batch) func() error {
	var takes, adds []stockChange
	locations := map[string]bool{}
	for _, ch := range l.changes() {
		locations[ch.key.location] = true
		if ch.delta.IsNegative() && !l.allowNegative {
			takes = append(takes, ch)
		} else {
			adds = append(adds, ch)
		}
	}
	tags := make([]string, 0, len(locations))
	for loc := range locations {
		tags = append(tags, stockTag(loc))
	}
	invalidate(l.c, tags...)
	var check func() error
	switch {
	case len(adds) == 0 && len(takes) > 0 && len(takes) <= fewTakes:
		check = queueEach(b, takes, false, l.shortage)
	case len(adds) == 0 && len(takes) > 0:
		check = queueTakeMany(b, takes, l.shortage)
	case len(takes) == 0 && len(adds) > 0:
		b.Query(qStockAddMany, nil, changeArrays(adds, false)...)
		check = func() error { return nil }
	default:
		check = queueEach(b, l.changes(), l.allowNegative, l.shortage)
	}
	return check
}

// fewTakes is the most decreases queueStock sends one statement each
// (qStockTake, in key order like qStockTakeMany's) rather than in one
// qStockTakeMany. PostgreSQL plans qStockTakeMany afresh on every call: its
// arrays' length is known to a custom plan and not to the generic one,
// which it therefore never prefers. For a checkout of three lines that
// planning cost more of the server's CPU than running the statement;
// qStockTake keeps its generic plan, and a few of them in the same batch
// cost less than planning the one.
const fewTakes = 8

// changeArrays renders changes as the three array parameters of the
// *_many queries (variant ids, location ids, quantities), negated when neg.
func changeArrays(chs []stockChange, neg bool) []any {
	vs, ls, qs := make([]string, len(chs)), make([]string, len(chs)), make([]string, len(chs))
	for i, ch := range chs {
		vs[i], ls[i] = ch.key.variant, ch.key.location
		d := ch.delta
		if neg {
			d = d.Neg()
		}
		qs[i] = d.String()
	}
	return []any{uuidArray(vs), uuidArray(ls), "{" + strings.Join(qs, ",") + "}"}
}

// queueTakeMany decrements every row in one statement that locks them in
// order and returns those it could decrement.
func queueTakeMany(b *sdk.Batch, takes []stockChange, shortage func(stockChange) error) func() error {
	var taken []struct {
		VariantID  string `json:"variant_id"`
		LocationID string `json:"location_id"`
	}
	b.Query(qStockTakeMany, &taken, changeArrays(takes, true)...)
	return func() error {
		done := map[stockKey]bool{}
		for _, t := range taken {
			done[stockKey{t.VariantID, t.LocationID}] = true
		}
		for _, ch := range takes {
			if !done[ch.key] {
				return shortage(ch)
			}
		}
		return nil
	}
}

// queueEach changes the rows one statement each, in order.
func queueEach(b *sdk.Batch, chs []stockChange, allowNegative bool, shortage func(stockChange) error) func() error {
	type take struct {
		change stockChange
		res    *sdk.Result
	}
	var takes []take
	for _, ch := range chs {
		if ch.delta.IsNegative() && !allowNegative {
			takes = append(takes, take{ch, b.Query(qStockTake, nil, ch.key.variant, ch.key.location, ch.delta.Neg())})
			continue
		}
		b.Query(qStockAdd, nil, ch.key.variant, ch.key.location, ch.delta)
	}
	return func() error {
		for _, t := range takes {
			if t.res.Affected == 0 {
				return shortage(t.change)
			}
		}
		return nil
	}
}

// shortage is the 409 insufficient_stock of a decrease that found too
// little stock: it reads the variant's SKU and what is on hand at the
// location (the unit of work is rolled back anyway, so the extra read only
// costs the failing request).
func (l *ledger) shortage(ch stockChange) error {
	var rows []struct {
		SKU    string          `json:"sku"`
		OnHand decimal.Decimal `json:"on_hand"`
	}
	if err := l.c.DB().Query(qStockShortage, &rows, ch.key.variant, ch.key.location); err != nil {
		return fmt.Errorf("insufficient stock: %w", err)
	}
	sku, available := "", decimal.Zero
	if len(rows) == 1 {
		sku, available = rows[0].SKU, rows[0].OnHand
	}
	return insufficientStock(ch.key.variant, sku, ch.key.location, ch.delta.Neg(), available)
}

// movementView is a movement as the API shows it.
type movementView struct {
	ID         string        `json:"id"`
	VariantID  string        `json:"variant_id"`
	LocationID string        `json:"location_id"`
	Kind       string        `json:"kind"`
	Quantity   string        `json:"quantity"`
	UnitCost   string        `json:"unit_cost"`
	RefType    string        `json:"ref_type"`
	RefID      string        `json:"ref_id"`
	Reason     *string       `json:"reason,omitempty"`
	UserID     *string       `json:"user_id,omitempty"`
	OccurredAt sdk.Timestamp `json:"occurred_at"`
}

func (m movementRow) view() movementView {
	return movementView{
		ID: m.ID, VariantID: m.VariantID, LocationID: m.LocationID, Kind: m.Kind,
		Quantity: fmtQty(m.Quantity), UnitCost: fmtPrice(m.UnitCost), RefType: m.RefType, RefID: m.RefID,
		Reason: m.Reason, UserID: m.UserID, OccurredAt: m.OccurredAt,
	}
}

func (l *ledger) views() []movementView {
	out := make([]movementView, len(l.moves))
	for i, m := range l.moves {
		out[i] = m.view()
	}
	return out
}
