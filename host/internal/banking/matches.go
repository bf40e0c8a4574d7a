package banking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// Manual match bounds.
const (
	maxMatchInvoices = 50
	maxNoteLength    = 500
)

// NewMatch is the input of CreateMatch and the body of POST /matches: a
// movement with either invoices or payments.
type NewMatch struct {
	MovementID uuid.UUID    `json:"movement_id"`
	InvoiceIDs []uuid.UUID  `json:"invoice_ids"`
	Payments   []PaymentRef `json:"payments"`
	Note       string       `json:"note"`
}

// check validates the input that needs no database.
func (in *NewMatch) check() error {
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case in.MovementID == uuid.Nil:
		return errInvalid("invalid_field", "movement_id", "movement_id is required")
	case len(in.InvoiceIDs) > 0 && len(in.Payments) > 0:
		return errInvalid("invalid_field", "payments", "a match pays invoices or settles payments, not both: send invoice_ids or payments")
	case len(in.Payments) > maxMatchInvoices:
		return errInvalid("invalid_field", "payments", fmt.Sprintf("payments must list 1 to %d payments", maxMatchInvoices))
	case len(in.Payments) == 0 && (len(in.InvoiceIDs) == 0 || len(in.InvoiceIDs) > maxMatchInvoices):
		return errInvalid("invalid_field", "invoice_ids", fmt.Sprintf("invoice_ids must list 1 to %d invoices (or send payments)", maxMatchInvoices))
	case utf8.RuneCountInString(in.Note) > maxNoteLength:
		return errInvalid("invalid_field", "note", fmt.Sprintf("note may have at most %d characters", maxNoteLength))
	}
	seen := map[uuid.UUID]bool{}
	for _, id := range in.InvoiceIDs {
		if seen[id] {
			return errInvalid("invalid_field", "invoice_ids", "invoice_ids lists "+id.String()+" twice")
		}
		seen[id] = true
	}
	seenPayment := map[PaymentRef]bool{}
	for i, p := range in.Payments {
		field := fmt.Sprintf("payments[%d]", i)
		switch {
		case p.Source == "":
			return errInvalid("invalid_field", field+".source", "source is required")
		case p.PaymentID == uuid.Nil:
			return errInvalid("invalid_field", field+".payment_id", "payment_id is required")
		case seenPayment[p]:
			return errInvalid("invalid_field", "payments", "payments lists "+p.Source+" "+p.PaymentID.String()+" twice")
		}
		seenPayment[p] = true
	}
	return nil
}

// CreateMatch records a manual match of a movement with invoices or with
// payments of the verticals' payment sources, made by actorID. The
// invoices must be valid and unmatched, the payments unmatched; all in the
// movement's currency and moving money the movement's way. Their totals
// may differ from the movement (bank fees, partial payments): the
// difference is recorded. The score is computed as for automatic matches.
func (s *Service) CreateMatch(ctx context.Context, companyID, actorID uuid.UUID, in NewMatch) (Match, error) {
	if err := in.check(); err != nil {
		return Match{}, err
	}
	loc, err := s.location(ctx, companyID)
	if err != nil {
		return Match{}, err
	}
	var mt Match
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := lockMatches(ctx, tx, companyID); err != nil {
			return err
		}
		mv, err := scanMovement(tx.QueryRow(ctx, selectMovementForUpdateSQL, companyID, in.MovementID))
		if errors.Is(err, pgx.ErrNoRows) {
			return errMovementNotFound(in.MovementID.String())
		}
		if err != nil {
			return fmt.Errorf("read movement: %w", err)
		}
		var live uuid.UUID
		err = tx.QueryRow(ctx, liveMatchOfMovementSQL, companyID, in.MovementID).Scan(&live)
		switch {
		case err == nil:
			return errMovementMatched(live.String())
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("look up movement match: %w", err)
		}
		m := manualMatcher(mv)
		if len(in.Payments) > 0 {
			err = s.addManualPayments(ctx, tx, companyID, loc, m, in.Payments)
		} else {
			err = addManualInvoices(ctx, tx, companyID, loc, m, in.InvoiceIDs)
		}
		if err != nil {
			return err
		}
		sum := decimal.Zero
		for _, t := range m.targets {
			sum = sum.Add(t.total)
		}
		diff := m.movements[0].amount.Abs().Sub(sum)
		idx := make([]int, len(m.targets))
		for i := range idx {
			idx[i] = i
		}
		c := m.score(0, idx, diff.IsZero())
		mt, err = recordMatch(ctx, tx, companyID, actorID, matchRecord{
			movementID: in.MovementID, invoiceIDs: in.InvoiceIDs, payments: in.Payments,
			score: c.score, reasons: c.reasons, difference: diff, method: methodManual, note: in.Note,
		})
		return err
	})
	if err != nil {
		return Match{}, fmt.Errorf("create match: %w", err)
	}
	return mt, nil
}

