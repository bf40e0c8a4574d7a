// Package pgtest gives tests a fresh PostgreSQL database each, created on
// the test server (NEXUS_TEST_DATABASE_URL) and dropped WITH (FORCE) when
// the test ends, and migrates it with the host's schema. The host's
// storetest and sdk/sdktest both build on it. It is for tests only and must
// never be imported by production code; a missing server fails the test,
// naming it, and never skips it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/migrate"
)

// DefaultURL is the test server used when NEXUS_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// EnvURL names the environment variable holding the test server's URL.
const EnvURL = "NEXUS_TEST_DATABASE_URL"

// timeout bounds each administrative step.
const timeout = 30 * time.Second

// ServerURL returns the test server's URL (a database to connect to for
// administration, normally "postgres").
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates an empty database nexus_test_<random> on the test
// server, drops it (WITH (FORCE)) when the test ends and returns its URL.
// The test fails, naming PostgreSQL, when the server is unreachable.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := ServerURL()
	name := "nexus_test_" + randomSuffix()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn := connect(ctx, t, server)
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0"); err != nil {
		t.Fatalf("pgtest: PostgreSQL at %s: create database %s: %v", conn.Config().Host, name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		conn := connect(ctx, t, server)
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: PostgreSQL: drop database %s: %v", name, err)
		}
	})

	u, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return u
}

// MigrateHost applies the host's migrations to pool's database, as the
// host does when it starts, failing the test on error.
func MigrateHost(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	host, err := migrate.Host()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if _, err := migrate.NewMigrator(pool, nil).Up(ctx, host); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// connect opens an administrative connection to the test server, failing
// the test with the service named when it cannot.
func connect(ctx context.Context, t testing.TB, server string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL is unreachable (set %s; default %s): %v", EnvURL, DefaultURL, err)
	}
	return conn
}

// withDatabase returns server with its database replaced by name.
func withDatabase(server, name string) (string, error) {
	if _, err := pgx.ParseConfig(server); err != nil {
		return "", err
	}
	if u, err := url.Parse(server); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		return u.String(), nil
	}
	// A keyword/value connection string, where the last dbname wins.
	return server + " dbname=" + name, nil
}

// randomSuffix returns 16 random hex digits.
func randomSuffix() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return hex.EncodeToString(b[:])
}
