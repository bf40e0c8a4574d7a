package reporting

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
)

// RollupDelta is one change to revenue_rollup.
type RollupDelta struct {
	// At is when the transaction occurred; its date in the company's time
	// zone is the rollup day.
	At time.Time
	// Type is the transaction type, e.g. InvoicesType.
	Type     string
	Currency string
	// Amount is added to the day's revenue (negative to subtract).
	Amount decimal.Decimal
	// Count is added to the day's number of transactions (-1 when a
	// transaction stops counting, e.g. a voided sale).
	Count int64
}

// ApplyDelta adds d to companyID's rollup row for d.At's day in tz, in tx:
// the caller's unit of work (a tenant transaction of companyID), which
// makes the change exactly once.
func ApplyDelta(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, tz *time.Location, d RollupDelta) error {
	return ApplyDeltas(ctx, tx, companyID, tz, []RollupDelta{d})
}

// rollupKey is a row of revenue_rollup for one company.
type rollupKey struct{ day, typ, currency string }

// ApplyDeltas adds every delta in ds to companyID's rollup, as ApplyDelta
// does, with one statement: deltas of one row are summed first, and the
// rows are written in order, so that concurrent calls lock them in the
// same order and each row is locked once until the commit.
func ApplyDeltas(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, tz *time.Location, ds []RollupDelta) error {
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

// Change says that one row of a Source starts or stops counting as
// revenue. The rollup reads the row itself from the source's SELECT, so it
// gets exactly what the views will hold.
type Change struct {
	// Source is the name of the Source holding the row (as given to
	// SetSources) and Type the row's transaction type.
	Source, Type string
	// ID is the row's source_id.
	ID uuid.UUID
	// Remove takes the row back out (a voided sale, a cancelled invoice);
	// otherwise the row is added.
	Remove bool
	// Optional marks a row the source may not hold because it is not
	// revenue (a received invoice, a payment complement): then nothing
	// changes. Otherwise a missing row is an error.
	Optional bool
	// Why names the change in errors and refresh requests, e.g. the
	// event's topic.
	Why string
}

// RollupRule says how the events of one topic move the rollup: the payload
// field Key holds the source_id of a row of Source with transaction type
// Type, which the event adds (or, with Remove, takes back out). It is how
// a vertical's events reach the revenue report within a second; events of
// topics without a rule move nothing.
type RollupRule struct {
	Topic  string
	Source string
	Type   string
	Key    string
	Remove bool
}

// Pattern returns the narrowest AMQP topic pattern of one subscription
// that receives every topic: the topics' common words, "*" where topics of
// as many words differ, and "#" past a common prefix when their lengths
// differ. Its handler ignores the other topics it lets through. It is ""
// without topics.
func Pattern(topics ...string) string {
	if len(topics) == 0 {
		return ""
	}
	words := strings.Split(topics[0], ".")
	sameLength := true
	for _, topic := range topics[1:] {
		w := strings.Split(topic, ".")
		if len(w) != len(words) {
			sameLength = false
		}
		n := min(len(w), len(words))
		words = words[:max(n, 0)]
		for i := range n {
			if words[i] != w[i] {
				words[i] = "*"
			}
		}
	}
	if sameLength {
		return strings.Join(words, ".")
	}
	for i, w := range words {
		if w == "*" {
			words = words[:i]
			break
		}
	}
	return strings.Join(append(words, "#"), ".")
}

// Event is an event for ApplyEvents: its topic and JSON payload.
type Event struct {
	Topic   string
	Payload []byte
}

// ApplyEvents keeps the rollup from events of companyID, in tx (the
// consumer's unit of work for companyID), following Config.Rules: each
// event with a rule is the Change of the row its payload names. Events of
// other topics are ignored. A payload without the rule's key, or naming a
// row the source does not hold, is an error: the event broke its contract.
func (s *Service) ApplyEvents(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, evs []Event) error {
	changes := make([]Change, 0, len(evs))
	for _, ev := range evs {
		r, ok := s.rules[ev.Topic]
		if !ok {
			continue
		}
		var p map[string]any
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			return fmt.Errorf("%s payload: %w", ev.Topic, err)
		}
		key, _ := p[r.Key].(string)
		id, err := uuid.Parse(key)
		if err != nil {
			return fmt.Errorf("%s payload: %s %q is not a uuid", ev.Topic, r.Key, key)
		}
		changes = append(changes, Change{Source: r.Source, Type: r.Type, ID: id, Remove: r.Remove, Why: ev.Topic + " " + r.Key + " " + key})
	}
	return s.ApplyChanges(ctx, tx, companyID, changes)
}

// InvoiceStored adds an invoice of companyID that tx stored to the rollup
// of InvoicesType, and InvoiceCancelled takes one back out; an invoice that
// is not revenue (received, or of type P, T or N) changes nothing. They let
// the invoices service move the rollup in the transaction that stores or
// cancels the invoice.
func (s *Service) InvoiceStored(ctx context.Context, tx pgx.Tx, companyID, invoiceID uuid.UUID) error {
	return s.ApplyChanges(ctx, tx, companyID, []Change{s.invoiceChange(invoiceID, false)})
}

