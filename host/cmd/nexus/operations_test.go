package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// shBlock matches a ```sh block of a Markdown file.
var shBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")

// TestOperationsGuide runs the sh blocks of docs/operations.md, in order,
// as an operator would: the commands on a database filled by `nexus seed`
// in one bash session, and then, with a host started on that database,
// those that call it (they name $NEXUS_URL). A deploy site is set up as
// the guide's deploy section describes, its source tree's build copying
// the binaries this test built. Each block must succeed, and say what the
// guide says it does.
func TestOperationsGuide(t *testing.T) {
	t.Parallel()
	guide, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "operations.md"))
	require.NoError(t, err)
	var offline, online []string
	for _, m := range shBlock.FindAllStringSubmatch(string(guide), -1) {
		if strings.Contains(m[1], "$NEXUS_URL") {
			online = append(online, m[1])
		} else {
			offline = append(offline, m[1])
		}
	}
	require.NotEmpty(t, offline)
	require.NotEmpty(t, online)

	plugins := hosttest.PluginDir(t, map[string]string{
		"cpg": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	})
	url := pgtest.NewDatabase(t)
	out, err := nexusCmd(t, url, plugins, "seed", "--companies", "1", "--transactions", "200")
	require.NoError(t, err, out)
	owner := regexp.MustCompile(`owner (\S+@\S+)`).FindStringSubmatch(out)
	require.NotNil(t, owner, out)
	site := newDeploySite(t, url, owner[1])
	release := site.commit("release", hosttest.Build(t, hosttest.HostPackage), map[string]string{
		"cpg": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	})
	bin := t.TempDir()
	require.NoError(t, os.Symlink(hosttest.Build(t, hosttest.HostPackage), filepath.Join(bin, "nexus")))
	env := append(os.Environ(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"NEXUS_DATABASE_URL="+url, "NEXUS_PLUGIN_DIR="+plugins, "NEXUS_ENV=test",
		"NEXUS_SECRETS_KEY=hosttest:"+hosttest.SecretsKey,
		"BACKUP_DIR="+filepath.Join(t.TempDir(), "backup"),
		"DRILL_DATABASE_URL="+pgtest.NewDatabase(t),
	)
	env = append(append(env, site.env...), release...)
	bash := func(blocks []string, env []string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+strings.Join(blocks, "\n"))
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "docs/operations.md:\n%s", out)
		return string(out)
	}
	out = bash(offline, env)
	for _, want := range []string{"backed up", "migrations verified", "reverted 1 migration(s)", "applied 1 migration(s)", "re-sealed",
		"deploy: deployed", "FAILED at smoke", "restored the backup", "the previous release"} {
		require.Contains(t, out, want)
	}
	aside := regexp.MustCompile(`kept as (\S+_failed_\d{8}T\d{6})`).FindStringSubmatch(out)
	require.NotNil(t, aside, out)
	admin, err := pgx.Connect(context.Background(), pgtest.ServerURL())
	require.NoError(t, err)
	defer func() { _ = admin.Close(context.Background()) }()
	_, err = admin.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{aside[1]}.Sanitize()+" WITH (FORCE)")
	require.NoError(t, err)

	h := hosttest.StartOn(t, url, plugins)
	out = bash(online, append(env, "NEXUS_URL="+h.URL))
	require.Contains(t, out, `"status": "ready"`)
	require.Contains(t, out, `"database": "ok"`)
}
