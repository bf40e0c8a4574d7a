package banking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/store"
)

// Reconciliation bounds.
const (
	// maxMovementsPerRun bounds the movements one run examines (oldest
	// first); ReconcileResult.More says when others are left.
	maxMovementsPerRun = 2000
	// maxInvoicesPerRun bounds the open invoices one run considers.
	maxInvoicesPerRun = 50_000
	// maxWindowDays bounds ReconcileOptions.WindowDays.
	maxWindowDays = 366
)

// ReconcileOptions tunes an automatic reconciliation; zero fields take
// their defaults. It is also the JSON body of POST /reconcile.
type ReconcileOptions struct {
	// AccountID limits the run to one account.
	AccountID uuid.UUID `json:"account_id"`
	// From and To limit the run to movements posted on those days
	// (inclusive), as YYYY-MM-DD.
	From string `json:"from"`
	To   string `json:"to"`
	// WindowDays is how many days apart a movement and an invoice may be
	// (default 30, at most 366).
	WindowDays *int `json:"window_days"`
	// MinScore is the least score an automatic match needs (default 60).
	MinScore int `json:"min_score"`
	// DryRun computes the matches without recording them.
	DryRun bool `json:"dry_run"`
}

// Candidate is a set of invoices that could explain a movement, with its
// score and what the score is made of.
type Candidate struct {
	InvoiceIDs []uuid.UUID    `json:"invoice_ids"`
	Score      int            `json:"score"`
	Reasons    map[string]int `json:"reasons"`
}

// AutoMatch is a match a reconciliation run made (or, in a dry run, would
// make).
type AutoMatch struct {
	// MatchID is the recorded match; nil in a dry run.
	MatchID    *uuid.UUID `json:"match_id"`
	MovementID uuid.UUID  `json:"movement_id"`
	Candidate
}

// Unresolved is a movement that has candidates but was not matched
// automatically: Reason is "ambiguous" (no candidate clearly best),
// "low_score" (the best scores under the minimum), "conflict" (another
// movement wants the same invoices) or "search_limit" (too many
// combinations to decide).
type Unresolved struct {
	MovementID uuid.UUID   `json:"movement_id"`
	Reason     string      `json:"reason"`
	Candidates []Candidate `json:"candidates"`
}

// ReconcileResult is what a run did.
type ReconcileResult struct {
	DryRun bool `json:"dry_run"`
	// Examined counts the unreconciled movements looked at.
	Examined   int          `json:"examined"`
	Matched    []AutoMatch  `json:"matched"`
	Unresolved []Unresolved `json:"unresolved"`
	// WithoutCandidates counts the movements no invoice could explain.
	WithoutCandidates int `json:"without_candidates"`
	// More reports unreconciled movements left for another run.
	More bool `json:"more"`
}

// Reconcile matches companyID's unreconciled movements to its open
// invoices (see the package comment) and records each match, method auto,
// with actorID as the one who ran it. Runs and manual matches of a company
// are serialized.
func (s *Service) Reconcile(ctx context.Context, companyID, actorID uuid.UUID, opts ReconcileOptions) (ReconcileResult, error) {
	window := DefaultWindowDays
	if opts.WindowDays != nil {
		window = *opts.WindowDays
	}
	if window < 0 || window > maxWindowDays {
		return ReconcileResult{}, errInvalid("invalid_window", "window_days", fmt.Sprintf("window_days must be between 0 and %d", maxWindowDays))
	}
	minScore := opts.MinScore
	if minScore == 0 {
		minScore = DefaultMinScore
	}
	if minScore < 1 || minScore > 100 {
		return ReconcileResult{}, errInvalid("invalid_min_score", "min_score", "min_score must be between 1 and 100")
	}
	from, err := parseDay(opts.From, "from")
	if err != nil {
		return ReconcileResult{}, err
	}
	to, err := parseDay(opts.To, "to")
	if err != nil {
		return ReconcileResult{}, err
	}
	loc, err := s.location(ctx, companyID)
	if err != nil {
		return ReconcileResult{}, err
	}
	res := ReconcileResult{DryRun: opts.DryRun, Matched: []AutoMatch{}, Unresolved: []Unresolved{}}
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := lockMatches(ctx, tx, companyID); err != nil {
			return err
		}
		if opts.AccountID != uuid.Nil {
			if _, err := getAccount(ctx, tx, companyID, opts.AccountID); err != nil {
				return err
			}
		}
		m := &matcher{window: window, minScore: minScore}
		if err := loadMovements(ctx, tx, companyID, opts.AccountID, from, to, m, &res); err != nil {
			return err
		}
		if len(m.movements) == 0 {
			return nil
		}
		if err := loadInvoices(ctx, tx, companyID, loc, m); err != nil {
			return err
		}
		accepted, unres := m.match()
		for _, u := range unres {
			res.Unresolved = append(res.Unresolved, Unresolved{
				MovementID: m.movements[u.movement].id, Reason: u.reason, Candidates: m.public(u.candidates),
			})
		}
		res.WithoutCandidates = res.Examined - len(accepted) - len(unres)
		for _, p := range accepted {
			am := AutoMatch{MovementID: m.movements[p.movement].id, Candidate: m.public([]candidate{p.candidate})[0]}
			if !opts.DryRun {
				mt, err := recordMatch(ctx, tx, companyID, actorID, am.MovementID, am.InvoiceIDs, am.Score, am.Reasons,
					decimal.Zero, methodAuto, "")
				if err != nil {
					return err
				}
				am.MatchID = &mt.ID
			}
			res.Matched = append(res.Matched, am)
		}
		return nil
	})
	if err != nil {
		return ReconcileResult{}, fmt.Errorf("reconcile: %w", err)
	}
	s.log.Debug("reconciliation run", "company", companyID, "examined", res.Examined, "matched", len(res.Matched),
		"unresolved", len(res.Unresolved), "dry_run", opts.DryRun)
	return res, nil
}