// manualMatcher returns a matcher holding the movement of a manual match,
// for scoring; its targets are added next.
func manualMatcher(mv Movement) *matcher {
	posted, _ := time.Parse(time.DateOnly, mv.PostedOn)
	amount, _ := decimal.NewFromString(mv.Amount)
	m := &matcher{
		window:        DefaultWindowDays,
		paymentWindow: DefaultPaymentWindowDays,
		movements:     []movementIn{{id: mv.ID, postedOn: posted, amount: amount, currency: mv.Currency, text: normalizeText(mv.Description + " " + mv.Reference)}},
		tokens:        []map[string]bool{{}},
	}
	for _, t := range strings.Fields(m.movements[0].text) {
		m.tokens[0][t] = true
	}
	return m
}

// addManualInvoices reads and checks the invoices of a manual match and
// adds them to m, in the order of ids.
func addManualInvoices(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, m *matcher, ids []uuid.UUID) error {
	mv := m.movements[0]
	rows, err := tx.Query(ctx, selectInvoicesForMatchSQL, companyID, ids)
	if err != nil {
		return fmt.Errorf("read invoices: %w", err)
	}
	byID := map[uuid.UUID]targetIn{}
	var (
		inv                               targetIn
		invoiceUUID                       uuid.UUID
		fecha                             time.Time
		tipo, direction, emisor, receptor string
		status                            string
		matchID                           *uuid.UUID
		problem                           error
	)
	_, err = pgx.ForEachRow(rows, []any{&inv.id, &invoiceUUID, &inv.serie, &inv.folio, &fecha, &tipo, &direction,
		&emisor, &receptor, &inv.total, &inv.currency, &status, &matchID}, func() error {
		switch {
		case problem != nil:
		case status != "valid":
			problem = errInvoiceCancelled(inv.id.String())
		case matchID != nil:
			problem = errInvoiceMatched(inv.id.String(), matchID.String())
		case tipo != "I" && tipo != "E":
			problem = errInvalid("invoice_not_payable", "invoice_ids",
				fmt.Sprintf("invoice %s is of tipo %s; only ingreso (I) and egreso (E) invoices are paid", inv.id, tipo))
		case inv.currency != mv.currency:
			problem = errCurrencyMismatch("invoice "+inv.id.String(), inv.currency, mv.currency,
				map[string]any{"field": "invoice_ids", "invoice_id": inv.id.String()})
		case moneyIn(direction, tipo) != mv.amount.IsPositive():
			problem = errInvalid("direction_mismatch", "invoice_ids",
				fmt.Sprintf("invoice %s moves money the other way than the movement (a deposit pays issued invoices, a withdrawal received ones)", inv.id))
		}
		byID[inv.id] = invoiceTarget(inv, invoiceUUID, fecha, tipo, direction, emisor, receptor, loc)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read invoices: %w", err)
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			return errInvoiceNotFound(id.String())
		}
	}
	if problem != nil {
		return problem
	}
	for _, id := range ids {
		m.targets = append(m.targets, byID[id])
	}
	return nil
}

