package reporting

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	switch {
	case companyID == uuid.Nil:
		return errors.New("apply rollup delta: no company id")
	case tz == nil:
		return errors.New("apply rollup delta: no time zone")
	case d.At.IsZero():
		return errors.New("apply rollup delta: no transaction time")
	case d.Type == "" || d.Currency == "":
		return errors.New("apply rollup delta: transaction type and currency are required")
	}
	day := d.At.In(tz).Format(time.DateOnly)
	if _, err := tx.Exec(ctx, applyDeltaSQL, companyID, day, d.Type, d.Currency, formatAmount(d.Amount), d.Count); err != nil {
		return fmt.Errorf("apply rollup delta: %w", err)
	}
	return nil
}

// salePayload is what ApplySaleEvent reads of a cpg.sale.* payload.
type salePayload struct {
	SaleID   string `json:"sale_id"`
	ReturnID string `json:"return_id"`
}

// ApplySaleEvent keeps the rollup of SalesType from one cpg.sale.* event,
// in tx (the consumer's unit of work for companyID). It reads the row the
// event is about from the SalesType source (as given to SetSources) in tx,
// so the rollup gets exactly what the view will hold:
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
func (s *Service) ApplySaleEvent(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, topic string, payload []byte) error {
	var p salePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return fmt.Errorf("%s payload: %w", topic, err)
	}
	field, key, sign, count := "sale_id", p.SaleID, 1, int64(1)
	switch topic {
	case TopicSaleCreated:
	case TopicSaleVoided:
		sign, count = -1, -1
	case TopicSaleReturned:
		field, key = "return_id", p.ReturnID
	default:
		return nil
	}
	id, err := uuid.Parse(key)
	if err != nil {
		return fmt.Errorf("%s payload: %s %q is not a uuid", topic, field, key)
	}
	s.mu.Lock()
	src, ok := s.sources[SalesType]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: no valid %s source was given to SetSources", topic, SalesType)
	}
	var (
		at               time.Time
		amount           string
		currency, status string
	)
	err = tx.QueryRow(ctx, fmt.Sprintf(sourceRowSQL, src), companyID, id, SalesType).Scan(&at, &amount, &currency, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %s %s is not in the %s source", topic, field, id, SalesType)
	}
	if err != nil {
		return fmt.Errorf("%s: read %s %s: %w", topic, field, id, err)
	}
	value, err := decimal.NewFromString(amount)
	if err != nil {
		return fmt.Errorf("%s: amount %q of %s: %w", topic, amount, id, err)
	}
	info, err := s.company(ctx, companyID)
	if err != nil {
		return fmt.Errorf("%s: %w", topic, err)
	}
	if sign < 0 {
		value = value.Neg()
	}
	if err := ApplyEvent(ctx, tx, companyID, info.loc, RollupDelta{At: at, Type: SalesType, Currency: currency, Amount: value, Count: count}); err != nil {
		return fmt.Errorf("%s: %w", topic, err)
	}
	if value.Abs().GreaterThanOrEqual(info.threshold) {
		s.RequestRefresh(fmt.Sprintf("%s of %s %s at or above the threshold %s", topic, formatAmount(value.Abs()), currency, info.threshold))
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
