package invoices

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// Page sizes of the list.
const (
	defaultPageSize = 50
	maxPageSize     = httpx.MaxLimit
)

// ListFilter selects invoices; zero fields do not filter.
type ListFilter struct {
	// From and To bound Fecha: From <= fecha < To.
	From, To time.Time
	// Tipos keeps the invoices of these TipoDeComprobante values.
	Tipos []string
	// Direction is DirectionIssued or DirectionReceived.
	Direction string
	// RFC keeps invoices where it is the Emisor or the Receptor RFC.
	RFC string
	// Status is StatusValid or StatusCancelled.
	Status string
	// UUID is the TimbreFiscalDigital UUID.
	UUID string
	// Cursor is the next_cursor of the previous page.
	Cursor string
	// Limit is the page size (1–500); 0 means 50.
	Limit int
}

// listCursor is the keyset position after the last row of a page.
type listCursor struct {
	Fecha time.Time `json:"f"`
	ID    uuid.UUID `json:"i"`
}

// List returns a page of companyID's invoices, newest Fecha first, and the
// cursor of the next page ("" on the last page).
func (s *Service) List(ctx context.Context, companyID uuid.UUID, f ListFilter) ([]Invoice, string, error) {
	limit := f.Limit
	if limit == 0 {
		limit = defaultPageSize
	}
	if limit < 1 || limit > maxPageSize {
		return nil, "", httpx.InvalidLimit(maxPageSize)
	}
	var after *listCursor
	if f.Cursor != "" {
		after = &listCursor{}
		if err := httpx.DecodeCursor(f.Cursor, after); err != nil {
			return nil, "", err
		}
	}
	query, args := listQuery(companyID, f, after, limit)
	var out []Invoice
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Invoice, error) {
			return scanInvoice(row)
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list invoices: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = httpx.EncodeCursor(listCursor{Fecha: last.Fecha, ID: last.ID})
	}
	return out, next, nil
}

// listQuery assembles the list query from the fixed pieces in queries.go;
// every value is bound.
func listQuery(companyID uuid.UUID, f ListFilter, after *listCursor, limit int) (string, []any) {
	var b strings.Builder
	b.WriteString(listBaseSQL)
	args := []any{companyID}
	add := func(cond string, vals ...any) {
		positions := make([]any, len(vals))
		for i, v := range vals {
			args = append(args, v)
			positions[i] = len(args)
		}
		fmt.Fprintf(&b, cond, positions...)
	}
	if !f.From.IsZero() {
		add(listFromCond, f.From)
	}
	if !f.To.IsZero() {
		add(listToCond, f.To)
	}
	if len(f.Tipos) > 0 {
		add(listTipoCond, f.Tipos)
	}
	if f.Direction != "" {
		add(listDirectionCond, f.Direction)
	}
	if f.RFC != "" {
		add(listRFCCond, f.RFC)
	}
	if f.Status != "" {
		add(listStatusCond, f.Status)
	}
	if f.UUID != "" {
		add(listUUIDCond, f.UUID)
	}
	if after != nil {
		add(listAfterCond, after.Fecha, after.ID)
	}
	add(listOrderSQL, limit+1)
	return b.String(), args
}
