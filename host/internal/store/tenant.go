package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/migrate"
)

// ErrNoTenant is returned when a tenant transaction is asked for the zero
// company id.
var ErrNoTenant = errors.New("store: tenant transaction without a company id")

// BeginTenant begins a transaction confined to companyID: its first
// statement switches to migrate.TenantRole and sets app.company_id, both
// local to the transaction. The caller must Commit or Rollback it.
func BeginTenant(ctx context.Context, pool *pgxpool.Pool, companyID uuid.UUID) (pgx.Tx, error) {
	if companyID == uuid.Nil {
		return nil, ErrNoTenant
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin tenant transaction: %w", err)
	}
	if err := EnterTenant(ctx, tx, companyID); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("begin tenant transaction: %w", err)
	}
	return tx, nil
}

// EnterTenant confines the open transaction tx to companyID from its next
// statement to its end, as BeginTenant does from the start: for work that
// must first touch platform tables (creating a user) and then one company's
// rows, atomically. There is no way back within tx.
func EnterTenant(ctx context.Context, tx pgx.Tx, companyID uuid.UUID) error {
	if companyID == uuid.Nil {
		return ErrNoTenant
	}
	if _, err := tx.Exec(ctx, setTenantSQL, migrate.TenantRole, companyID.String()); err != nil {
		return fmt.Errorf("set tenant: %w", err)
	}
	return nil
}

// TenantTx runs fn in a transaction begun by BeginTenant. It commits when
// fn returns nil and rolls back when fn fails or panics.
func TenantTx(ctx context.Context, pool *pgxpool.Pool, companyID uuid.UUID, fn func(pgx.Tx) error) error {
	tx, err := BeginTenant(ctx, pool, companyID)
	if err != nil {
		return err
	}
	// After a commit this is a no-op; otherwise (an error or a panic) it
	// rolls back, even when ctx is already cancelled.
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit tenant transaction: %w", err)
	}
	return nil
}
