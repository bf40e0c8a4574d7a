package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
)

// TenantTx runs fn in a tenant transaction of companyID in the host's
// schema, on db (the pool, or one connection taken from it), begun by dal.TenantBegin (the one tenant begin: role
// migrate.TenantRole, app.company_id, search_path and lock_timeout, all
// local to the transaction). It commits when fn returns nil and rolls back
// when fn fails or panics. The zero company id is dal.ErrNoTenant.
func TenantTx(ctx context.Context, db dal.Beginner, companyID uuid.UUID, fn func(pgx.Tx) error) error {
	tx, err := dal.TenantBegin(db, companyID, migrate.HostSchema)(ctx)
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
