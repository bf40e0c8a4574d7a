package reporting

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// Topics of the CPG vertical's sale events that ApplySaleEvent handles.
const (
	TopicSaleCreated  = "cpg.sale.created"
	TopicSaleVoided   = "cpg.sale.voided"
	TopicSaleReturned = "cpg.sale.returned"
)

// RollupDelta is one change to revenue_rollup.
type RollupDelta struct {
	// At is when the transaction occurred; its date in the company's time
	// zone is the rollup day.
	At time.Time
	// Type is the transaction type, e.g. SalesType.
	Type     string
	Currency string
	// Amount is added to the day's revenue (negative to subtract).
	Amount decimal.Decimal
	// Count is added to the day's number of transactions (-1 when a
	// transaction stops counting, e.g. a voided sale).
	Count int64
}

// ApplyEvent adds d to companyID's rollup row for d.At's day in tz, in tx:
// the event consumer's unit of work (a tenant transaction of companyID),
// which makes the change exactly once per event.
func ApplyEvent(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, tz *time.Location, d RollupDelta) error {
	return ApplyEvents(ctx, tx, companyID, tz, []RollupDelta{d})
}

// rollupKey is a row of revenue_rollup for one company.
type rollupKey struct{ day, typ, currency string }

// ApplyEvents adds every delta in ds to companyID's rollup, as ApplyEvent
// does, with one statement: deltas of one row are summed first, and the
// rows are written in order, so that concurrent calls lock them in the
// same order and each row is locked once until the commit.
func ApplyEvents(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, tz *time.Location, ds []RollupDelta) error {
	if companyID == uuid.Nil {
		return errors.New("apply rollup delta: no company id")
	}
	if tz == nil {
		return errors.New("apply rollup delta: no time zone")
	}
	type sum struct {
		amount decimal.Decimal
		count  int64
	}
	sums := make(map[rollupKey]sum, len(ds))
	for _, d := range ds {
		switch {
		case d.At.IsZero():
			return errors.New("apply rollup delta: no transaction time")
		case d.Type == "" || d.Currency == "":
			return errors.New("apply rollup delta: transaction type and currency are required")
		}
		k := rollupKey{day: d.At.In(tz).Format(time.DateOnly), typ: d.Type, currency: d.Currency}
		v := sums[k]
		sums[k] = sum{amount: v.amount.Add(d.Amount), count: v.count + d.Count}
	}
	keys := slices.SortedFunc(maps.Keys(sums), func(a, b rollupKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.typ, b.typ), cmp.Compare(a.currency, b.currency))
	})
	var (
		days, types, currencies, amounts = make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
		counts                           = make([]int64, len(keys))
	)
	for i, k := range keys {
		days[i], types[i], currencies[i] = k.day, k.typ, k.currency
		amounts[i], counts[i] = formatAmount(sums[k].amount), sums[k].count
	}
	if _, err := tx.Exec(ctx, applyDeltasSQL, companyID, days, types, currencies, amounts, counts); err != nil {
		return fmt.Errorf("apply rollup delta: %w", err)
	}
	return nil
}

// SaleEvent is a cpg.sale.* event for ApplySaleEvents.
type SaleEvent struct {
	Topic   string
	Payload []byte
}

// salePayload is what ApplySaleEvents reads of a cpg.sale.* payload.
type salePayload struct {
	SaleID   string `json:"sale_id"`
	ReturnID string `json:"return_id"`
}

// ApplySaleEvent keeps the rollup of SalesType from one cpg.sale.* event,
// in tx (the consumer's unit of work for companyID), as ApplySaleEvents.
func (s *Service) ApplySaleEvent(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, topic string, payload []byte) error {
	return s.ApplySaleEvents(ctx, tx, companyID, []SaleEvent{{Topic: topic, Payload: payload}})
}

// saleRef is the source row a sale event is about and what the event does
// with it.
type saleRef struct {
	topic, field string
	id           uuid.UUID
	sign, count  int64
}

