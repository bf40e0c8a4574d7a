package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/plugins"
	seeding "github.com/nexuspos/nexus/host/internal/seed"
	"github.com/nexuspos/nexus/host/internal/tenancy"
)

// seedUsage documents the seed command.
const seedUsage = `usage: nexus seed --companies N --transactions M [--days D] [--seed S] [--append]
fills the database with realistic demo data: companies (MX and AR) with an
owner, a cashier and every running vertical enabled, each vertical's own data
(it generates M transactions across the companies, written in bulk with COPY)
and the host's CFDI invoices of the Mexican companies.
`

// seed starts the platform without HTTP (database, tenancy and the plugins,
// so the verticals migrate and provision their companies), generates the
// data and prints a summary.
func seed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), seedUsage); fs.PrintDefaults() }
	var o seeding.Options
	fs.IntVar(&o.Companies, "companies", 2, "companies to create, alternately MX and AR")
	fs.IntVar(&o.Transactions, "transactions", 10000, "transactions (sales...) each vertical generates across the companies")
	fs.IntVar(&o.Days, "days", seeding.DefaultDays, "days the transactions are spread over, ending yesterday")
	fs.Int64Var(&o.Seed, "seed", seeding.DefaultSeed, "random seed: the same seed gives the same data")
	fs.BoolVar(&o.Append, "append", false, "add to a database that already holds seed data")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("seed: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("seed: unexpected arguments %q\n%s", fs.Args(), seedUsage)
	}
	p, err := open(ctx)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	p.plugins = plugins.New(plugins.Config{
		Dir:            p.cfg.PluginDir,
		LockFile:       p.cfg.PluginLock,
		HealthInterval: p.cfg.HealthInterval,
		RequestTimeout: p.cfg.RequestTimeout,
		Env:            config.PluginEnv(os.Environ()),
		HostVersion:    version,
		Logger:         p.log.Named("plugins"),
		Pool:           p.pool,
	})
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
		defer cancel()
		p.plugins.Stop(stopCtx)
	}()
	if err := p.plugins.Start(ctx); err != nil {
		return err
	}
	var verticals []seeding.Vertical
	for _, v := range p.plugins.List() {
		if v.Serving() {
			verticals = append(verticals, seeding.Vertical{Name: v.Name, Config: exampleConfig(p.plugins.ConfigSchema(v.Name))})
		}
	}
	if len(verticals) == 0 {
		return fmt.Errorf("seed: no vertical is running (plugin dir %s): %v", p.cfg.PluginDir, p.plugins.Unhealthy())
	}
	p.tenancy = tenancy.NewService(p.pool, verticalsAdapter{p.plugins}, p.log.Named("tenancy"))
	sum, err := seeding.Run(ctx, seeding.Deps{Pool: p.pool, Tenancy: p.tenancy, Seeder: p.plugins,
		Verticals: verticals, Log: p.log.Named("seed")}, o)
	if err != nil {
		return err
	}
	sum.Print(os.Stdout)
	return nil
}
