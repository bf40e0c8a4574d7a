// Package store owns the host's PostgreSQL access: opening the connection
// pool (creating the database on first start) and tenant transactions.
// The migrator that applies the host's and each vertical's SQL migrations,
// and the row-level-security rules every tenant table must carry, live in
// internal/migrate, which sdk/sdktest shares.
//
// The host connects as a superuser or BYPASSRLS role and uses that
// connection directly only for platform-level work (login, platform
// administration, migrations). Everything done on behalf of a company runs
// in a tenant transaction (TenantTx, begun by the DAL's dal.TenantBegin
// like a vertical's unit of work), whose first statement switches to the
// nexus_tenant role (no BYPASSRLS, owns nothing) and sets app.company_id,
// both transaction-local, so row-level security confines it to that
// company and a pooled connection never carries a tenant into the next
// transaction.
//
// The package must not know any table beyond schema_migrations and the
// catalog: queries about companies, users and business data belong to the
// packages that own those concepts.
package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultURL is the database the host uses when none is configured.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/nexus?sslmode=disable"

// maintenanceDB is the database Open connects to in order to create a
// missing one.
const maintenanceDB = "postgres"

// Pool settings applied when the URL does not set them.
const (
	defaultConnectTimeout    = 5 * time.Second
	defaultMaxConnIdleTime   = 5 * time.Minute
	defaultMaxConnLifetime   = time.Hour
	defaultHealthCheckPeriod = 30 * time.Second
	minMaxConns              = 10
)

// Open returns a connection pool for url after checking the server answers.
// When the database does not exist yet, Open creates it through the
// server's maintenance database and connects again. Errors name the server
// ("postgresql at 127.0.0.1:5432: ..."). A nil log discards messages.
func Open(ctx context.Context, url string, log hclog.Logger) (*pgxpool.Pool, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgresql: parse database url: %w", err)
	}
	applyPoolDefaults(cfg, url)
	service := serviceName(cfg.ConnConfig)

	pool, err := connect(ctx, cfg)
	if err == nil {
		return pool, nil
	}
	if !isSQLState(err, sqlStateInvalidCatalogName) {
		return nil, fmt.Errorf("%s: %w", service, err)
	}
	if err := createDatabase(ctx, cfg.ConnConfig); err != nil {
		return nil, fmt.Errorf("%s: create database %q: %w", service, cfg.ConnConfig.Database, err)
	}
	log.Info("created database", "database", cfg.ConnConfig.Database, "server", service)
	pool, err = connect(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", service, err)
	}
	return pool, nil
}

// applyPoolDefaults fills in the pool settings the URL left unset; a
// pool_* parameter in the URL always wins.
func applyPoolDefaults(cfg *pgxpool.Config, url string) {
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(minMaxConns, 4*runtime.GOMAXPROCS(0)))
	}
	if !strings.Contains(url, "pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = defaultMaxConnIdleTime
	}
	if !strings.Contains(url, "pool_max_conn_lifetime") {
		cfg.MaxConnLifetime = defaultMaxConnLifetime
	}
	if !strings.Contains(url, "pool_health_check_period") {
		cfg.HealthCheckPeriod = defaultHealthCheckPeriod
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	// Sessions run in UTC whatever the server, database or URL says, so
	// times PostgreSQL formats itself (the DAL's row_to_json, ::text) are
	// UTC like those the host scans (scanTimesInUTC).
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.AfterConnect = scanTimesInUTC
}

// scanTimesInUTC makes conn read timestamptz values (alone and in arrays)
// as UTC times rather than in the process's local zone, so every time the
// host answers in JSON is UTC RFC 3339 whatever TZ the host runs under.
func scanTimesInUTC(_ context.Context, conn *pgx.Conn) error {
	tm := conn.TypeMap()
	ts := &pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}}
	tm.RegisterType(ts)
	tm.RegisterType(&pgtype.Type{Name: "_timestamptz", OID: pgtype.TimestamptzArrayOID, Codec: &pgtype.ArrayCodec{ElementType: ts}})
	return nil
}

// connect builds the pool and pings the server, since pgxpool connects
// lazily.
func connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// createDatabase creates cfg.Database through the maintenance database. A
// concurrent creation by another host is not an error.
func createDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	admin := cfg.Copy()
	admin.Database = maintenanceDB
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to %q: %w", maintenanceDB, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	_, err = conn.Exec(ctx, createDatabaseSQL+pgx.Identifier{cfg.Database}.Sanitize())
	if err != nil && !isSQLState(err, sqlStateDuplicateDatabase) {
		return err
	}
	return nil
}

// serviceName names the server in error messages.
func serviceName(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("postgresql at %s:%d", cfg.Host, cfg.Port)
}

// SQLSTATE codes the package reacts to.
const (
	sqlStateInvalidCatalogName = "3D000"
	sqlStateDuplicateDatabase  = "42P04"
)

// isSQLState reports whether err carries the PostgreSQL error code code.
func isSQLState(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}
