// Command nexus is the Nexus host: it serves the API, runs the vertical
// plugins and manages the database.
//
//	nexus [serve]                       start the platform (default)
//	nexus migrate [--vertical NAME | --all] status|up|down N
//	                                    the host's, a vertical's or (status, up) all migrations
//	nexus admin create --email E --password P
//	nexus seed --companies N --transactions M [--days D] [--seed S] [--append]
//	nexus secrets rotate-key            re-seal secrets under NEXUS_SECRETS_KEY
//	nexus backup [--dir DIR]            dump the database with a manifest
//	nexus restore --dir DIR             restore a backup into an empty database
//	nexus deploy [flags]                build, back up, migrate, start, verify; roll back on failure
//	nexus plugins                       list discovered plugins
//	nexus new vertical NAME [--dir D]   write a new vertical (default plugins/NAME)
//	nexus healthcheck                   probe the running host's /healthz (container health check)
//	nexus version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nexus:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx)
	case "migrate":
		return migrateCmd(ctx, args)
	case "admin":
		return admin(ctx, args)
	case "seed":
		return seed(ctx, args)
	case "secrets":
		return secretsCmd(ctx, args)
	case "backup":
		return backupCmd(ctx, args, false)
	case "restore":
		return backupCmd(ctx, args, true)
	case "deploy":
		return deployCmd(ctx, args)
	case "plugins":
		return listPlugins()
	case "new":
		return newCmd(os.Stdout, args)
	case "healthcheck":
		return healthcheck(ctx, args)
	case "version":
		fmt.Println("nexus", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

const usage = `usage:
  nexus [serve]                             start the platform
  nexus migrate [--vertical NAME | --all] status|up|down N
                                            the host's migrations, or the vertical NAME's (read from its plugin),
                                            or (--all: status, up) the host's then every plugin's
  nexus admin create --email E --password P create a platform admin
  nexus seed --companies N --transactions M [--days D] [--seed S] [--append]
                                            fill demo/benchmark data through the running verticals
  nexus secrets rotate-key                  re-seal every secret sealed with a NEXUS_SECRETS_KEY_PREVIOUS key
                                            under NEXUS_SECRETS_KEY
  nexus backup [--dir DIR] [--pg-bin DIR]   write DIR/nexus.dump (pg_dump, one snapshot) and DIR/manifest.json
  nexus restore --dir DIR [--pg-bin DIR]    restore a backup into an empty database and verify it against its manifest
  nexus deploy [flags]                      deploy the release built from a clean git tree: tests, backup,
                                            migrations, start, /readyz, smoke requests; roll back on failure
                                            (nexus deploy -h; NEXUS_DEPLOY_* variables)
  nexus plugins                             list discovered plugins
  nexus new vertical NAME [--dir DIR] [--module PATH] [--sdk DIR]
                                            write a new vertical that builds and passes its tests
                                            (default DIR plugins/NAME; --module/--sdk outside any Go module)
  nexus healthcheck                         exit 0 if the host on NEXUS_HTTP_ADDR answers /healthz with 200
  nexus version
configuration: NEXUS_* environment variables (see README)
`
