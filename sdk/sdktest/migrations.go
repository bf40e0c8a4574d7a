package sdktest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/pgtest"
	"github.com/nexuspos/nexus/sdk"
)

// MigrationsReversible checks v's migrations the way an operator reverts
// them (`nexus migrate --vertical NAME down N`): on a fresh database
// carrying the host's migrations, every migration of v goes up, down and
// up again, one at a time, and each down must leave exactly the schema
// from before its up — tables, columns, constraints, indexes, row-level
// security, policies and grants — while up after down gives the schema of
// the first up. A migration without a down fails the test. Call it from a
// test of the vertical:
//
//	func TestMigrationsReversible(t *testing.T) { sdktest.MigrationsReversible(t, notes.New()) }
func MigrationsReversible(t testing.TB, v sdk.Vertical) {
	t.Helper()
	h := New(t, v)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatalf("sdktest: PostgreSQL: %v", err)
	}
	t.Cleanup(pool.Close)
	pgtest.MigrateHost(t, pool)
	pgtest.MigrationsReversible(t, pool, hostcall.Component(h.manifest))
}
