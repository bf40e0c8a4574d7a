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
	// maxInvoicesPerRun bounds the open invoices one run considers, and
	// maxPaymentsPerRun the open payments.
	maxInvoicesPerRun = 50_000
	maxPaymentsPerRun = 50_000
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
	// PaymentWindowDays is how many days after a payment its movement may
	// be posted (default 7, at most 366).
	PaymentWindowDays *int `json:"payment_window_days"`
	// MinScore is the least score an automatic match needs (default 60).
	MinScore int `json:"min_score"`
	// DryRun computes the matches without recording them.
	DryRun bool `json:"dry_run"`
}

// Candidate is a set of invoices, or of payments, that could explain a
// movement, with its score and what the score is made of.
type Candidate struct {
	// Target is "invoice" or "payment": which of InvoiceIDs and Payments
	// lists the candidate's targets (the other is empty).
	Target     string         `json:"target"`
	InvoiceIDs []uuid.UUID    `json:"invoice_ids"`
	Payments   []PaymentRef   `json:"payments"`
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
// movement wants the same targets) or "search_limit" (too many
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
	// WithoutCandidates counts the movements no invoice or payment could
	// explain.
	WithoutCandidates int `json:"without_candidates"`
	// More reports unreconciled movements left for another run.
	More bool `json:"more"`
}