// ApplySaleEvents keeps the rollup of SalesType from cpg.sale.* events of
// companyID, in tx (the consumer's unit of work for companyID). It reads
// the rows the events are about from the SalesType source (as given to
// SetSources) in tx, one lookup a row, all in one round trip, so the
// rollup gets exactly what the view will hold:
//
//   - cpg.sale.created adds the sale (its amount, one transaction) on the
//     sale's day;
//   - cpg.sale.voided takes the sale back out on the sale's day (a voided
//     sale is not revenue);
//   - cpg.sale.returned adds the return (a negative amount, one
//     transaction) on the return's day;
//   - other topics are ignored.
//
// A transaction at or above the company's big-transaction threshold (in
// absolute value) also calls RequestRefresh.
func (s *Service) ApplySaleEvents(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, evs []SaleEvent) error {
	refs := make([]saleRef, 0, len(evs))
	for _, ev := range evs {
		var p salePayload
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return fmt.Errorf("%s payload: %w", ev.Topic, err)
		}
		r := saleRef{topic: ev.Topic, field: "sale_id", sign: 1, count: 1}
		key := p.SaleID
		switch ev.Topic {
		case TopicSaleCreated:
		case TopicSaleVoided:
			r.sign, r.count = -1, -1
		case TopicSaleReturned:
			r.field, key = "return_id", p.ReturnID
		default:
			continue
		}
		var err error
		if r.id, err = uuid.Parse(key); err != nil {
			return fmt.Errorf("%s payload: %s %q is not a uuid", ev.Topic, r.field, key)
		}
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		return nil
	}
	s.mu.Lock()
	src, ok := s.sources[SalesType]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: no valid %s source was given to SetSources", refs[0].topic, SalesType)
	}
	type sourceRow struct {
		at       time.Time
		amount   decimal.Decimal
		currency string
	}
	found := make(map[uuid.UUID]sourceRow, len(refs))
	query := fmt.Sprintf(sourceRowSQL, src)
	reads := &pgx.Batch{}
	for _, r := range refs {
		if _, ok := found[r.id]; ok {
			continue
		}
		found[r.id] = sourceRow{}
		reads.Queue(query, companyID, r.id, SalesType).Query(func(rows pgx.Rows) error {
			var (
				row    sourceRow
				amount string
			)
			n, err := pgx.ForEachRow(rows, []any{&row.at, &amount, &row.currency}, func() error { return nil })
			switch {
			case err != nil:
				return fmt.Errorf("%s: read %s %s: %w", r.topic, r.field, r.id, err)
			case n.RowsAffected() == 0:
				return fmt.Errorf("%s: %s %s is not in the %s source", r.topic, r.field, r.id, SalesType)
			}
			if row.amount, err = decimal.NewFromString(amount); err != nil {
				return fmt.Errorf("%s: amount %q of %s: %w", r.topic, amount, r.id, err)
			}
			found[r.id] = row
			return nil
		})
	}
	if err := tx.SendBatch(ctx, reads).Close(); err != nil {
		return err
	}
	info, err := s.company(ctx, companyID)
	if err != nil {
		return fmt.Errorf("%s: %w", refs[0].topic, err)
	}
	deltas := make([]RollupDelta, len(refs))
	for i, r := range refs {
		row := found[r.id]
		value := row.amount.Mul(decimal.NewFromInt(r.sign))
		deltas[i] = RollupDelta{At: row.at, Type: SalesType, Currency: row.currency, Amount: value, Count: r.count}
		if value.Abs().GreaterThanOrEqual(info.threshold) {
			s.RequestRefresh(fmt.Sprintf("%s of %s %s at or above the threshold %s", r.topic, formatAmount(value.Abs()), row.currency, info.threshold))
		}
	}
	if err := ApplyEvents(ctx, tx, companyID, info.loc, deltas); err != nil {
		return fmt.Errorf("%s: %w", refs[0].topic, err)
	}
	return nil
}

