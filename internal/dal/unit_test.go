package dal_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func testUnit(t *testing.T, fx *fixture) {
	ctx := context.Background()
	a := newActor()
	newUnit := func() *dal.Unit {
		u := dal.NewTenantUnit(fx.pool, a.CompanyID, testSchema)
		// Roll back whatever a failing test leaves open.
		t.Cleanup(func() { _ = u.Finish(ctx, false) })
		return u
	}
	exec := func(u *dal.Unit, ops ...*nexusv1.DBOp) error {
		return u.Run(ctx, func(tx pgx.Tx) error {
			_, err := dal.Exec(ctx, tx, fx.cat, fx.queries, a, ops)
			return err
		})
	}
	exists := func(id string) bool {
		_, err := fx.exec(t, a, getOp("items", id))
		if err == nil {
			return true
		}
		requireReason(t, err, dal.ReasonNotFound)
		return false
	}

	t.Run("rollback leaves nothing", func(t *testing.T) {
		u, id := newUnit(), uuid.NewString()
		ran := false
		u.AfterCommit(func() { ran = true })
		require.NoError(t, exec(u, insertOp("items", map[string]any{"id": id, "sku": id})))
		require.True(t, u.Began())
		require.NoError(t, u.Finish(ctx, false))
		require.False(t, exists(id))
		require.False(t, ran, "hooks never run on rollback")
	})
	t.Run("commit persists and then runs hooks", func(t *testing.T) {
		u, id := newUnit(), uuid.NewString()
		var order []int
		u.AfterCommit(func() { order = append(order, 1) })
		require.NoError(t, exec(u, insertOp("items", map[string]any{"id": id, "sku": id})))
		u.AfterCommit(func() { order = append(order, 2) })
		require.Empty(t, order, "hooks wait for the commit")
		require.NoError(t, u.Finish(ctx, true))
		require.Equal(t, []int{1, 2}, order)
		require.True(t, exists(id))
		u.AfterCommit(func() { order = append(order, 3) })
		require.Equal(t, []int{1, 2}, order, "hooks after Finish are ignored")
	})
	t.Run("an error fails the unit", func(t *testing.T) {
		u, id := newUnit(), uuid.NewString()
		ran := false
		u.AfterCommit(func() { ran = true })
		require.NoError(t, exec(u, insertOp("items", map[string]any{"id": id, "sku": id})))
		requireReason(t, exec(u, getOp("items", uuid.NewString())), dal.ReasonNotFound)
		require.True(t, u.Failed())
		called := false
		err := u.Run(ctx, func(pgx.Tx) error { called = true; return nil })
		require.ErrorIs(t, err, dal.ErrUnitFailed)
		require.False(t, called)
		require.ErrorIs(t, u.Finish(ctx, true), dal.ErrUnitFailed, "commit of a failed unit rolls back")
		require.False(t, ran)
		require.False(t, exists(id))
	})
	t.Run("lazy begin", func(t *testing.T) {
		var begun atomic.Int32
		begin := dal.TenantBegin(fx.pool, a.CompanyID, testSchema)
		u := dal.NewUnit(func(ctx context.Context) (pgx.Tx, error) {
			begun.Add(1)
			return begin(ctx)
		})
		t.Cleanup(func() { _ = u.Finish(ctx, false) })
		require.False(t, u.Began())
		require.NoError(t, u.Run(ctx, func(pgx.Tx) error { return nil }))
		require.False(t, u.Began(), "a call without statements does not begin")
		require.EqualValues(t, 0, begun.Load())
		for range 3 {
			require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, "SELECT 1")
				return err
			}))
		}
		require.EqualValues(t, 1, begun.Load())
		require.NoError(t, u.Finish(ctx, true))
	})
	t.Run("first batch carries the begin", func(t *testing.T) {
		u := dal.NewTenantUnit(fx.pool, a.CompanyID, testSchema)
		t.Cleanup(func() { _ = u.Finish(ctx, false) })
		var company, role string
		require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error {
			b := &pgx.Batch{}
			b.Queue(`SELECT current_setting('app.company_id')`).QueryRow(func(row pgx.Row) error { return row.Scan(&company) })
			b.Queue(`SELECT current_user`).QueryRow(func(row pgx.Row) error { return row.Scan(&role) })
			return tx.SendBatch(ctx, b).Close()
		}))
		require.True(t, u.Began())
		require.Equal(t, a.CompanyID.String(), company)
		require.Equal(t, migrate.TenantRole, role)
		var inTx bool
		require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT current_setting('app.company_id') = $1`, a.CompanyID.String()).Scan(&inTx)
		}))
		require.True(t, inTx, "later calls run in the same transaction")
		require.NoError(t, u.Finish(ctx, true))
	})
	t.Run("finish without work", func(t *testing.T) {
		u := dal.NewUnit(func(context.Context) (pgx.Tx, error) { return nil, errors.New("must not begin") })
		ran := false
		u.AfterCommit(func() { ran = true })
		require.NoError(t, u.Finish(ctx, true))
		require.True(t, ran)
		require.ErrorIs(t, u.Finish(ctx, true), dal.ErrUnitFinished)
		require.ErrorIs(t, u.Run(ctx, func(pgx.Tx) error { return nil }), dal.ErrUnitFinished)
	})
	t.Run("begin failure fails the unit", func(t *testing.T) {
		u := dal.NewTenantUnit(fx.pool, uuid.Nil, testSchema)
		require.ErrorIs(t, u.Run(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		}), dal.ErrNoTenant)
		require.True(t, u.Failed())
		require.NoError(t, u.Finish(ctx, false))
	})
	t.Run("tenant settings", func(t *testing.T) {
		u := newUnit()
		var role, company, path, timeout string
		require.NoError(t, u.Run(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT current_user, current_setting('app.company_id'),
				current_setting('search_path'), current_setting('lock_timeout')`).Scan(&role, &company, &path, &timeout)
		}))
		require.NoError(t, u.Finish(ctx, false))
		require.Equal(t, migrate.TenantRole, role)
		require.Equal(t, a.CompanyID.String(), company)
		require.Equal(t, `"testv", public`, path)
		require.Equal(t, dal.LockTimeout, timeout)

		// The settings end with the transaction.
		conn, err := fx.pool.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		require.NoError(t, conn.QueryRow(ctx, `SELECT current_user, coalesce(current_setting('app.company_id', true), '')`).Scan(&role, &company))
		require.NotEqual(t, migrate.TenantRole, role)
		require.Empty(t, company)
	})
	t.Run("concurrent calls are serialized", func(t *testing.T) {
		u, id := newUnit(), uuid.NewString()
		require.NoError(t, exec(u, insertOp("items", map[string]any{"id": id, "sku": id})))
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = exec(u, getOp("items", id), updateOp("items", id, map[string]any{"name": "n"}))
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.NoError(t, u.Finish(ctx, true))
		row := rowsOf(t, fx.must(t, a, getOp("items", id))[0])[0]
		require.Equal(t, "9", str(row["version"]))
	})
}
