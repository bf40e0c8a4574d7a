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

// NewMatch is the input of CreateMatch and the body of POST /matches.
type NewMatch struct {
	MovementID uuid.UUID   `json:"movement_id"`
	InvoiceIDs []uuid.UUID `json:"invoice_ids"`
	Note       string      `json:"note"`
}

// CreateMatch records a manual match of a movement with invoices, made by
// actorID. The invoices must be valid, unmatched, in the movement's
// currency and move money the movement's way; their totals may differ from
// the movement (bank fees, partial payments): the difference is recorded.
// The score is computed as for automatic matches.
func (s *Service) CreateMatch(ctx context.Context, companyID, actorID uuid.UUID, in NewMatch) (Match, error) {
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case in.MovementID == uuid.Nil:
		return Match{}, errInvalid("invalid_field", "movement_id", "movement_id is required")
	case len(in.InvoiceIDs) == 0 || len(in.InvoiceIDs) > maxMatchInvoices:
		return Match{}, errInvalid("invalid_field", "invoice_ids", fmt.Sprintf("invoice_ids must list 1 to %d invoices", maxMatchInvoices))
	case utf8.RuneCountInString(in.Note) > maxNoteLength:
		return Match{}, errInvalid("invalid_field", "note", fmt.Sprintf("note may have at most %d characters", maxNoteLength))
	}
	seen := map[uuid.UUID]bool{}
	for _, id := range in.InvoiceIDs {
		if seen[id] {
			return Match{}, errInvalid("invalid_field", "invoice_ids", "invoice_ids lists "+id.String()+" twice")
		}
		seen[id] = true
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
		m, err := manualMatcher(ctx, tx, companyID, loc, mv, in.InvoiceIDs)
		if err != nil {
			return err
		}
		sum := decimal.Zero
		for _, inv := range m.invoices {
			sum = sum.Add(inv.total)
		}
		diff := m.movements[0].amount.Abs().Sub(sum)
		idx := make([]int, len(m.invoices))
		for i := range idx {
			idx[i] = i
		}
		c := m.score(0, idx, diff.IsZero())
		mt, err = recordMatch(ctx, tx, companyID, actorID, in.MovementID, in.InvoiceIDs, c.score, c.reasons, diff, methodManual, in.Note)
		return err
	})
	if err != nil {
		return Match{}, fmt.Errorf("create match: %w", err)
	}
	return mt, nil
}

// manualMatcher reads and checks the invoices of a manual match and
// returns a matcher holding them and the movement, for scoring.
func manualMatcher(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, loc *time.Location, mv Movement, ids []uuid.UUID) (*matcher, error) {
	posted, _ := time.Parse(time.DateOnly, mv.PostedOn)
	amount, _ := decimal.NewFromString(mv.Amount)
	m := &matcher{
		window:    DefaultWindowDays,
		movements: []movementIn{{id: mv.ID, postedOn: posted, amount: amount, currency: mv.Currency, text: normalizeText(mv.Description + " " + mv.Reference)}},
		tokens:    []map[string]bool{{}},
	}
	for _, t := range strings.Fields(m.movements[0].text) {
		m.tokens[0][t] = true
	}
	rows, err := tx.Query(ctx, selectInvoicesForMatchSQL, companyID, ids)
	if err != nil {
		return nil, fmt.Errorf("read invoices: %w", err)
	}
	byID := map[uuid.UUID]invoiceIn{}
	var (
		inv                               invoiceIn
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
		case inv.currency != mv.Currency:
			problem = httpx.Unprocessable("currency_mismatch",
				fmt.Sprintf("invoice %s is in %s but the movement is in %s", inv.id, inv.currency, mv.Currency)).
				WithDetails(map[string]any{"field": "invoice_ids", "invoice_id": inv.id.String()})
		case moneyIn(direction, tipo) != amount.IsPositive():
			problem = errInvalid("direction_mismatch", "invoice_ids",
				fmt.Sprintf("invoice %s moves money the other way than the movement (a deposit pays issued invoices, a withdrawal received ones)", inv.id))
		}
		inv.uuid = invoiceUUID.String()
		y, mo, d := fecha.In(loc).Date()
		inv.day = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
		inv.moneyIn = moneyIn(direction, tipo)
		inv.counterparty = receptor
		if direction == "received" {
			inv.counterparty = emisor
		}
		byID[inv.id] = inv
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read invoices: %w", err)
	}
	for _, id := range ids {
		if _, ok := byID[id]; !ok {
			return nil, errInvoiceNotFound(id.String())
		}
	}
	if problem != nil {
		return nil, problem
	}
	for _, id := range ids {
		m.invoices = append(m.invoices, byID[id])
	}
	return m, nil
}

// UndoMatch undoes a live match: it stays in bank_matches with undone_at
// and undone_by (actorID), its invoices are free again and its movement
// unreconciled. An undone match is 409 match_already_undone.
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
		rows, err := tx.Query(ctx, listMatchesSQL, companyID, nullUUID(f.MovementID), nullUUID(f.InvoiceID), !f.LiveOnly,
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