// NoteTransaction calls RequestRefresh when amount (in absolute value) is
// at or above companyID's big-transaction threshold, and reports whether it
// did. The threshold is the lowest big_transaction_threshold among the
// company's enabled verticals' configurations, else Config.BigTransaction.
func (s *Service) NoteTransaction(ctx context.Context, companyID uuid.UUID, amount decimal.Decimal, reason string) (bool, error) {
	info, err := s.company(ctx, companyID)
	if err != nil {
		return false, fmt.Errorf("note transaction: %w", err)
	}
	if amount.Abs().LessThan(info.threshold) {
		return false, nil
	}
	s.RequestRefresh(reason)
	return true, nil
}

// companyInfo is what the rollup needs about a company.
type companyInfo struct {
	loc       *time.Location
	threshold decimal.Decimal
	expires   time.Time
}

// company returns companyID's time zone and threshold, cached for a
// minute. The consumer's tenant transaction cannot read companies, so they
// are read through the privileged pool.
func (s *Service) company(ctx context.Context, companyID uuid.UUID) (companyInfo, error) {
	now := s.now()
	s.mu.Lock()
	info, ok := s.companies[companyID]
	s.mu.Unlock()
	if ok && now.Before(info.expires) {
		return info, nil
	}
	var (
		zone      string
		threshold *string
	)
	err := s.pool.QueryRow(ctx, companySQL, companyID).Scan(&zone, &threshold)
	if errors.Is(err, pgx.ErrNoRows) {
		return companyInfo{}, fmt.Errorf("company %s does not exist", companyID)
	}
	if err != nil {
		return companyInfo{}, fmt.Errorf("read company %s: %w", companyID, err)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return companyInfo{}, fmt.Errorf("company %s: time zone %q: %w", companyID, zone, err)
	}
	info = companyInfo{loc: loc, threshold: s.cfg.BigTransaction, expires: now.Add(companyTTL)}
	if threshold != nil {
		if info.threshold, err = decimal.NewFromString(*threshold); err != nil {
			return companyInfo{}, fmt.Errorf("company %s: threshold %q: %w", companyID, *threshold, err)
		}
	}
	s.mu.Lock()
	s.companies[companyID] = info
	s.mu.Unlock()
	return info, nil
}

// Drift is a difference between the rollup and the views for one company,
// day, transaction type and currency.
type Drift struct {
	CompanyID       uuid.UUID `json:"company_id"`
	Day             string    `json:"day"`
	TransactionType string    `json:"transaction_type"`
	Currency        string    `json:"currency"`
	RollupAmount    string    `json:"rollup_amount"`
	MVAmount        string    `json:"mv_amount"`
	RollupCount     int64     `json:"rollup_count"`
	MVCount         int64     `json:"mv_count"`
}

// maxDrift bounds the rows CheckDrift returns.
const maxDrift = 1000

// CheckDrift compares the rollup with revenue_daily_mv for
// Config.RollupTypes on the days the views fully cover (before the
// watermark's day in each company's time zone), the last Config.DriftDays
// of them, from the first day the rollup holds for each type. It returns
// up to 1000 differences; Run logs them after each scheduled refresh. A
// transaction committed after the watermark but dated before its day shows
// as drift until the next refresh.
func (s *Service) CheckDrift(ctx context.Context) ([]Drift, error) {
	if len(s.cfg.RollupTypes) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, driftSQL, s.cfg.RollupTypes, s.cfg.DriftDays, maxDrift)
	if err != nil {
		return nil, fmt.Errorf("check drift: %w", notBuilt(err))
	}
	var (
		out []Drift
		d   Drift
		day time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&d.CompanyID, &day, &d.TransactionType, &d.Currency, &d.RollupAmount, &d.MVAmount, &d.RollupCount, &d.MVCount}, func() error {
		d.Day = day.Format(time.DateOnly)
		d.RollupAmount, d.MVAmount = normalizeAmount(d.RollupAmount), normalizeAmount(d.MVAmount)
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check drift: %w", notBuilt(err))
	}
	return out, nil
}

// formatAmount renders an amount with at least two decimals.
func formatAmount(d decimal.Decimal) string {
	if d.Exponent() >= -2 {
		return d.StringFixed(2)
	}
	return d.String()
}

// normalizeAmount re-renders a numeric's text with formatAmount.
func normalizeAmount(s string) string {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	return formatAmount(d)
}
