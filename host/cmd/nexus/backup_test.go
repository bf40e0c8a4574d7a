package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/backup"
	seeding "github.com/nexuspos/nexus/host/internal/seed"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// nexusCmd runs the nexus binary with args on the database of url, as an
// operator would, and returns its output and error.
func nexusCmd(t *testing.T, url, pluginDir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(hosttest.Build(t, hosttest.HostPackage), args...)
	cmd.Env = append(os.Environ(), "NEXUS_DATABASE_URL="+url, "NEXUS_PLUGIN_DIR="+pluginDir, "NEXUS_ENV=test")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// tableChecksums returns, for every table of the database, its row count
// and the MD5 of its rows' text forms in order.
func tableChecksums(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`)
	require.NoError(t, err)
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgx.Identifier, error) {
		var s, n string
		err := r.Scan(&s, &n)
		return pgx.Identifier{s, n}, err
	})
	require.NoError(t, err)
	out := map[string]string{}
	for _, id := range tables {
		var n int64
		var sum string
		require.NoError(t, pool.QueryRow(ctx, fmt.Sprintf(
			`SELECT count(*), coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '') FROM %s t`, id.Sanitize())).Scan(&n, &sum))
		out[id.Sanitize()] = fmt.Sprintf("%d rows, md5 %s", n, sum)
	}
	return out
}

// revenue starts a host on the database of url and returns the revenue
// report (data and totals) of each owner, by day over the seeded period.
func revenue(t *testing.T, url, pluginDir string, owners []string) []string {
	t.Helper()
	h := hosttest.StartOn(t, url, pluginDir)
	defer h.Stop()
	var out []string
	to := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	from := time.Now().UTC().AddDate(0, 0, -seeding.DefaultDays-2).Format(time.DateOnly)
	for _, email := range owners {
		token := h.Login(email, seeding.Password)
		var rep struct {
			CompanyID string          `json:"company_id"`
			Data      json.RawMessage `json:"data"`
			Totals    json.RawMessage `json:"totals"`
		}
		h.Expect(http.StatusOK, http.MethodGet, "/api/v1/reports/revenue?group_by=day&from="+from+"&to="+to, token, nil).Decode(t, &rep)
		require.NotEqual(t, "[]", string(rep.Totals), "%s has revenue", email)
		out = append(out, rep.CompanyID+" "+string(rep.Data)+" "+string(rep.Totals))
	}
	return out
}

// TestBackupRestoreSeededPlatform seeds a database with `nexus seed`,
// backs it up with `nexus backup`, restores it with `nexus restore` into a
// fresh database and compares: every table's rows (count and checksum),
// the catalog (tables, columns, constraints, indexes, row-level security,
// policies and grants to the tenant and vertical roles) and the revenue
// report a host started on each answers. A restore into a database that is
// not empty, and one of an archive changed after the backup, are refused.
func TestBackupRestoreSeededPlatform(t *testing.T) {
	t.Parallel()
	dir := hosttest.PluginDir(t, map[string]string{
		"cpg": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	})
	orig := pgtest.NewDatabase(t)
	out, err := nexusCmd(t, orig, dir, "seed", "--companies", "2", "--transactions", "3000")
	require.NoError(t, err, out)
	var owners []string
	for _, m := range regexp.MustCompile(`owner (\S+@\S+)`).FindAllStringSubmatch(out, -1) {
		owners = append(owners, m[1])
	}
	require.Len(t, owners, 2, out)

	bdir := filepath.Join(t.TempDir(), "backup")
	out, err = nexusCmd(t, orig, dir, "backup", "--dir", bdir)
	require.NoError(t, err, out)
	require.Contains(t, out, "backed up")
	m, err := backup.ReadManifest(bdir)
	require.NoError(t, err)
	require.Equal(t, "dev", m.NexusVersion)
	require.NotZero(t, m.HostSchemaVersion)
	require.Len(t, m.Verticals, 1)
	require.Equal(t, backup.Vertical{Name: "cpg", Schema: "cpg", Role: "nexus_v_cpg", SchemaVersion: m.Verticals[0].SchemaVersion}, m.Verticals[0])
	require.NotZero(t, m.Verticals[0].SchemaVersion)
	out, err = nexusCmd(t, orig, dir, "backup", "--dir", bdir)
	require.Error(t, err, "a second backup into the same directory")
	require.Contains(t, out, "already holds")

	restored := pgtest.NewDatabase(t)
	out, err = nexusCmd(t, restored, dir, "restore", "--dir", bdir)
	require.NoError(t, err, out)
	require.Contains(t, out, "migrations verified")

	out, err = nexusCmd(t, restored, dir, "restore", "--dir", bdir)
	require.Error(t, err, "a restore into a database that is not empty")
	require.Contains(t, out, "target database is not empty")

	tampered := filepath.Join(t.TempDir(), "tampered")
	require.NoError(t, os.CopyFS(tampered, os.DirFS(bdir)))
	f, err := os.OpenFile(filepath.Join(tampered, backup.DumpFile), os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{0})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	out, err = nexusCmd(t, pgtest.NewDatabase(t), dir, "restore", "--dir", tampered)
	require.Error(t, err, "a restore of a changed archive")
	require.Contains(t, out, "archive does not match its manifest")

	origPool, err := pgxpool.New(context.Background(), orig)
	require.NoError(t, err)
	defer origPool.Close()
	restPool, err := pgxpool.New(context.Background(), restored)
	require.NoError(t, err)
	defer restPool.Close()
	sums := tableChecksums(t, origPool)
	require.Contains(t, sums, `"cpg"."sales"`)
	require.Equal(t, sums, tableChecksums(t, restPool))
	catalog := pgtest.Catalog(t, origPool)
	require.Contains(t, catalog, "policy cpg.sales.tenant_isolation PERMISSIVE roles=public cmd=ALL using=(company_id = (current_setting('app.company_id'::text, true))::uuid) check=(company_id = (current_setting('app.company_id'::text, true))::uuid)")
	require.Equal(t, catalog, pgtest.Catalog(t, restPool))

	require.Equal(t, revenue(t, orig, dir, owners), revenue(t, restored, dir, owners))
}
