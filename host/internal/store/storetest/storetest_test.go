package storetest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/migrate"
)

func TestNewPool(t *testing.T) {
	t.Parallel()
	pool := storetest.NewPool(t)
	var current string
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&current))
	require.Regexp(t, `^nexus_test_[0-9a-f]{16}$`, current)

	missing, err := migrate.TablesWithoutRLS(t.Context(), pool)
	require.NoError(t, err)
	require.Empty(t, missing)
}
