package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

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
