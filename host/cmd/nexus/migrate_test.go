package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestMigrateVerticalDown drives `nexus migrate --vertical cpg` as an
// operator would: the vertical's migrations, read from its plugin, are
// applied, listed, the last one reverted (its tables gone, the host's
// migrations untouched) and applied again; an unknown vertical is an
// error naming it.
func TestMigrateVerticalDown(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{
		"cpg": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	})
	url := pgtest.NewDatabase(t)
	run := func(args ...string) string {
		t.Helper()
		out, err := nexusCmd(t, url, dir, append([]string{"migrate"}, args...)...)
		require.NoError(t, err, out)
		return out
	}
	run("up")
	out := run("--vertical", "cpg", "up")
	m := regexp.MustCompile(`applied (\d+) migration\(s\) \[([\d ]+)\]`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	versions := strings.Fields(m[2])
	require.NotEmpty(t, versions)
	last := versions[len(versions)-1]

	out = run("--vertical", "cpg", "status")
	require.NotContains(t, out, "pending")
	require.Equal(t, len(versions), strings.Count(out, "\ncpg "), out)

	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	var tables int
	count := func() int {
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = 'cpg'`).Scan(&tables))
		return tables
	}
	before := count()

	require.Positive(t, before)

	out = run("--vertical", "cpg", "down", "1")
	require.Contains(t, out, "reverted 1 migration(s) ["+last+"]")
	out = run("--vertical", "cpg", "status")
	require.Equal(t, 1, strings.Count(out, "pending"), out)
	require.Less(t, count(), before, "the reverted migration's tables are gone")
	var hostApplied int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations WHERE component = 'host'`).Scan(&hostApplied))
	require.Positive(t, hostApplied, "the host's migrations are untouched")

	out = run("--vertical", "cpg", "up")
	require.Contains(t, out, "applied 1 migration(s) ["+last+"]")
	require.Equal(t, before, count())

	out, err = nexusCmd(t, url, dir, "migrate", "--vertical", "nosuch", "status")
	require.Error(t, err)
	require.Contains(t, out, "no plugin nexus-vertical-nosuch in "+dir)
}
