package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nexuspos/nexus/host/internal/backup"
	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/deploy"
)

// deployUsage documents the deploy command.
const deployUsage = `usage: nexus deploy [flags]
builds the release of the git work tree --source (clean, on --branch), runs
--test-cmd, copies bin/nexus and bin/plugins into --root/releases/<time>-<commit>,
stops the host (--stop-cmd), backs up the database of NEXUS_DATABASE_URL into
--backup-dir, applies the release's migrations, points --root/current at it,
starts it (--start-cmd), waits for --url/readyz and sends smoke requests (login,
a vertical route, a revenue report). A release that serves degraded (/readyz
200, status degraded) goes live with a WARNING. On a failure it stops the new
host, points current back, reverts the migrations (the new host never ran) or
restores the backup, and starts the previous release; a stop command that
fails ends the deploy there, starting nothing. Each flag defaults to its
NEXUS_DEPLOY_* variable (see README); the smoke password is read from
NEXUS_DEPLOY_SMOKE_PASSWORD only.
`

// deployCmd runs `nexus deploy`.
func deployCmd(ctx context.Context, args []string) error {
	env := func(key, def string) string {
		if v := os.Getenv(key); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), deployUsage); fs.PrintDefaults() }
	c := deploy.Config{Out: os.Stdout, Env: os.Environ(), Version: version, SmokePassword: os.Getenv("NEXUS_DEPLOY_SMOKE_PASSWORD")}
	fs.StringVar(&c.Source, "source", env("NEXUS_DEPLOY_SOURCE", "."), "git work tree to build the release from (NEXUS_DEPLOY_SOURCE)")
	fs.StringVar(&c.Branch, "branch", env("NEXUS_DEPLOY_BRANCH", "main"), "the only branch deployed (NEXUS_DEPLOY_BRANCH)")
	fs.StringVar(&c.TestCmd, "test-cmd", env("NEXUS_DEPLOY_TEST_CMD", "make guard"), "critical tests, run in the source tree; \"none\" skips them (NEXUS_DEPLOY_TEST_CMD)")
	fs.StringVar(&c.BuildCmd, "build-cmd", env("NEXUS_DEPLOY_BUILD_CMD", "make build"), "writes bin/nexus and bin/plugins in the source tree (NEXUS_DEPLOY_BUILD_CMD)")
	fs.StringVar(&c.Root, "root", env("NEXUS_DEPLOY_ROOT", ""), "directory of releases/ and the current symlink (NEXUS_DEPLOY_ROOT)")
	fs.StringVar(&c.StartCmd, "start-cmd", env("NEXUS_DEPLOY_START_CMD", ""), "starts the host from ROOT/current, e.g. \"systemctl start nexus\" (NEXUS_DEPLOY_START_CMD)")
	fs.StringVar(&c.StopCmd, "stop-cmd", env("NEXUS_DEPLOY_STOP_CMD", ""), "stops the host and returns once it has exited, e.g. \"systemctl stop nexus\" (NEXUS_DEPLOY_STOP_CMD)")
	fs.StringVar(&c.URL, "url", env("NEXUS_DEPLOY_URL", "http://127.0.0.1:8080"), "the host's base URL (NEXUS_DEPLOY_URL)")
	fs.StringVar(&c.SmokeEmail, "smoke-email", env("NEXUS_DEPLOY_SMOKE_EMAIL", ""), "login of the smoke requests (NEXUS_DEPLOY_SMOKE_EMAIL)")
	fs.StringVar(&c.SmokeRoute, "smoke-route", env("NEXUS_DEPLOY_SMOKE_ROUTE", ""), "a GET path under /api/v1/ that must answer 2xx; default: each running vertical's first viewer GET route without parameters (NEXUS_DEPLOY_SMOKE_ROUTE)")
	fs.StringVar(&c.BackupDir, "backup-dir", env("NEXUS_DEPLOY_BACKUP_DIR", ""), "where each deploy's backup goes (NEXUS_DEPLOY_BACKUP_DIR; default ROOT/backups)")
	pgBin := fs.String("pg-bin", "", "directory of pg_dump and pg_restore (default: PATH)")
	ready := env("NEXUS_DEPLOY_READY_TIMEOUT", "2m")
	fs.StringVar(&ready, "ready-timeout", ready, "how long the new host has to answer /readyz with 200 (NEXUS_DEPLOY_READY_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("deploy: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("deploy: unexpected arguments %q\n%s", fs.Args(), deployUsage)
	}
	var err error
	if c.ReadyTimeout, err = time.ParseDuration(ready); err != nil || c.ReadyTimeout <= 0 {
		return fmt.Errorf("deploy: ready timeout %q: want a positive duration such as 2m", ready)
	}
	if c.TestCmd == "none" {
		c.TestCmd = ""
	}
	if c.BackupDir == "" && c.Root != "" {
		c.BackupDir = filepath.Join(c.Root, "backups")
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	c.DatabaseURL, c.Tools = cfg.DatabaseURL, backup.Tools{Dir: *pgBin}
	_, err = deploy.Run(ctx, c)
	return err
}
