package fiscal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// Page sizes of the list.
const defaultPageSize = 50

// ListFilter selects documents; zero fields do not filter.
type ListFilter struct {
	Status   fiscal.Status
	Kind     fiscal.Kind
	Vertical string
	SourceID string
	// From and To bound the creation time: From <= created_at < To.
	From, To time.Time
	Cursor   string
	// Limit is the page size (1–500); 0 means 50.
	Limit int
}

// listCursor is the keyset position after the last row of a page.
type listCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// List returns a page of the company's documents, newest first, without
// their inputs, and the next page's cursor ("" on the last page).
func (s *Service) List(ctx context.Context, companyID uuid.UUID, f ListFilter) ([]fiscal.Document, string, error) {
	limit := f.Limit
	if limit == 0 {
		limit = defaultPageSize
	}
	if limit < 1 || limit > httpx.MaxLimit {
		return nil, "", httpx.InvalidLimit(httpx.MaxLimit)
	}
	var after *listCursor
	if f.Cursor != "" {
		after = &listCursor{}
		if err := httpx.DecodeCursor(f.Cursor, after); err != nil {
			return nil, "", err
		}
	}
	query, args := listQuery(companyID, f, after, limit)
	out := []fiscal.Document{}
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDocument(rows)
			if err != nil {
				return err
			}
			d.Input = nil
			out = append(out, d.Document)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", fmt.Errorf("list fiscal documents: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = httpx.EncodeCursor(listCursor{At: last.CreatedAt, ID: last.ID})
	}
	return out, next, nil
}

// listQuery assembles the list query; every value is bound.
func listQuery(companyID uuid.UUID, f ListFilter, after *listCursor, limit int) (string, []any) {
	var b strings.Builder
	b.WriteString(listBaseSQL)
	args := []any{companyID}
	add := func(cond string, v any) {
		args = append(args, v)
		fmt.Fprintf(&b, cond, len(args))
	}
	if f.Status != "" {
		add(" AND status = $%d", f.Status)
	}
	if f.Kind != "" {
		add(" AND kind = $%d", f.Kind)
	}
	if f.Vertical != "" {
		add(" AND vertical = $%d", f.Vertical)
	}
	if f.SourceID != "" {
		add(" AND source_id = $%d", f.SourceID)
	}
	if !f.From.IsZero() {
		add(" AND created_at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add(" AND created_at < $%d", f.To)
	}
	if after != nil {
		args = append(args, after.At, after.ID)
		fmt.Fprintf(&b, " AND (created_at, id) < ($%d, $%d)", len(args)-1, len(args))
	}
	args = append(args, limit+1)
	fmt.Fprintf(&b, listOrder, len(args))
	return b.String(), args
}
