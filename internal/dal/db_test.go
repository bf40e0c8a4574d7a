package dal_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/migrations"
)

// Go's internal-package rule keeps this root package (even its tests) from
// importing host/internal/store and its storetest, so this file does what
// they do for the tests: a fresh database on the test server, the host's
// embedded migrations, and the vertical schema made tenant-safe exactly as
// migrate.EnforceTenancy makes it (RLS enabled and forced, the
// tenant_isolation policy, grants to nexus_tenant).

// envURL names the variable holding the test server's URL.
const envURL = "NEXUS_TEST_DATABASE_URL"

// defaultURL is the test server used when envURL is unset.
const defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Tenancy SQL, identical to the host store's.
const (
	tenantTablesSQL = `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = 'company_id' AND a.attnum > 0 AND NOT a.attisdropped)
ORDER BY c.relname`
	enableRLSSQL    = `ALTER TABLE %s ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`
	createPolicySQL = `CREATE POLICY tenant_isolation ON %s
  USING (company_id = current_setting('app.company_id', true)::uuid)
  WITH CHECK (company_id = current_setting('app.company_id', true)::uuid)`
	grantTableSQL = `GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO nexus_tenant`
)

// serverURL returns the test server's URL.
func serverURL() string {
	if u := os.Getenv(envURL); u != "" {
		return u
	}
	return defaultURL
}

// newPool creates database nexus_test_<random> on the test server, applies
// the host's migrations and then, in one transaction, the test vertical's
// schema (created, granted to nexus_tenant, migrated with its search_path
// and made tenant-safe). The database is dropped when the test ends; the
// test fails naming PostgreSQL when the server is unreachable.
func newPool(tb testing.TB, schema, migration string) *pgxpool.Pool {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	server := serverURL()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "nexus_test_" + hex.EncodeToString(b[:])

	admin := func(ctx context.Context, sql string) {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			tb.Fatalf("PostgreSQL is unreachable (set %s; default %s): %v", envURL, defaultURL, err)
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, sql); err != nil {
			tb.Fatalf("PostgreSQL: %s: %v", sql, err)
		}
	}
	admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})

	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s: %v", envURL, err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("pool_max_conns", "20")
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		tb.Fatalf("PostgreSQL: %v", err)
	}
	tb.Cleanup(pool.Close)

	files, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(files)
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, f := range files {
			body, err := fs.ReadFile(migrations.FS, f)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
		}
		if err := enforceTenancy(ctx, tx, "public"); err != nil {
			return err
		}
		quoted := pgx.Identifier{schema}.Sanitize()
		for _, stmt := range []string{
			"CREATE SCHEMA " + quoted,
			"GRANT USAGE ON SCHEMA " + quoted + " TO nexus_tenant",
			"SET LOCAL search_path TO " + quoted + ", public",
			migration,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return enforceTenancy(ctx, tx, schema)
	})
	if err != nil {
		tb.Fatalf("PostgreSQL: migrate test database: %v", err)
	}
	return pool
}

// enforceTenancy secures every table of schema that has a company_id.
func enforceTenancy(ctx context.Context, tx pgx.Tx, schema string) error {
	rows, err := tx.Query(ctx, tenantTablesSQL, schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		ident := pgx.Identifier{schema, t}.Sanitize()
		for _, stmt := range []string{enableRLSSQL, createPolicySQL, grantTableSQL} {
			if _, err := tx.Exec(ctx, strings.Replace(stmt, "%s", ident, 1)); err != nil {
				return err
			}
		}
	}
	return nil
}
