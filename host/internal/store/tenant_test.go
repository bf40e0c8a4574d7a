package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// tenants holds two companies: a with one vertical and one member, b with
// two of each, so a row count tells them apart.
type tenants struct {
	a, b uuid.UUID
}

// seedTenants writes two companies' rows through the superuser pool.
func seedTenants(t *testing.T, pool *pgxpool.Pool) tenants {
	t.Helper()
	ctx := t.Context()
	var ts tenants
	for i, id := range []*uuid.UUID{&ts.a, &ts.b} {
		require.NoError(t, pool.QueryRow(ctx,
			`INSERT INTO companies (name, country, currency, tax_id, timezone)
			 VALUES ($1, 'MX', 'MXN', $2, 'America/Mexico_City') RETURNING id`,
			fmt.Sprintf("Company %d", i), fmt.Sprintf("TAX%d", i)).Scan(id))
		for j := range i + 1 {
			var user uuid.UUID
			require.NoError(t, pool.QueryRow(ctx,
				`INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
				fmt.Sprintf("u%d-%d@example.com", i, j)).Scan(&user))
			_, err := pool.Exec(ctx, `INSERT INTO memberships (company_id, user_id, role) VALUES ($1, $2, 'owner')`, *id, user)
			require.NoError(t, err)
			_, err = pool.Exec(ctx, `INSERT INTO company_verticals (company_id, vertical, enabled) VALUES ($1, $2, true)`,
				*id, fmt.Sprintf("v%d", j))
			require.NoError(t, err)
		}
	}
	return ts
}

func requireSQLState(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	require.Equal(t, code, pgErr.Code, pgErr.Message)
}

func TestTenantTxIsolation(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ts := seedTenants(t, pool)

	tests := []struct {
		name string
		run  func(t *testing.T, tx pgx.Tx)
	}{
		{"runs as the tenant role for its company", func(t *testing.T, tx pgx.Tx) {
			var user, company string
			require.NoError(t, tx.QueryRow(t.Context(), `SELECT current_user, current_setting('app.company_id')`).Scan(&user, &company))
			require.Equal(t, migrate.TenantRole, user)
			require.Equal(t, ts.a.String(), company)
		}},
		{"sees only its own rows", func(t *testing.T, tx pgx.Tx) {
			for _, table := range []string{"memberships", "company_verticals"} {
				var n, foreign int
				require.NoError(t, tx.QueryRow(t.Context(),
					`SELECT count(*), count(*) FILTER (WHERE company_id <> $1) FROM `+table, ts.a).Scan(&n, &foreign))
				require.Equal(t, 1, n, table)
				require.Zero(t, foreign, table)
			}
		}},
		{"cannot update or delete another company's rows", func(t *testing.T, tx pgx.Tx) {
			tag, err := tx.Exec(t.Context(), `UPDATE company_verticals SET enabled = false WHERE company_id = $1`, ts.b)
			require.NoError(t, err)
			require.Zero(t, tag.RowsAffected())
			tag, err = tx.Exec(t.Context(), `DELETE FROM company_verticals WHERE company_id = $1`, ts.b)
			require.NoError(t, err)
			require.Zero(t, tag.RowsAffected())
		}},
		{"only reads members (host migration 0011)", func(t *testing.T, tx pgx.Tx) {
			_, err := tx.Exec(t.Context(), `DELETE FROM memberships WHERE company_id = $1`, ts.a)
			requireSQLState(t, err, "42501")
		}},
		{"cannot insert for another company", func(t *testing.T, tx pgx.Tx) {
			_, err := tx.Exec(t.Context(), `INSERT INTO company_verticals (company_id, vertical, enabled) VALUES ($1, 'x', true)`, ts.b)
			requireSQLState(t, err, "42501")
		}},
		{"cannot move its row to another company", func(t *testing.T, tx pgx.Tx) {
			_, err := tx.Exec(t.Context(), `UPDATE company_verticals SET company_id = $1`, ts.b)
			requireSQLState(t, err, "42501")
		}},
		{"can write its own rows", func(t *testing.T, tx pgx.Tx) {
			tag, err := tx.Exec(t.Context(), `INSERT INTO company_verticals (company_id, vertical, enabled) VALUES ($1, 'x', true)`, ts.a)
			require.NoError(t, err)
			require.EqualValues(t, 1, tag.RowsAffected())
			tag, err = tx.Exec(t.Context(), `UPDATE company_verticals SET enabled = false`)
			require.NoError(t, err)
			require.EqualValues(t, 2, tag.RowsAffected())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tx, err := dal.TenantBegin(pool, ts.a, migrate.HostSchema)(t.Context())
			require.NoError(t, err)
			defer func() { require.NoError(t, tx.Rollback(context.WithoutCancel(t.Context()))) }()
			tt.run(t, tx)
		})
	}
}

func TestTenantTxCommitRollback(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ts := seedTenants(t, pool)
	insert := func(vertical string) func(pgx.Tx) error {
		return func(tx pgx.Tx) error {
			_, err := tx.Exec(t.Context(), `INSERT INTO company_verticals (company_id, vertical, enabled) VALUES ($1, $2, true)`, ts.a, vertical)
			return err
		}
	}
	errBoom := errors.New("boom")

	require.NoError(t, store.TenantTx(t.Context(), pool, ts.a, insert("committed")))

	err := store.TenantTx(t.Context(), pool, ts.a, func(tx pgx.Tx) error {
		require.NoError(t, insert("failed")(tx))
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)

	require.PanicsWithValue(t, "kaboom", func() {
		_ = store.TenantTx(t.Context(), pool, ts.a, func(tx pgx.Tx) error {
			require.NoError(t, insert("panicked")(tx))
			panic("kaboom")
		})
	})

	require.ErrorIs(t, store.TenantTx(t.Context(), pool, uuid.Nil, insert("nil")), dal.ErrNoTenant)

	rows, err := pool.Query(t.Context(), `SELECT vertical FROM company_verticals WHERE company_id = $1 ORDER BY vertical`, ts.a)
	require.NoError(t, err)
	verticals, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"committed", "v0"}, verticals)
}

func TestTenantTxConcurrentNeverLeaks(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(pgtest.NewDatabase(t))
	require.NoError(t, err)
	q := u.Query()
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	pool := storetest.OpenPool(t, u.String(), true)
	ts := seedTenants(t, pool)
	want := map[uuid.UUID]int{ts.a: 1, ts.b: 2}

	const workers = 200
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		company := ts.a
		if i%2 == 1 {
			company = ts.b
		}
		wg.Go(func() {
			errs <- store.TenantTx(t.Context(), pool, company, func(tx pgx.Tx) error {
				var setting, user string
				var members, verticals int
				err := tx.QueryRow(t.Context(), `
					SELECT current_setting('app.company_id'), current_user,
					       (SELECT count(*) FROM memberships), (SELECT count(*) FROM company_verticals)`).
					Scan(&setting, &user, &members, &verticals)
				if err != nil {
					return err
				}
				if setting != company.String() || user != migrate.TenantRole || members != want[company] || verticals != want[company] {
					return fmt.Errorf("tenant %s saw company %s as %s with %d members, %d verticals", company, setting, user, members, verticals)
				}
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	// Hold every pooled connection at once and check none kept a tenant.
	conns := make([]*pgxpool.Conn, 0, 4)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range 4 {
		c, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		conns = append(conns, c)
		var setting, user string
		require.NoError(t, c.QueryRow(t.Context(), `SELECT coalesce(current_setting('app.company_id', true), ''), current_user`).Scan(&setting, &user))
		require.Empty(t, setting)
		require.NotEqual(t, migrate.TenantRole, user)
	}
}

func TestTablesWithoutRLSAndEnforceTenancy(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	ctx := t.Context()

	missing, err := migrate.TablesWithoutRLS(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, missing)

	var policies []string
	rows, err := pool.Query(ctx, `SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = $1`, migrate.TenantPolicy)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		policies = append(policies, name)
	}
	require.NoError(t, rows.Err())
	require.Subset(t, policies, []string{"memberships", "refresh_tokens", "company_verticals", "status_history", "idempotency_keys"})

	_, err = pool.Exec(ctx, `CREATE SCHEMA extra; CREATE TABLE extra.notes (company_id uuid NOT NULL, id serial, body text, PRIMARY KEY (company_id, id));
		CREATE TABLE extra.half (company_id uuid); ALTER TABLE extra.half ENABLE ROW LEVEL SECURITY;
		CREATE TABLE extra.lookup (code text)`)
	require.NoError(t, err)
	missing, err = migrate.TablesWithoutRLS(ctx, pool)
	require.NoError(t, err)
	require.Equal(t, []string{"extra.half", "extra.notes"}, missing)

	for range 2 {
		require.NoError(t, migrate.EnforceTenancy(ctx, pool, "extra"), "enforcing twice is harmless")
	}
	missing, err = migrate.TablesWithoutRLS(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, missing)

	_, err = pool.Exec(ctx, `GRANT USAGE ON SCHEMA extra TO nexus_tenant`)
	require.NoError(t, err)
	company := uuid.New()
	err = store.TenantTx(ctx, pool, company, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO extra.notes (company_id, body) VALUES ($1, 'serial needs sequence usage')`, company)
		return err
	})
	require.NoError(t, err)
}

func TestVerticalTablesGetTenancy(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	vertical := migrate.Component{Name: "testvert", Schema: "testvert", Migrations: []migration.Migration{
		{Version: 1, Name: "items", Up: `CREATE TABLE items (
    company_id uuid NOT NULL, id bigserial, name text NOT NULL, PRIMARY KEY (company_id, id));`,
			Down: `DROP TABLE items;`},
	}}
	_, err := migrate.NewMigrator(pool, nil).Up(t.Context(), vertical)
	require.NoError(t, err)

	missing, err := migrate.TablesWithoutRLS(t.Context(), pool)
	require.NoError(t, err)
	require.Empty(t, missing)

	a, b := uuid.New(), uuid.New()
	for _, company := range []uuid.UUID{a, b} {
		err := store.TenantTx(t.Context(), pool, company, func(tx pgx.Tx) error {
			_, err := tx.Exec(t.Context(), `INSERT INTO testvert.items (company_id, name) VALUES ($1, 'soda')`, company)
			return err
		})
		require.NoError(t, err)
	}
	err = store.TenantTx(t.Context(), pool, a, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(t.Context(), `SELECT count(*) FROM testvert.items`).Scan(&n); err != nil {
			return err
		}
		require.Equal(t, 1, n)
		_, err := tx.Exec(t.Context(), `INSERT INTO testvert.items (company_id, name) VALUES ($1, 'stolen')`, b)
		requireSQLState(t, err, "42501")
		return nil
	})
	require.Error(t, err, "the transaction is aborted after the refused insert")
}
