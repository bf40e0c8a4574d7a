package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/migrate"
)

// migrateUsage documents the migrate command.
const migrateUsage = `usage: nexus migrate [--vertical NAME] status|up|down N
the host's migrations, or with --vertical those of the vertical NAME, read
from its plugin in NEXUS_PLUGIN_DIR (launched only to describe itself)`

func migrateCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), migrateUsage) }
	verticalName := fs.String("vertical", "", "a vertical's migrations instead of the host's")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("migrate: %w", err)
	}
	args = fs.Args()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := cfg.Logger()
	comp, err := migrate.Host()
	if err != nil {
		return err
	}
	if *verticalName != "" {
		man, err := plugins.Describe(ctx, plugins.Config{Dir: cfg.PluginDir, LockFile: cfg.PluginLock,
			RequestTimeout: cfg.RequestTimeout, Env: config.PluginEnv(os.Environ()), HostVersion: version,
			Logger: log.Named("plugins")}, *verticalName)
		if err != nil {
			return err
		}
		if comp = hostcall.Component(man); len(comp.Migrations) == 0 {
			return fmt.Errorf("vertical %s declares no migrations", *verticalName)
		}
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	m := migrate.NewMigrator(pool, log.Named("migrate"))
	sub := "status"
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "status":
		st, err := m.Status(ctx, comp)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "COMPONENT\tVERSION\tNAME\tAPPLIED")
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
		return w.Flush()
	case "up":
		applied, err := m.Up(ctx, comp)
		if err != nil {
			return err
		}
		fmt.Printf("applied %d migration(s) %v\n", len(applied), applied)
		return nil
	case "down":
		if len(args) != 2 {
			return errors.New(migrateUsage)
		}
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			return fmt.Errorf("migrate down: %q is not a positive number", args[1])
		}
		reverted, err := m.Down(ctx, comp, n)
		if err != nil {
			return err
		}
		fmt.Printf("reverted %d migration(s) %v\n", len(reverted), reverted)
		return nil
	default:
		return fmt.Errorf("unknown migrate command %q\n%s", sub, migrateUsage)
	}
}

func admin(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: nexus admin create --email E --password P")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "admin email")
	password := fs.String("password", "", "admin password (at least 8 characters)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *password == "" {
		return errors.New("usage: nexus admin create --email E --password P")
	}
	p, err := open(ctx)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	// Creating an account signs no token: the command needs no
	// NEXUS_JWT_SECRET, and the service gets a throwaway one.
	secret := make([]byte, auth.MinSecretLen)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("admin create: %w", err)
	}
	svc, err := auth.NewService(p.pool, auth.Config{Secret: secret}, ratelimit.NewMemory(), p.log.Named("auth"))
	if err != nil {
		return err
	}
	id, created, err := svc.CreateAdmin(ctx, *email, *password)
	if err != nil {
		return err
	}
	word := "already existed"
	if created {
		word = "created"
	}
	fmt.Printf("platform admin %s %s (id %s)\n", *email, word, id)
	return nil
}

func listPlugins() error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	bins, err := plugins.Discover(cfg.PluginDir)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPATH")
	for _, b := range bins {
		fmt.Fprintf(w, "%s\t%s\n", b.Name, b.Path)
	}
	return w.Flush()
}
