package deploy

import (
	"errors"
	"io"
	"time"

	"github.com/nexuspos/nexus/host/internal/backup"
)

// Config is what a deploy needs. cmd/nexus fills it from flags and
// NEXUS_DEPLOY_* variables.
type Config struct {
	// Source is the git work tree the release is built from.
	Source string
	// Branch is the only branch Source may have checked out.
	Branch string
	// TestCmd runs the critical tests in Source (sh -c); "" runs none.
	TestCmd string
	// BuildCmd builds Source's bin/nexus and bin/plugins (sh -c).
	BuildCmd string
	// Root holds releases/<name>/bin and the current symlink the service
	// runs (current/bin/nexus, NEXUS_PLUGIN_DIR=current/bin/plugins).
	Root string
	// StartCmd and StopCmd start and stop the service (sh -c), e.g.
	// "systemctl start nexus"; StopCmd returns once the host has exited.
	StartCmd, StopCmd string
	// URL is the host's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// ReadyTimeout bounds the wait for /readyz to answer 200.
	ReadyTimeout time.Duration
	// SmokeEmail and SmokePassword log in the smoke requests: a member of
	// a company that has the verticals to check enabled.
	SmokeEmail, SmokePassword string
	// SmokeRoute is a GET path (under /api/v1/) that must answer 2xx; ""
	// picks, for each running vertical the smoke company enabled, its first
	// GET route without parameters from /api/v1/openapi.json, which must
	// answer without a server error.
	SmokeRoute string
	// BackupDir receives one backup per deploy, named after the release.
	BackupDir string
	// DatabaseURL is the platform's database (NEXUS_DATABASE_URL).
	DatabaseURL string
	// Tools are the PostgreSQL client tools for the backup and restore.
	Tools backup.Tools
	// Version is the nexus version running the deploy, recorded in the
	// backup's manifest.
	Version string
	// Env is the environment of every command the deploy runs.
	Env []string
	// Out receives the progress report and the commands' output.
	Out io.Writer
}

func (c Config) validate() error {
	var errs []error
	for _, f := range []struct{ v, name string }{
		{c.Source, "source"}, {c.Branch, "branch"}, {c.BuildCmd, "build command"}, {c.Root, "root"},
		{c.StartCmd, "start command"}, {c.StopCmd, "stop command"}, {c.URL, "url"},
		{c.SmokeEmail, "smoke email"}, {c.SmokePassword, "smoke password"}, {c.BackupDir, "backup directory"},
		{c.DatabaseURL, "database url"},
	} {
		if f.v == "" {
			errs = append(errs, errors.New("deploy: the "+f.name+" is required"))
		}
	}
	if c.ReadyTimeout <= 0 {
		errs = append(errs, errors.New("deploy: the ready timeout must be positive"))
	}
	return errors.Join(errs...)
}
