package seed

import (
	"context"
	"fmt"
	"math/big"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// amount returns an amount in minor units (cents) as a NUMERIC value.
func amount(cents int64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(cents), Exp: -2, Valid: true}
}

// qty returns a whole quantity for a NUMERIC column (pgx encodes an int64
// without big-number arithmetic).
func qty(n int64) int64 { return n }

// micros returns a value in millionths as a NUMERIC value.
func micros(n int64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(n), Exp: -6, Valid: true}
}

// roundDiv divides a by b (b > 0), rounding half away from zero.
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return (2*a + b) / (2 * b)
}

// table is the rows buffered for one table.
type table struct {
	name string
	cols []string
	rows [][]any
}

// writer buffers rows per table and writes them with COPY in a fixed order
// that satisfies the foreign keys.
type writer struct {
	tx     pgx.Tx
	order  []*table
	byName map[string]*table
	counts map[string]int64
}

func newWriter(tx pgx.Tx) *writer {
	w := &writer{tx: tx, byName: map[string]*table{}, counts: map[string]int64{}}
	for _, t := range tables {
		tt := &table{name: t.name, cols: t.cols}
		w.order = append(w.order, tt)
		w.byName[t.name] = tt
	}
	return w
}

// add buffers one row of the named table; values follow tables' columns.
func (w *writer) add(name string, values ...any) {
	t := w.byName[name]
	if len(values) != len(t.cols) {
		panic(fmt.Sprintf("seed: %s takes %d values, got %d", name, len(t.cols), len(values)))
	}
	for i, v := range values {
		// uuid.UUID would be encoded through its text form.
		if u, ok := v.(uuid.UUID); ok {
			values[i] = pgtype.UUID{Bytes: u, Valid: true}
		}
	}
	t.rows = append(t.rows, values)
}

// flush writes every buffered row.
func (w *writer) flush(ctx context.Context) error {
	for _, t := range w.order {
		if len(t.rows) == 0 {
			continue
		}
		n, err := w.tx.CopyFrom(ctx, pgx.Identifier(splitName(t.name)), t.cols, pgx.CopyFromRows(t.rows))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", t.name, err)
		}
		w.counts[t.name] += n
		t.rows = t.rows[:0]
	}
	return nil
}

func splitName(name string) []string {
	for i := range len(name) {
		if name[i] == '.' {
			return []string{name[:i], name[i+1:]}
		}
	}
	return []string{name}
}