// addManualPayments reads and checks the payments of a manual match and
// adds them to m, in the order of refs.
func (s *Service) addManualPayments(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, m *matcher, refs []PaymentRef) error {
	query := s.paymentQuery(selectPaymentsForMatchSQL)
	if query == "" {
		return errPaymentNotFound(refs[0])
	}
	sources := make([]string, len(refs))
	ids := make([]uuid.UUID, len(refs))
	for i, r := range refs {
		sources[i], ids[i] = r.Source, r.PaymentID
	}
	rows, err := tx.Query(ctx, query, companyID, sources, ids)
	if err != nil {
		return fmt.Errorf("read payments: %w", err)
	}
	mv := m.movements[0]
	byRef := map[PaymentRef]targetIn{}
	var (
		p       paymentRow
		matchID *uuid.UUID
		problem error
	)
	_, err = pgx.ForEachRow(rows, append(p.fields(), &matchID), func() error {
		switch {
		case problem != nil:
		case matchID != nil:
			problem = errPaymentMatched(p.ref, matchID.String())
		case p.currency != mv.currency:
			problem = errCurrencyMismatch("payment "+p.ref.PaymentID.String(), p.currency, mv.currency,
				map[string]any{"field": "payments", "source": p.ref.Source, "payment_id": p.ref.PaymentID.String()})
		case p.amount.IsPositive() != mv.amount.IsPositive():
			problem = errInvalid("direction_mismatch", "payments",
				fmt.Sprintf("payment %s moves money the other way than the movement (a deposit settles payments, a withdrawal refunds)", p.ref.PaymentID))
		}
		byRef[p.ref] = p.target(loc)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read payments: %w", err)
	}
	for _, r := range refs {
		if _, ok := byRef[r]; !ok {
			return errPaymentNotFound(r)
		}
	}
	if problem != nil {
		return problem
	}
	for _, r := range refs {
		m.targets = append(m.targets, byRef[r])
	}
	return nil
}

// UndoMatch undoes a live match: it stays in bank_matches with undone_at
// and undone_by (actorID), its invoices or payments are free again and its
// movement unreconciled. An undone match is 409 match_already_undone.
func (s *Service) UndoMatch(ctx context.Context, companyID, actorID, matchID uuid.UUID) (Match, error) {
	var mt Match
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := lockMatches(ctx, tx, companyID); err != nil {
			return err
		}
		cur, err := scanMatch(tx.QueryRow(ctx, selectMatchForUpdateSQL, companyID, matchID))
		if errors.Is(err, pgx.ErrNoRows) {
			return errMatchNotFound()
		}
		if err != nil {
			return fmt.Errorf("read match: %w", err)
		}
		if cur.UndoneAt != nil {
			return errMatchUndone()
		}
		if mt, err = scanMatch(tx.QueryRow(ctx, undoMatchSQL, companyID, matchID, nullUUID(actorID))); err != nil {
			return fmt.Errorf("undo match: %w", err)
		}
		if _, err := tx.Exec(ctx, undoMatchInvoicesSQL, companyID, matchID); err != nil {
			return fmt.Errorf("release invoices: %w", err)
		}
		if _, err := tx.Exec(ctx, undoMatchPaymentsSQL, companyID, matchID); err != nil {
			return fmt.Errorf("release payments: %w", err)
		}
		if _, err := tx.Exec(ctx, setMovementStatusSQL, companyID, cur.MovementID, statusUnreconciled); err != nil {
			return fmt.Errorf("mark movement unreconciled: %w", err)
		}
		return nil
	})
	if err != nil {
		return Match{}, fmt.Errorf("undo match: %w", err)
	}
	return mt, nil
}

// MatchFilter selects matches; zero fields do not filter.
type MatchFilter struct {
	MovementID uuid.UUID
	InvoiceID  uuid.UUID
	PaymentID  uuid.UUID
	// LiveOnly leaves out undone matches.
	LiveOnly bool
	Cursor   string
	// Limit is the page size, 1–500; 0 means 100.
	Limit int
}

// matchCursor is the keyset position of the match list.
type matchCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// Matches returns a page of companyID's matches, newest first (undone
// ones included unless LiveOnly), and the cursor of the next page.
func (s *Service) Matches(ctx context.Context, companyID uuid.UUID, f MatchFilter) ([]Match, string, error) {
	f.Limit = pageLimit(f.Limit)
	var after matchCursor
	var afterAt *time.Time
	if f.Cursor != "" {
		if err := httpx.DecodeCursor(f.Cursor, &after); err != nil {
			return nil, "", err
		}
		afterAt = &after.CreatedAt
	}
	var out []Match
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listMatchesSQL, companyID, nullUUID(f.MovementID), nullUUID(f.InvoiceID), nullUUID(f.PaymentID), !f.LiveOnly,
			afterAt, after.ID, f.Limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Match, error) { return scanMatch(row) })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list matches: %w", err)
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = httpx.EncodeCursor(matchCursor{CreatedAt: out[f.Limit-1].CreatedAt, ID: out[f.Limit-1].ID})
	}
	return out, next, nil
}
