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
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = 'cpg'`).Scan(&tables))
	require.Positive(t, tables)
	// schema is the vertical's tables and constraints with their
	// definitions: what any migration changes, whether it adds a table or
	// alters a check.
	schema := func() string {
		var s string
		require.NoError(t, pool.QueryRow(context.Background(), `
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
    SELECT 'table ' || tablename AS x FROM pg_tables WHERE schemaname = 'cpg'
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'cpg'::regnamespace) s`).Scan(&s))
		return s
	}
	before := schema()

	out = run("--vertical", "cpg", "down", "1")
	require.Contains(t, out, "reverted 1 migration(s) ["+last+"]")
	out = run("--vertical", "cpg", "status")
	require.Equal(t, 1, strings.Count(out, "pending"), out)
	require.NotEqual(t, before, schema(), "the reverted migration is undone")
	var hostApplied int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations WHERE component = 'host'`).Scan(&hostApplied))
	require.Positive(t, hostApplied, "the host's migrations are untouched")

	out = run("--vertical", "cpg", "up")
	require.Contains(t, out, "applied 1 migration(s) ["+last+"]")
	require.Equal(t, before, schema())

	out, err = nexusCmd(t, url, dir, "migrate", "--vertical", "nosuch", "status")
	require.Error(t, err)
	require.Contains(t, out, "no plugin nexus-vertical-nosuch in "+dir)
}

// TestMigrateAll drives `nexus migrate --all` on a plugin directory with a
// vertical that declares migrations (cpg) and one that declares none
// (hello): up applies the host's and then cpg's, hello having nothing to
// do, and a second up applies nothing; status lists every component with
// nothing pending. --all with down or with --vertical is refused, and
// `--vertical hello up` still says hello has no migrations.
func TestMigrateAll(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{
		"cpg":   hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
		"hello": hosttest.Build(t, "github.com/nexuspos/nexus/examples/hello"),
	})
	url := pgtest.NewDatabase(t)
	out, err := nexusCmd(t, url, dir, "migrate", "--all", "up")
	require.NoError(t, err, out)
	var done []string
	for _, m := range regexp.MustCompile(`(?m)^(\w+): (applied [1-9][0-9]* |declares no migrations)`).FindAllStringSubmatch(out, -1) {
		done = append(done, m[1]+": "+strings.Fields(m[2])[0])
	}
	require.Equal(t, []string{"host: applied", "cpg: applied", "hello: declares"}, done, "in order: the host, then each plugin by name\n%s", out)

	out, err = nexusCmd(t, url, dir, "migrate", "--all", "up")
	require.NoError(t, err, out)
	require.Contains(t, out, "host: applied 0 migration(s) []")
	require.Contains(t, out, "cpg: applied 0 migration(s) []")

	out, err = nexusCmd(t, url, dir, "migrate", "--all", "status")
	require.NoError(t, err, out)
	require.NotContains(t, out, "pending")
	require.Contains(t, out, "\nhost ")
	require.Contains(t, out, "\ncpg ")
	require.Regexp(t, `\nhello +- +\(no migrations\)`, out)

	for args, want := range map[string]string{
		"--all down 1":            "down reverts the migrations of one component",
		"--all --vertical cpg up": "--all and --vertical exclude each other",
		"--vertical hello up":     "vertical hello declares no migrations",
	} {
		out, err := nexusCmd(t, url, dir, append([]string{"migrate"}, strings.Fields(args)...)...)
		require.Error(t, err, args)
		require.Contains(t, out, want, args)
	}
}
