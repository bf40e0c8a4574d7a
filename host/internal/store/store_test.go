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
)

func TestOpenCreatesMissingDatabase(t *testing.T) {
	t.Parallel()
	dbURL := storetest.NewDatabase(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	name := u.Path[1:]

	// Drop the database storetest made so Open has to create it again;
	// storetest's cleanup drops the new one.
	admin, err := pgx.Connect(t.Context(), storetest.ServerURL())
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