// Reconcile matches companyID's unreconciled movements to its open
// invoices and payments (see the package comment) and records each match,
// method auto, with actorID as the one who ran it. Runs and manual matches
// of a company are serialized.
func (s *Service) Reconcile(ctx context.Context, companyID, actorID uuid.UUID, opts ReconcileOptions) (ReconcileResult, error) {
	window, err := windowOption(opts.WindowDays, DefaultWindowDays, "window_days")
	if err != nil {
		return ReconcileResult{}, err
	}
	paymentWindow, err := windowOption(opts.PaymentWindowDays, DefaultPaymentWindowDays, "payment_window_days")
	if err != nil {
		return ReconcileResult{}, err
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
		m := &matcher{window: window, paymentWindow: paymentWindow, minScore: minScore}
		if err := loadMovements(ctx, tx, companyID, opts.AccountID, from, to, m, &res); err != nil {
			return err
		}
		if len(m.movements) == 0 {
			return nil
		}
		if err := loadInvoices(ctx, tx, companyID, loc, m); err != nil {
			return err
		}
		if err := s.loadPayments(ctx, tx, companyID, loc, m); err != nil {
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
				mt, err := recordMatch(ctx, tx, companyID, actorID, matchRecord{
					movementID: am.MovementID, invoiceIDs: am.InvoiceIDs, payments: am.Payments,
					score: am.Score, reasons: am.Reasons, difference: decimal.Zero, method: methodAuto,
				})
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

// windowOption reads an optional window in days, 0 to maxWindowDays.
func windowOption(v *int, def int, field string) (int, error) {
	if v == nil {
		return def, nil
	}
	if *v < 0 || *v > maxWindowDays {
		return 0, errInvalid("invalid_window", field, fmt.Sprintf("%s must be between 0 and %d", field, maxWindowDays))
	}
	return *v, nil
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

// postedRange returns the first and last posting dates of the movements.
func (m *matcher) postedRange() (first, last time.Time) {
	first, last = m.movements[0].postedOn, m.movements[0].postedOn
	for _, mv := range m.movements {
		if mv.postedOn.Before(first) {
			first = mv.postedOn
		}
		if mv.postedOn.After(last) {
			last = mv.postedOn
		}
	}
	return first, last
}

// localDay is the date of t in loc, at 00:00 UTC like a posting date.
func localDay(t time.Time, loc *time.Location) time.Time {
	y, mo, d := t.In(loc).Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
}

// loadInvoices reads the open invoices dated within the window of the
// movements.
func loadInvoices(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, m *matcher) error {
	first, last := m.postedRange()
	// One spare day each side covers every time zone's offset.
	from := first.AddDate(0, 0, -m.window-1)
	to := last.AddDate(0, 0, m.window+2)
	rows, err := tx.Query(ctx, openInvoicesSQL, companyID, from, to, maxInvoicesPerRun)
	if err != nil {
		return fmt.Errorf("read open invoices: %w", err)
	}
	var (
		inv              targetIn
		invoiceUUID      uuid.UUID
		fecha            time.Time
		tipo, direction  string
		emisor, receptor string
	)
	_, err = pgx.ForEachRow(rows, []any{&inv.id, &invoiceUUID, &inv.serie, &inv.folio, &fecha, &tipo, &direction,
		&emisor, &receptor, &inv.total, &inv.currency}, func() error {
		m.targets = append(m.targets, invoiceTarget(inv, invoiceUUID, fecha, tipo, direction, emisor, receptor, loc))
		return nil
	})
	if err != nil {
		return fmt.Errorf("read open invoices: %w", err)
	}
	return nil
}

// invoiceTarget completes inv (id, serie, folio, total and currency set)
// from the rest of an invoice's row.
func invoiceTarget(inv targetIn, invoiceUUID uuid.UUID, fecha time.Time, tipo, direction, emisor, receptor string, loc *time.Location) targetIn {
	inv.kind = targetInvoice
	inv.uuid = invoiceUUID.String()
	inv.day = localDay(fecha, loc)
	inv.moneyIn = moneyIn(direction, tipo)
	inv.counterparty = receptor
	if direction == "received" {
		inv.counterparty = emisor
	}
	inv.group = inv.counterparty
	return inv
}

// paymentRow is a row of the payment queries (paymentColumnsSQL).
type paymentRow struct {
	ref        PaymentRef
	occurredAt time.Time
	amount     decimal.Decimal
	currency   string
	method     string
	reference  string
	documentID uuid.UUID
}

// fields are the scan destinations of a payment row.
func (p *paymentRow) fields() []any {
	return []any{&p.ref.Source, &p.ref.PaymentID, &p.occurredAt, &p.amount, &p.currency, &p.method, &p.reference, &p.documentID}
}

// target is the payment as the matcher sees it.
func (p *paymentRow) target(loc *time.Location) targetIn {
	day := localDay(p.occurredAt, loc)
	return targetIn{
		kind: targetPayment, id: p.ref.PaymentID, source: p.ref.Source, reference: normalizeText(p.reference),
		day: day, moneyIn: p.amount.IsPositive(), group: paymentGroup(p.method, day),
		total: p.amount.Abs(), currency: p.currency,
	}
}

// loadPayments reads the open payments taken within the payment window
// before the movements, when payment sources are in use.
func (s *Service) loadPayments(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, m *matcher) error {
	query := s.paymentQuery(openPaymentsSQL)
	if query == "" {
		return nil
	}
	first, last := m.postedRange()
	// One spare day each side covers every time zone's offset.
	from := first.AddDate(0, 0, -m.paymentWindow-1)
	to := last.AddDate(0, 0, 2)
	rows, err := tx.Query(ctx, query, companyID, from, to, maxPaymentsPerRun)
	if err != nil {
		return fmt.Errorf("read open payments: %w", err)
	}
	var p paymentRow
	_, err = pgx.ForEachRow(rows, p.fields(), func() error {
		m.targets = append(m.targets, p.target(loc))
		return nil
	})
	if err != nil {
		return fmt.Errorf("read open payments: %w", err)
	}
	return nil
}

// public turns candidates into their API form. A candidate's targets are
// of one kind.
func (m *matcher) public(cands []candidate) []Candidate {
	out := make([]Candidate, len(cands))
	for i, c := range cands {
		pc := Candidate{Target: targetInvoice, InvoiceIDs: []uuid.UUID{}, Payments: []PaymentRef{}, Score: c.score, Reasons: c.reasons}
		for _, ti := range c.targets {
			t := &m.targets[ti]
			if t.kind == targetPayment {
				pc.Target = targetPayment
				pc.Payments = append(pc.Payments, PaymentRef{Source: t.source, PaymentID: t.id})
				continue
			}
			pc.InvoiceIDs = append(pc.InvoiceIDs, t.id)
		}
		out[i] = pc
	}
	return out
}

// matchRecord is a match to record: a movement with invoices or with
// payments (one of the two lists is empty).
type matchRecord struct {
	movementID uuid.UUID
	invoiceIDs []uuid.UUID
	payments   []PaymentRef
	score      int
	reasons    map[string]int
	difference decimal.Decimal
	method     string
	note       string
}

// recordMatch stores a match made by actorID, claims its invoices or
// payments and marks the movement reconciled.
func recordMatch(ctx context.Context, tx pgx.Tx, companyID, actorID uuid.UUID, r matchRecord) (Match, error) {
	reasonsJSON, err := json.Marshal(r.reasons)
	if err != nil {
		return Match{}, fmt.Errorf("encode reasons: %w", err)
	}
	target := targetInvoice
	if len(r.payments) > 0 {
		target = targetPayment
	}
	invoiceIDs := r.invoiceIDs
	if invoiceIDs == nil {
		invoiceIDs = []uuid.UUID{}
	}
	sources := make([]string, len(r.payments))
	paymentIDs := make([]uuid.UUID, len(r.payments))
	for i, p := range r.payments {
		sources[i], paymentIDs[i] = p.Source, p.PaymentID
	}
	mt, err := scanMatch(tx.QueryRow(ctx, insertMatchSQL, companyID, r.movementID, target, invoiceIDs, sources, paymentIDs,
		r.score, reasonsJSON, r.difference, r.method, r.note, nullUUID(actorID)))
	if err != nil {
		return Match{}, fmt.Errorf("insert match: %w", err)
	}
	if target == targetPayment {
		if _, err := tx.Exec(ctx, insertMatchPaymentsSQL, companyID, mt.ID, sources, paymentIDs); err != nil {
			return Match{}, fmt.Errorf("claim payments: %w", err)
		}
	} else if _, err := tx.Exec(ctx, insertMatchInvoicesSQL, companyID, mt.ID, invoiceIDs); err != nil {
		return Match{}, fmt.Errorf("claim invoices: %w", err)
	}
	if _, err := tx.Exec(ctx, setMovementStatusSQL, companyID, r.movementID, statusReconciled); err != nil {
		return Match{}, fmt.Errorf("mark movement reconciled: %w", err)
	}
	return mt, nil
}
