package migrate_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestMigrationDropSalesDaily upgrades a database that ran the host's
// former sales-statistics subscription (host.sales_stats): 0009 drops
// sales_daily and the subscription's bookkeeping, leaving other
// subscriptions' alone; reverting it recreates sales_daily as a tenant
// table that one company cannot use to see or write another's rows.
func TestMigrationDropSalesDaily(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	pool := openPool(t, pgtest.NewDatabase(t), false)
	m := migrate.NewMigrator(pool, nil)
	host, err := migrate.Host()
	require.NoError(t, err)
	before := host
	before.Migrations = nil
	for _, mig := range host.Migrations {
		if mig.Version < 9 {
			before.Migrations = append(before.Migrations, mig)
		}
	}
	_, err = m.Up(ctx, before)
	require.NoError(t, err)
	require.True(t, tableExists(t, pool, "public.sales_daily"))

	company, event := uuid.New(), uuid.New()
	for _, sub := range []string{"host.sales_stats", "other.kept"} {
		_, err = pool.Exec(ctx, `INSERT INTO event_subscriptions (name, pattern, topic_regex) VALUES ($1, 'x.*', '^x')`, sub)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO event_deliveries (company_id, event_id, subscription, seq) VALUES ($1, $2, $3, 1)`, company, event, sub)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO processed_events (company_id, subscription, event_id) VALUES ($1, $2, $3)`, company, sub, event)
		require.NoError(t, err)
		_, err = pool.Exec(ctx, `INSERT INTO event_dead_letters (company_id, subscription, event_id, topic, occurred_at, schema_version, payload, attempts, last_error)
			VALUES ($1, $2, $3, 'x.y', now(), 1, '{}', 4, 'boom')`, company, sub, event)
		require.NoError(t, err)
	}

	applied, err := m.Up(ctx, host)
	require.NoError(t, err)
	require.Contains(t, applied, 9)
	require.False(t, tableExists(t, pool, "public.sales_daily"))
	for _, table := range []string{"event_subscriptions", "event_deliveries", "processed_events", "event_dead_letters"} {
		column := "subscription"
		if table == "event_subscriptions" {
			column = "name"
		}
		var subs []string
		rows, err := pool.Query(ctx, "SELECT "+column+" FROM "+table+" ORDER BY 1")
		require.NoError(t, err)
		subs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Equal(t, []string{"other.kept"}, subs, table)
	}

	reverted, err := m.Down(ctx, host, len(host.Migrations)-8)
	require.NoError(t, err)
	require.Contains(t, reverted, 9)
	require.True(t, tableExists(t, pool, "public.sales_daily"))
	missing, err := migrate.TablesWithoutRLS(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, missing)

	own, other := uuid.New(), uuid.New()
	_, err = pool.Exec(ctx, `INSERT INTO sales_daily (company_id, day, location_id) VALUES ($1, current_date, $1)`, other)
	require.NoError(t, err)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	_, err = tx.Exec(ctx, `SELECT set_config('app.company_id', $1, true)`, own.String())
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `SET LOCAL ROLE nexus_tenant`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `INSERT INTO sales_daily (company_id, day, location_id) VALUES ($1, current_date, $1)`, own)
	require.NoError(t, err, "a company writes its own rows")
	var seen int
	require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM sales_daily`).Scan(&seen))
	require.Equal(t, 1, seen, "a company sees only its own rows")
	tag, err := tx.Exec(ctx, `UPDATE sales_daily SET sales_count = 9 WHERE company_id = $1`, other)
	require.NoError(t, err)
	require.Zero(t, tag.RowsAffected(), "a company cannot change another's rows")
	_, err = tx.Exec(ctx, `INSERT INTO sales_daily (company_id, day, location_id) VALUES ($1, current_date, $1)`, other)
	require.Error(t, err, "a company cannot write another's rows")
}
