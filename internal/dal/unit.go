package dal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/sdk/kind"
)

// LockTimeout is the lock_timeout of transactions begun by TenantBegin.
const LockTimeout = "5s"

// Errors of a Unit used after a failure or after Finish.
var (
	// ErrUnitFailed is returned by Run once an earlier call failed: the
	// transaction will be rolled back.
	ErrUnitFailed = &Error{Kind: kind.Conflict, Reason: ReasonTransactionFailed,
		Message: "an earlier data operation of this request failed; its transaction will be rolled back"}
	// ErrUnitFinished is returned by Run and Finish after Finish.
	ErrUnitFinished = &Error{Kind: kind.Unprocessable, Reason: ReasonTransactionEnded,
		Message: "the request's transaction has already ended"}
)

// Beginner begins transactions by sending a batch that starts with a
// begin (pgx.Batch.BeginTx); *pgxpool.Pool satisfies it.
type Beginner interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Starter begins a transaction and runs the statements queued in first
// (which may be nil) in it, in the same round trip. The results of first
// are read from the returned BatchResults, which the caller must close;
// the transaction stays open after that. pgx prepares first's new
// statements before the begin's settings run, so they must name every
// table with its schema (see SendQualified).
type Starter func(ctx context.Context, first *pgx.Batch) (pgx.Tx, pgx.BatchResults, error)

// ErrNoTenant is returned when a tenant transaction is asked for the zero
// company id.
var ErrNoTenant = errors.New("tenant transaction without a company id")

// searchPath is the search_path of a tenant transaction in schema: the
// schema, then the host's.
func searchPath(schema string) string {
	if schema == migrate.HostSchema {
		return pgx.Identifier{schema}.Sanitize()
	}
	return pgx.Identifier{schema}.Sanitize() + ", " + migrate.HostSchema
}

// TenantStart returns a Starter of tenant transactions, the one way a
// transaction is confined to a company (the host's own tenant transactions
// begin here too): in one round trip it begins a transaction on db,
// switches it to migrate.TenantRole, sets app.company_id to companyID,
// search_path to schema then public, and lock_timeout to LockTimeout, all
// local to the transaction, and sends the statements of first.
func TenantStart(db Beginner, companyID uuid.UUID, schema string) Starter {
	return tenantStart(db, companyID, schema, nil)
}

// tenantStart is TenantStart running the statements of prelude first, as
// the connecting role, before the switch to migrate.TenantRole.
func tenantStart(db Beginner, companyID uuid.UUID, schema string, prelude []string) Starter {
	path := searchPath(schema)
	return func(ctx context.Context, first *pgx.Batch) (pgx.Tx, pgx.BatchResults, error) {
		if companyID == uuid.Nil {
			return nil, nil, fmt.Errorf("begin tenant transaction: %w", ErrNoTenant)
		}
		b := &pgx.Batch{}
		b.BeginTx(pgx.TxOptions{})
		for _, sql := range prelude {
			b.Queue(sql)
		}
		b.Queue(tenantBeginSQL, migrate.TenantRole, companyID.String(), path, LockTimeout)
		if first != nil {
			b.QueuedQueries = append(b.QueuedQueries, first.QueuedQueries...)
		}
		br := db.SendBatch(ctx, b)
		tx := br.Tx()
		for range 2 + len(prelude) {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				_ = tx.Rollback(context.WithoutCancel(ctx))
				return nil, nil, fmt.Errorf("begin tenant transaction: %w", err)
			}
		}
		return tx, br, nil
	}
}

// TenantBegin returns a begin function for NewUnit that begins a tenant
// transaction as TenantStart does, in one round trip.
func TenantBegin(db Beginner, companyID uuid.UUID, schema string) func(context.Context) (pgx.Tx, error) {
	start := TenantStart(db, companyID, schema)
	return func(ctx context.Context) (pgx.Tx, error) {
		tx, br, err := start(ctx, nil)
		if err != nil {
			return nil, err
		}
		if err := br.Close(); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("begin tenant transaction: %w", err)
		}
		return tx, nil
	}
}

