// Package storetest gives tests a fresh PostgreSQL database each: created on
// the test server, migrated with the host's schema when asked, and dropped
// when the test ends (see internal/pgtest, which it shares with
// sdk/sdktest). It is for tests only and must never be imported by
// production code.
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

// ServerURL returns the test server's URL ($NEXUS_TEST_DATABASE_URL or the
// local server), naming a database for administration, normally "postgres".
func ServerURL() string { return pgtest.ServerURL() }

// NewDatabase creates an empty database nexus_test_<random> on the test
// server, drops it (WITH (FORCE)) when the test ends and returns its URL.
// The test fails, naming PostgreSQL, when the server is unreachable.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return pgtest.NewDatabase(t)
}

// NewPool returns a pool on a fresh database (see NewDatabase) carrying the
// host's migrations; the pool is closed and the database dropped when the
// test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return OpenPool(t, NewDatabase(t), true)
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