// InvoiceCancelled: see InvoiceStored.
func (s *Service) InvoiceCancelled(ctx context.Context, tx pgx.Tx, companyID, invoiceID uuid.UUID) error {
	return s.ApplyChanges(ctx, tx, companyID, []Change{s.invoiceChange(invoiceID, true)})
}

func (s *Service) invoiceChange(id uuid.UUID, remove bool) Change {
	why := "invoice " + id.String() + " stored"
	if remove {
		why = "invoice " + id.String() + " cancelled"
	}
	return Change{Source: InvoicesSource.Name, Type: InvoicesType, ID: id, Remove: remove, Optional: true, Why: why}
}

// sourceRow is what the rollup reads of a source's row.
type sourceRow struct {
	found    bool
	at       time.Time
	amount   decimal.Decimal
	currency string
}

// ApplyChanges keeps the rollup from changes of companyID's rows, in tx
// (the caller's unit of work for companyID). It reads the rows from their
// sources in tx, one lookup a row, all in one round trip, and adds (or
// takes back out) each row's amount and one transaction on its day. A
// transaction at or above the company's big-transaction threshold (in
// absolute value), or dated before the day the views were last refreshed
// (which the views, not the rollup, answer), also calls RequestRefresh.
func (s *Service) ApplyChanges(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	s.mu.Lock()
	queries := make(map[string]string, 2)
	for _, c := range changes {
		src, ok := s.sources[c.Source]
		if !ok {
			s.mu.Unlock()
			return fmt.Errorf("%s: no valid %s source was given to SetSources", c.Why, c.Source)
		}
		queries[c.Source] = fmt.Sprintf(sourceRowSQL, src)
	}
	s.mu.Unlock()
	type rowKey struct {
		source, typ string
		id          uuid.UUID
	}
	found := make(map[rowKey]*sourceRow, len(changes))
	reads := &pgx.Batch{}
	for _, c := range changes {
		k := rowKey{c.Source, c.Type, c.ID}
		if _, ok := found[k]; ok {
			continue
		}
		row := &sourceRow{}
		found[k] = row
		reads.Queue(queries[c.Source], companyID, c.ID, c.Type).Query(func(rows pgx.Rows) error {
			var amount string
			_, err := pgx.ForEachRow(rows, []any{&row.at, &amount, &row.currency}, func() error {
				row.found = true
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: read %s row %s: %w", c.Why, c.Source, c.ID, err)
			}
			if !row.found {
				return nil
			}
			if row.amount, err = decimal.NewFromString(amount); err != nil {
				return fmt.Errorf("%s: amount %q of %s: %w", c.Why, amount, c.ID, err)
			}
			return nil
		})
	}
	if err := tx.SendBatch(ctx, reads).Close(); err != nil {
		return err
	}
	info, err := s.company(ctx, companyID)
	if err != nil {
		return fmt.Errorf("%s: %w", changes[0].Why, err)
	}
	deltas := make([]RollupDelta, 0, len(changes))
	var earliest time.Time
	for _, c := range changes {
		row := found[rowKey{c.Source, c.Type, c.ID}]
		if !row.found {
			if c.Optional {
				continue
			}
			return fmt.Errorf("%s: %s is not in the %s source", c.Why, c.ID, c.Source)
		}
		d := RollupDelta{At: row.at, Type: c.Type, Currency: row.currency, Amount: row.amount, Count: 1}
		if c.Remove {
			d.Amount, d.Count = d.Amount.Neg(), -1
		}
		deltas = append(deltas, d)
		if earliest.IsZero() || row.at.Before(earliest) {
			earliest = row.at
		}
		if d.Amount.Abs().GreaterThanOrEqual(info.threshold) {
			why := fmt.Sprintf("%s: %s %s at or above the threshold %s", c.Why, formatAmount(d.Amount.Abs()), row.currency, info.threshold)
			if err := s.RequestRefresh(ctx, why); err != nil {
				return err
			}
		}
	}
	if len(deltas) == 0 {
		return nil
	}
	if err := ApplyDeltas(ctx, tx, companyID, info.loc, deltas); err != nil {
		return fmt.Errorf("%s: %w", changes[0].Why, err)
	}
	return s.noteLate(ctx, companyID, info.loc, earliest)
}

// noteLate calls RequestRefresh when a transaction at earliest falls on a
// day before the watermark's (in loc): the revenue API answers such days
// from the views, which only a refresh brings up to date. Transactions of
// today never need one, so the watermark is read only for older ones.
func (s *Service) noteLate(ctx context.Context, companyID uuid.UUID, loc *time.Location, earliest time.Time) error {
	day := civil(earliest.In(loc))
	if !day.Before(civil(s.now().In(loc))) {
		return nil
	}
	st, ok, err := readState(ctx, s.pool)
	if err != nil {
		return fmt.Errorf("late transaction of company %s: %w", companyID, err)
	}
	if ok && day.Before(civil(st.watermark.In(loc))) {
		return s.RequestRefresh(ctx, fmt.Sprintf("a transaction of company %s dated %s, before the views' last refresh", companyID, day.Format(time.DateOnly)))
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
	if err := s.RequestRefresh(ctx, reason); err != nil {
		return false, fmt.Errorf("note transaction: %w", err)
	}
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