// parseDay reads an optional YYYY-MM-DD.
func parseDay(s, field string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errInvalid("invalid_date", field, field+" must be a date (YYYY-MM-DD)")
	}
	return t, nil
}

// loadMovements reads the unreconciled movements a run examines.
func loadMovements(ctx context.Context, tx pgx.Tx, companyID, accountID uuid.UUID, from, to time.Time, m *matcher, res *ReconcileResult) error {
	rows, err := tx.Query(ctx, unreconciledMovementsSQL, companyID, nullUUID(accountID), nullDate(from), nullDate(to), maxMovementsPerRun+1)
	if err != nil {
		return fmt.Errorf("read movements: %w", err)
	}
	var (
		mv        movementIn
		desc, ref string
	)
	_, err = pgx.ForEachRow(rows, []any{&mv.id, &mv.postedOn, &mv.amount, &mv.currency, &desc, &ref}, func() error {
		mv.text = normalizeText(desc + " " + ref)
		m.movements = append(m.movements, mv)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read movements: %w", err)
	}
	if len(m.movements) > maxMovementsPerRun {
		m.movements, res.More = m.movements[:maxMovementsPerRun], true
	}
	res.Examined = len(m.movements)
	return nil
}

// loadInvoices reads the open invoices dated within the window of the
// movements.
func loadInvoices(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, m *matcher) error {
	first, last := m.movements[0].postedOn, m.movements[0].postedOn
	for _, mv := range m.movements {
		if mv.postedOn.Before(first) {
			first = mv.postedOn
		}
		if mv.postedOn.After(last) {
			last = mv.postedOn
		}
	}
	// One spare day each side covers every time zone's offset.
	from := first.AddDate(0, 0, -m.window-1)
	to := last.AddDate(0, 0, m.window+2)
	rows, err := tx.Query(ctx, openInvoicesSQL, companyID, from, to, maxInvoicesPerRun)
	if err != nil {
		return fmt.Errorf("read open invoices: %w", err)
	}
	var (
		inv              invoiceIn
		invoiceUUID      uuid.UUID
		fecha            time.Time
		tipo, direction  string
		emisor, receptor string
	)
	_, err = pgx.ForEachRow(rows, []any{&inv.id, &invoiceUUID, &inv.serie, &inv.folio, &fecha, &tipo, &direction,
		&emisor, &receptor, &inv.total, &inv.currency}, func() error {
		inv.uuid = invoiceUUID.String()
		y, mo, d := fecha.In(loc).Date()
		inv.day = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		inv.moneyIn = moneyIn(direction, tipo)
		inv.counterparty = receptor
		if direction == "received" {
			inv.counterparty = emisor
		}
		m.invoices = append(m.invoices, inv)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read open invoices: %w", err)
	}
	return nil
}

// public turns candidates into their API form.
func (m *matcher) public(cands []candidate) []Candidate {
	out := make([]Candidate, len(cands))
	for i, c := range cands {
		ids := make([]uuid.UUID, len(c.invoices))
		for j, ii := range c.invoices {
			ids[j] = m.invoices[ii].id
		}
		out[i] = Candidate{InvoiceIDs: ids, Score: c.score, Reasons: c.reasons}
	}
	return out
}

// recordMatch stores a match, claims its invoices and marks the movement
// reconciled.
func recordMatch(ctx context.Context, tx pgx.Tx, companyID, actorID, movementID uuid.UUID, invoiceIDs []uuid.UUID,
	score int, reasons map[string]int, difference decimal.Decimal, method, note string) (Match, error) {
	reasonsJSON, err := json.Marshal(reasons)
	if err != nil {
		return Match{}, fmt.Errorf("encode reasons: %w", err)
	}
	mt, err := scanMatch(tx.QueryRow(ctx, insertMatchSQL, companyID, movementID, invoiceIDs, score, reasonsJSON,
		difference, method, note, nullUUID(actorID)))
	if err != nil {
		return Match{}, fmt.Errorf("insert match: %w", err)
	}
	if _, err := tx.Exec(ctx, insertMatchInvoicesSQL, companyID, mt.ID, invoiceIDs); err != nil {
		return Match{}, fmt.Errorf("claim invoices: %w", err)
	}
	if _, err := tx.Exec(ctx, setMovementStatusSQL, companyID, movementID, statusReconciled); err != nil {
		return Match{}, fmt.Errorf("mark movement reconciled: %w", err)
	}
	return mt, nil
}
