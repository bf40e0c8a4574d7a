package dal

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lazyTx is the transaction a Unit hands to Run before it has begun: the
// first statement begins it, and a first batch sent with SendQualified
// carries the begin with it, so that the unit's first round trip does
// useful work. Run holds the unit's lock while lazyTx is in use.
type lazyTx struct {
	u *Unit
	// ctx is Run's context, for the methods that take none.
	ctx context.Context
}

// begin starts the unit's transaction with first's statements and returns
// their results.
func (l *lazyTx) begin(ctx context.Context, first *pgx.Batch) (pgx.Tx, pgx.BatchResults, error) {
	if l.u.tx != nil {
		if first == nil {
			return l.u.tx, nil, nil
		}
		return l.u.tx, l.u.tx.SendBatch(ctx, first), nil
	}
	tx, br, err := l.u.start(ctx, first)
	if err != nil {
		return nil, nil, err
	}
	l.u.tx = tx
	return tx, br, nil
}

// tx begins the transaction if needed and returns it.
func (l *lazyTx) tx(ctx context.Context) (pgx.Tx, error) {
	tx, br, err := l.begin(ctx, nil)
	if err != nil {
		return nil, err
	}
	if br != nil {
		if err := br.Close(); err != nil {
			return nil, err
		}
	}
	return tx, nil
}

// SendBatch implements pgx.Tx. A first batch waits for the begin: its
// statements may name tables through the search_path that the begin sets,
// and pgx prepares a batch's new statements before it runs any of them.
func (l *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	tx, err := l.tx(ctx)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return tx.SendBatch(ctx, b)
}

// SendQualified sends b in tx like tx.SendBatch. When tx is a unit's
// transaction that has not begun, the begin travels with b, in the same
// round trip: b's statements must then name every table with its schema,
// since they are prepared before the begin sets the search_path.
func SendQualified(ctx context.Context, tx pgx.Tx, b *pgx.Batch) pgx.BatchResults {
	l, ok := tx.(*lazyTx)
	if !ok {
		return tx.SendBatch(ctx, b)
	}
	_, br, err := l.begin(ctx, b)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return br
}

// Exec implements pgx.Tx.
func (l *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tx, err := l.tx(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return tx.Exec(ctx, sql, args...)
}

// Query implements pgx.Tx.
func (l *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	tx, err := l.tx(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Query(ctx, sql, args...)
}

// QueryRow implements pgx.Tx.
func (l *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	tx, err := l.tx(ctx)
	if err != nil {
		return errRow{err}
	}
	return tx.QueryRow(ctx, sql, args...)
}

// Begin implements pgx.Tx (a savepoint in the unit's transaction).
func (l *lazyTx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := l.tx(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Begin(ctx)
}

// Commit implements pgx.Tx. A unit's transaction ends with Unit.Finish: a
// transaction that has not begun has nothing to commit.
func (l *lazyTx) Commit(context.Context) error { return ErrUnitFinished }

// Rollback implements pgx.Tx; see Commit.
func (l *lazyTx) Rollback(context.Context) error { return ErrUnitFinished }

// CopyFrom implements pgx.Tx.
func (l *lazyTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := l.tx(ctx)
	if err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, table, columns, src)
}

// Prepare implements pgx.Tx.
func (l *lazyTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	tx, err := l.tx(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Prepare(ctx, name, sql)
}

// LargeObjects implements pgx.Tx, beginning with Run's context; the zero
// LargeObjects, which must not be used, when the transaction could not
// begin.
func (l *lazyTx) LargeObjects() pgx.LargeObjects {
	tx, err := l.tx(l.ctx)
	if err != nil {
		return pgx.LargeObjects{}
	}
	return tx.LargeObjects()
}

// Conn implements pgx.Tx, beginning with Run's context; nil when the
// transaction could not begin.
func (l *lazyTx) Conn() *pgx.Conn {
	tx, err := l.tx(l.ctx)
	if err != nil {
		return nil
	}
	return tx.Conn()
}

// errRow is a pgx.Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
