package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/hashicorp/go-hclog"

	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/migrate"
)

// migrateUsage documents the migrate command.
const migrateUsage = `usage: nexus migrate [--vertical NAME | --all] status|up|down N
the host's migrations; with --vertical those of the vertical NAME, read
from its plugin in NEXUS_PLUGIN_DIR (launched only to describe itself);
with --all (status and up) the host's, then those of every plugin in
NEXUS_PLUGIN_DIR, in name order — a plugin that declares none has nothing
to do`

// migrateCmd runs `nexus migrate`.
func migrateCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), migrateUsage) }
	verticalName := fs.String("vertical", "", "a vertical's migrations instead of the host's")
	all := fs.Bool("all", false, "the host's migrations, then every plugin's (status and up)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("migrate: %w", err)
	}
	sub, n, err := migrateSubcommand(fs.Args())
	if err != nil {
		return err
	}
	switch {
	case *all && *verticalName != "":
		return fmt.Errorf("migrate: --all and --vertical exclude each other\n%s", migrateUsage)
	case *all && sub == "down":
		return fmt.Errorf("migrate: down reverts the migrations of one component; name it (--vertical NAME, or none for the host's)\n%s", migrateUsage)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := cfg.Logger()
	comps, err := migrationComponents(ctx, cfg, log, *verticalName, *all)
	if err != nil {
		return err
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	m := migrate.NewMigrator(pool, log.Named("migrate"))
	switch sub {
	case "status":
		return migrateStatus(ctx, m, comps)
	case "up":
		for _, comp := range comps {
			if len(comp.Migrations) == 0 {
				fmt.Printf("%s: declares no migrations\n", comp.Name)
				continue
			}
			applied, err := m.Up(ctx, comp)
			if err != nil {
				return fmt.Errorf("%s: %w", comp.Name, err)
			}
			fmt.Printf("%s: applied %d migration(s) %v\n", comp.Name, len(applied), applied)
		}
		return nil
	default: // down, of one component
		reverted, err := m.Down(ctx, comps[0], n)
		if err != nil {
			return err
		}
		fmt.Printf("%s: reverted %d migration(s) %v\n", comps[0].Name, len(reverted), reverted)
		return nil
	}
}

// migrateSubcommand reads the subcommand of `nexus migrate` (status when
// none) and down's count.
func migrateSubcommand(args []string) (sub string, n int, err error) {
	if len(args) == 0 {
		return "status", 0, nil
	}
	switch sub = args[0]; {
	case (sub == "status" || sub == "up") && len(args) == 1:
		return sub, 0, nil
	case sub == "down" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			return "", 0, fmt.Errorf("migrate down: %q is not a positive number", args[1])
		}
		return sub, n, nil
	case sub == "status" || sub == "up" || sub == "down":
		return "", 0, errors.New(migrateUsage)
	default:
		return "", 0, fmt.Errorf("unknown migrate command %q\n%s", sub, migrateUsage)
	}
}

// migrationComponents returns the components a migrate command works on:
// the host's; the vertical name's, which must declare migrations; or,
// with all, the host's and then every discovered plugin's, in name order,
// those without migrations included (they have nothing to do). Every
// plugin is described before any migration runs.
func migrationComponents(ctx context.Context, cfg config.Config, log hclog.Logger, name string, all bool) ([]migrate.Component, error) {
	host, err := migrate.Host()
	if err != nil {
		return nil, err
	}
	if name == "" && !all {
		return []migrate.Component{host}, nil
	}
	var out []migrate.Component
	names := []string{name}
	if all {
		bins, err := plugins.Discover(cfg.PluginDir)
		if err != nil {
			return nil, err
		}
		out, names = []migrate.Component{host}, nil
		for _, b := range bins {
			names = append(names, b.Name)
		}
	}
	pcfg := plugins.Config{Dir: cfg.PluginDir, LockFile: cfg.PluginLock, RequestTimeout: cfg.RequestTimeout,
		Env: config.PluginEnv(os.Environ()), HostVersion: version, Logger: log.Named("plugins")}
	for _, n := range names {
		man, err := plugins.Describe(ctx, pcfg, n)
		if err != nil {
			return nil, err
		}
		comp := hostcall.Component(man)
		if len(comp.Migrations) == 0 && !all {
			return nil, fmt.Errorf("vertical %s declares no migrations", n)
		}
		out = append(out, comp)
	}
	return out, nil
}

// migrateStatus prints the migrations of comps, applied or pending.
func migrateStatus(ctx context.Context, m *migrate.Migrator, comps []migrate.Component) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "COMPONENT\tVERSION\tNAME\tAPPLIED")
	for _, comp := range comps {
		if len(comp.Migrations) == 0 {
			fmt.Fprintf(w, "%s\t-\t(no migrations)\t-\n", comp.Name)
			continue
		}
		st, err := m.Status(ctx, comp)
		if err != nil {
			return fmt.Errorf("%s: %w", comp.Name, err)
		}
		for _, s := range st {
			applied := "pending"
			if s.Applied {
				applied = s.AppliedAt.Format("2006-01-02 15:04:05Z07:00")
			}
			if s.Modified {
				applied += " (file changed since!)"
			}
			fmt.Fprintf(w, "%s\t%04d\t%s\t%s\n", comp.Name, s.Version, s.Name, applied)
		}
	}
	return w.Flush()
}
