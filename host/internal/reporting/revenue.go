package reporting

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Groupings of the revenue API.
const (
	GroupByType  = "transaction_type"
	GroupByDay   = "day"
	GroupByMonth = "month"
)

// Which data answered a RevenueReport.
const (
	// SourceMV: every day asked for is before the watermark's day, which
	// the views cover fully (or the rollup keeps no type).
	SourceMV = "mv"
	// SourceRollup: every day asked for is on or after the watermark's
	// day and the figures are the rollup's: the views hold nothing of
	// those days for the types the rollup does not keep.
	SourceRollup = "rollup"
	// SourceBoth: the figures come from both, e.g. a range reaching back
	// before the watermark's day, or a day the rollup answers for some
	// types and the views for others.
	SourceBoth = "both"
)

// MaxRevenueDays bounds the range of one revenue query.
const MaxRevenueDays = 3660

// RevenueQuery asks for a company's revenue over local days From to To,
// both included, in the company's time zone. Only the dates of From and To
// matter.
type RevenueQuery struct {
	From, To time.Time
	// GroupBy is GroupByType (the default), GroupByDay or GroupByMonth.
	GroupBy string
}

// RevenueRow is the revenue of one group in one currency.
type RevenueRow struct {
	// Key is the transaction type, the day (YYYY-MM-DD) or the month
	// (YYYY-MM).
	Key      string `json:"key"`
	Currency string `json:"currency"`
	// Amount is a decimal string.
	Amount string `json:"amount"`
	Count  int64  `json:"count"`
}

// CurrencyTotal is a revenue total in one currency.
type CurrencyTotal struct {
	Currency string `json:"currency"`
	Amount   string `json:"amount"`
	Count    int64  `json:"count"`
}

// RevenueReport is the answer of the revenue API.
type RevenueReport struct {
	CompanyID uuid.UUID `json:"company_id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	GroupBy   string    `json:"group_by"`
	Timezone  string    `json:"timezone"`
	// Source is SourceMV, SourceRollup or SourceBoth.
	Source string `json:"source"`
	// AsOf is how fresh the answer is: the query's own time when the
	// rollup answered some of it (it moves in each transaction's own
	// unit of work), else the views' watermark.
	AsOf time.Time `json:"as_of"`
	// MVAsOf is the views' watermark: the freshness of the types the
	// rollup does not keep.
	MVAsOf *time.Time      `json:"mv_as_of"`
	Data   []RevenueRow    `json:"data"`
	Totals []CurrencyTotal `json:"totals"`
}

// validate checks q and fills in its default grouping.
func (q *RevenueQuery) validate() error {
	switch q.GroupBy {
	case "":
		q.GroupBy = GroupByType
	case GroupByType, GroupByDay, GroupByMonth:
	default:
		return httpx.InvalidQuery("group_by", "group_by must be transaction_type, day or month")
	}
	if q.From.IsZero() || q.To.IsZero() {
		return httpx.InvalidQuery("from", "from and to are required (YYYY-MM-DD)")
	}
	from, to := civil(q.From), civil(q.To)
	if to.Before(from) {
		return httpx.InvalidQuery("to", "to must not be before from")
	}
	if to.Sub(from) >= MaxRevenueDays*24*time.Hour {
		return httpx.InvalidQuery("to", fmt.Sprintf("the range may span at most %d days", MaxRevenueDays))
	}
	q.From, q.To = from, to
	return nil
}

// civil keeps only t's date, at UTC midnight.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Revenue returns companyID's revenue per q.GroupBy and currency, in one
// statement: days before the watermark's day from the views, later days
// from the rollup for Config.RollupTypes and from the views for the other
// types (see get_company_revenue_daily). Invalid queries are 400
// invalid_query errors; before the first build it returns ErrNotBuilt.
func (s *Service) Revenue(ctx context.Context, companyID uuid.UUID, q RevenueQuery) (RevenueReport, error) {
	if err := q.validate(); err != nil {
		return RevenueReport{}, err
	}
	rep := RevenueReport{
		CompanyID: companyID, GroupBy: q.GroupBy,
		From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly),
		Data: []RevenueRow{}, Totals: []CurrencyTotal{},
	}
	rows, err := s.pool.Query(ctx, revenueSQL, companyID, rep.From, rep.To, q.GroupBy, s.cfg.RollupTypes)
	if err != nil {
		return rep, fmt.Errorf("revenue: %w", notBuilt(err))
	}
	var (
		found         bool
		watermark     *time.Time
		cutoff        *time.Time
		now           time.Time
		mvLate        bool
		key, currency *string
		amount        *string
		count         *int64
	)
	totals := map[string]*CurrencyTotal{}
	sums := map[string]decimal.Decimal{}
	_, err = pgx.ForEachRow(rows, []any{&rep.Timezone, &watermark, &cutoff, &now, &mvLate, &key, &currency, &amount, &count}, func() error {
		found = true
		if key == nil {
			return nil
		}
		value, err := decimal.NewFromString(*amount)
		if err != nil {
			return fmt.Errorf("amount %q: %w", *amount, err)
		}
		rep.Data = append(rep.Data, RevenueRow{Key: *key, Currency: *currency, Amount: formatAmount(value), Count: *count})
		t, ok := totals[*currency]
		if !ok {
			t = &CurrencyTotal{Currency: *currency}
			totals[*currency] = t
		}
		t.Count += *count
		sums[*currency] = sums[*currency].Add(value)
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("revenue: %w", notBuilt(err))
	}
	if !found {
		return rep, errCompanyNotFound
	}
	for cur, t := range totals {
		t.Amount = formatAmount(sums[cur])
		rep.Totals = append(rep.Totals, *t)
	}
	slices.SortFunc(rep.Totals, func(a, b CurrencyTotal) int { return cmp.Compare(a.Currency, b.Currency) })
	rep.MVAsOf = watermark
	rep.Source, rep.AsOf = answeredBy(q, cutoff, len(s.cfg.RollupTypes) > 0, mvLate), now
	if rep.Source == SourceMV && watermark != nil {
		rep.AsOf = *watermark
	}
	return rep, nil
}

// answeredBy says which store answered q: the views answer every day
// before cutoff (the watermark's day; nil before the first refresh), the
// rollup later days for its types when it keeps some (rollup), and the
// views those days for the other types, when they hold any (mvLate).
func answeredBy(q RevenueQuery, cutoff *time.Time, rollup, mvLate bool) string {
	usesRollup := rollup && (cutoff == nil || !q.To.Before(*cutoff))
	usesMV := !usesRollup || mvLate || (cutoff != nil && q.From.Before(*cutoff))
	switch {
	case usesRollup && usesMV:
		return SourceBoth
	case usesRollup:
		return SourceRollup
	default:
		return SourceMV
	}
}

// TotalRevenue returns companyID's revenue per currency over the instants
// [from, to) from universal_transactions_mv, through
// get_company_total_revenue; it is as fresh as the views' watermark.
func (s *Service) TotalRevenue(ctx context.Context, companyID uuid.UUID, from, to time.Time) ([]CurrencyTotal, error) {
	rows, err := s.pool.Query(ctx, totalRevenueSQL, companyID, from, to)
	if err != nil {
		return nil, fmt.Errorf("total revenue: %w", notBuilt(err))
	}
	out := []CurrencyTotal{}
	var t CurrencyTotal
	_, err = pgx.ForEachRow(rows, []any{&t.Currency, &t.Amount, &t.Count}, func() error {
		t.Amount = normalizeAmount(t.Amount)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("total revenue: %w", notBuilt(err))
	}
	return out, nil
}
