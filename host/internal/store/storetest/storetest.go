// Package storetest opens the host's pool (store.Open) on a fresh test
// database from internal/pgtest, migrated with the host's schema when
// asked. Databases themselves come from internal/pgtest. It is for tests
// only and must never be imported by production code.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// NewPool returns a pool on a fresh database (see pgtest.NewDatabase)
// carrying the host's migrations; the pool is closed and the database dropped when the
// test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return OpenPool(t, pgtest.NewDatabase(t), true)
}

// OpenPool opens a pool on url with store.Open, closed when the test ends,
// and applies the host's migrations when migrate is set.
func OpenPool(t testing.TB, url string, migrate bool) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, url, hclog.NewNullLogger())
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(pool.Close)
	if migrate {
		pgtest.MigrateHost(t, pool)
	}
	return pool
}