// EnterTenant confines the open transaction tx to companyID from its next
// statement to its end, with the settings TenantStart begins with: for
// work that must first touch platform tables (creating a user) and then
// one company's rows, atomically. There is no way back within tx.
func EnterTenant(ctx context.Context, tx pgx.Tx, companyID uuid.UUID, schema string) error {
	if companyID == uuid.Nil {
		return fmt.Errorf("enter tenant: %w", ErrNoTenant)
	}
	if _, err := tx.Exec(ctx, tenantBeginSQL, migrate.TenantRole, companyID.String(), searchPath(schema), LockTimeout); err != nil {
		return fmt.Errorf("enter tenant: %w", err)
	}
	return nil
}

// Unit is a request's unit of work: one transaction, begun on first use
// and ended by Finish. Calls are serialized (a pgx.Tx is not safe for
// concurrent use). Once a call fails, the unit is failed: later Run calls
// return ErrUnitFailed and Finish rolls back.
type Unit struct {
	start Starter

	mu       sync.Mutex
	tx       pgx.Tx
	failed   bool
	finished bool
	hooks    []func()
}

// NewUnit returns a unit that begins its transaction with begin.
func NewUnit(begin func(ctx context.Context) (pgx.Tx, error)) *Unit {
	return &Unit{start: func(ctx context.Context, first *pgx.Batch) (pgx.Tx, pgx.BatchResults, error) {
		tx, err := begin(ctx)
		if err != nil {
			return nil, nil, err
		}
		if first == nil {
			first = &pgx.Batch{}
		}
		return tx, tx.SendBatch(ctx, first), nil
	}}
}

// NewTenantUnit returns a unit of tenant transactions (see TenantStart)
// whose begin travels with the unit's first statements: a unit whose first
// call sends a batch (as Exec does) begins in that batch's round trip.
func NewTenantUnit(db Beginner, companyID uuid.UUID, schema string) *Unit {
	return &Unit{start: TenantStart(db, companyID, schema)}
}

// Run calls fn with the unit's transaction. A unit not begun yet hands fn a
// transaction that begins on its first statement, together with it when
// that statement is a batch. An error from beginning or from fn fails the
// unit and is returned as is.
func (u *Unit) Run(ctx context.Context, fn func(pgx.Tx) error) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.finished:
		return ErrUnitFinished
	case u.failed:
		return ErrUnitFailed
	}
	tx := u.tx
	if tx == nil {
		tx = &lazyTx{u: u, ctx: ctx}
	}
	if err := fn(tx); err != nil {
		u.failed = true
		return err
	}
	return nil
}

// Began reports whether the unit's transaction was begun.
func (u *Unit) Began() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.tx != nil
}

// Failed reports whether a call of the unit failed.
func (u *Unit) Failed() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.failed
}

// AfterCommit registers fn to run after the unit commits successfully
// (cache invalidation, outbox wake-ups). Hooks run in registration order;
// they never run when the unit rolls back, and hooks registered after
// Finish are ignored.
func (u *Unit) AfterCommit(fn func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.finished {
		u.hooks = append(u.hooks, fn)
	}
}

// Finish ends the unit: when commit is set and the unit has not failed it
// commits (if begun) and then runs the AfterCommit hooks; otherwise it
// rolls back (even when ctx is done). Finishing a failed unit with commit
// set rolls back and returns ErrUnitFailed. A second Finish returns
// ErrUnitFinished.
func (u *Unit) Finish(ctx context.Context, commit bool) error {
	u.mu.Lock()
	if u.finished {
		u.mu.Unlock()
		return ErrUnitFinished
	}
	u.finished = true
	tx, failed, hooks := u.tx, u.failed, u.hooks
	u.hooks = nil
	u.mu.Unlock()

	if !commit || failed {
		if tx != nil {
			if err := tx.Rollback(context.WithoutCancel(ctx)); err != nil {
				return fmt.Errorf("roll back unit of work: %w", err)
			}
		}
		if commit {
			return ErrUnitFailed
		}
		return nil
	}
	if tx != nil {
		if err := tx.Commit(ctx); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("commit unit of work: %w", err)
		}
	}
	for _, fn := range hooks {
		fn()
	}
	return nil
}
