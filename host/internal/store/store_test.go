package store_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

func TestOpenCreatesMissingDatabase(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	name := u.Path[1:]

	// Drop the database storetest made so Open has to create it again;
	// storetest's cleanup drops the new one.
	admin, err := pgx.Connect(t.Context(), pgtest.ServerURL())
	require.NoError(t, err)
	_, err = admin.Exec(t.Context(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize())
	require.NoError(t, err)
	require.NoError(t, admin.Close(t.Context()))

	pool, err := store.Open(t.Context(), dbURL, hclog.NewNullLogger())
	require.NoError(t, err)
	defer pool.Close()
	var current string
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&current))
	require.Equal(t, name, current)
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "unreachable server", url: "postgres://postgres@127.0.0.1:1/nexus?sslmode=disable&connect_timeout=2", want: "postgresql at 127.0.0.1:1: "},
		{name: "malformed url", url: "postgres://%zz", want: "postgresql: parse database url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			pool, err := store.Open(ctx, tt.url, nil)
			require.Nil(t, pool)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestTimesScanAsUTC checks that timestamptz values come back in UTC, alone
// and in arrays, whatever the process's local zone, and that PostgreSQL
// formats them in UTC even when the database is set to another zone (the
// DAL's rows are row_to_json): JSON times are UTC.
func TestTimesScanAsUTC(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	admin, err := pgx.Connect(t.Context(), pgtest.ServerURL())
	require.NoError(t, err)
	_, err = admin.Exec(t.Context(), "ALTER DATABASE "+pgx.Identifier{u.Path[1:]}.Sanitize()+" SET timezone TO 'America/Mexico_City'")
	require.NoError(t, err)
	require.NoError(t, admin.Close(t.Context()))
	pool := storetest.OpenPool(t, dbURL, false)

	var formatted string
	require.NoError(t, pool.QueryRow(t.Context(),
		`SELECT row_to_json(x)::text FROM (SELECT '2024-05-01 12:00:00-06'::timestamptz AS at) x`).Scan(&formatted))
	require.JSONEq(t, `{"at":"2024-05-01T18:00:00+00:00"}`, formatted)
	var (
		one  time.Time
		many []time.Time
	)
	require.NoError(t, pool.QueryRow(t.Context(),
		`SELECT '2024-05-01 12:00:00-06'::timestamptz, ARRAY['2024-05-01 12:00:00+02'::timestamptz]`).Scan(&one, &many))
	require.Same(t, time.UTC, one.Location())
	require.Equal(t, "2024-05-01T18:00:00Z", one.Format(time.RFC3339))
	require.Len(t, many, 1)
	require.Same(t, time.UTC, many[0].Location())
	require.Equal(t, "2024-05-01T10:00:00Z", many[0].Format(time.RFC3339))
}
