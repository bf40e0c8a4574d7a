package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // company time zones must resolve on hosts without tzdata

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/apikeys"
	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/banking"
	"github.com/nexuspos/nexus/host/internal/config"
	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/hostsvc"
	"github.com/nexuspos/nexus/host/internal/httpapi"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/metrics"
	"github.com/nexuspos/nexus/host/internal/payments"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/ratelimit"
	"github.com/nexuspos/nexus/host/internal/reporting"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/tenancy"
	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/host/internal/webui"
	"github.com/nexuspos/nexus/internal/migrate"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// platform is everything a running host holds.
type platform struct {
	cfg       config.Config
	log       hclog.Logger
	pool      *pgxpool.Pool
	auth      *auth.Service
	tenancy   *tenancy.Service
	gate      *tenancy.Gate
	plugins   *plugins.Manager
	shared    *shared
	events    *events.Service
	reporting *reporting.Service
	jobs      *jobs.Scheduler
	payments  *payments.Service
	fiscal    *fiscal.Service
	// metrics is nil unless NEXUS_METRICS_ADDR is set.
	metrics *metrics.Metrics
	// draining is set once the host is told to stop: /readyz answers 503.
	draining atomic.Bool
	// invoices is set once serve made the invoices service (the MX fiscal
	// issuer, made earlier, stores stamped CFDIs with it).
	invoices atomic.Pointer[invoices.Service]
}

// open loads the configuration, connects to the database and migrates it.
func open(ctx context.Context) (*platform, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	log := cfg.Logger()
	pool, err := store.Open(ctx, cfg.DatabaseURL, log.Named("store"))
	if err != nil {
		return nil, err
	}
	host, err := migrate.Host()
	if err != nil {
		pool.Close()
		return nil, err
	}
	applied, err := migrate.NewMigrator(pool, log.Named("migrate")).Up(ctx, host)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.Info("applied host migrations", "versions", applied)
	}
	return &platform{cfg: cfg, log: log, pool: pool}, nil
}

// newAuth builds the auth service, enforcing the secret rules.
func (p *platform) newAuth() error {
	secret, generated, err := auth.LoadSecret(p.cfg.JWTSecret, p.cfg.Dev())
	if err != nil {
		return fmt.Errorf("NEXUS_JWT_SECRET: %w", err)
	}
	if generated {
		p.log.Warn("NEXUS_JWT_SECRET is unset; generated a random one (NEXUS_ENV=dev): tokens die with this process")
	}
	limiter := ratelimit.Limiter(ratelimit.NewMemory())
	if p.shared != nil {
		limiter = p.metrics.Limiter(p.shared.limiter, "login")
	}
	cfg := auth.Config{Secret: secret, LoginPerIP: p.cfg.LoginPerIP, LoginPerEmail: p.cfg.LoginPerEmail}
	p.auth, err = auth.NewService(p.pool, cfg, limiter, p.log.Named("auth"))
	return err
}

func serve(ctx context.Context) error {
	p, err := open(ctx)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	// The platform's parts run on until the HTTP server has drained, not
	// just until the signal (ctx): requests served while the host drains
	// still have their event bus, cache invalidations, jobs and plugin
	// supervision.
	run, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	// Until the server listens, a signal still stops the start-up itself.
	startingUp := context.AfterFunc(ctx, stopRun)
	traced, stopTracing, err := tracing.Setup(run)
	if err != nil {
		return err
	}
	if traced {
		p.log.Info("tracing on: spans go to the OTLP endpoint of the OTEL_* variables")
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
		defer cancel()
		if err := stopTracing(stopCtx); err != nil {
			p.log.Warn("flushing traces failed", "error", err)
		}
	}()
	if err := p.serveDebug(run); err != nil {
		return fmt.Errorf("NEXUS_DEBUG_ADDR: %w", err)
	}
	if err := p.openMetrics(run); err != nil {
		return fmt.Errorf("NEXUS_METRICS_ADDR: %w", err)
	}
	if err := p.openShared(run); err != nil {
		return err
	}
	if err := p.newAuth(); err != nil {
		return err
	}
	keys, err := p.secretsKeys()
	if err != nil {
		return err
	}
	if p.cfg.AdminEmail != "" {
		if _, created, err := p.auth.CreateAdmin(run, p.cfg.AdminEmail, p.cfg.AdminPassword); err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		} else if created {
			p.log.Info("created platform admin", "email", p.cfg.AdminEmail)
		}
	}
	eventsCfg := p.cfg.Events
	eventsCfg.Observer = p.metrics.Events()
	if p.events, err = events.New(p.pool, eventsCfg, p.log.Named("events")); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	p.metrics.WatchEvents(p.events)
	// Secrets are for installed verticals (the closure asks the runtime
	// made next), the fiscal service's and the payment service's
	// credentials, each in a namespace of its own.
	secretsSvc := secrets.NewService(p.pool, keys, func(name string) bool {
		return name == fiscal.SecretsNamespace || name == payments.SecretNamespace || p.plugins.Known(name)
	})
	p.fiscal = p.newFiscal(secretsSvc)
	p.payments = payments.New(payments.Config{
		Pool: p.pool, Secrets: secretsSvc, BaseURL: p.cfg.MercadoPagoBaseURL, PollAfter: p.cfg.MercadoPagoPollAfter,
		Outbound: outbound.NewPool(outbound.Config{Logger: p.log.Named("payments.outbound")}),
		Wake:     p.events.Wake, Log: p.log.Named("payments"), WebhookLimit: p.webhookRate,
	})
	p.plugins = plugins.New(plugins.Config{
		Dir:            p.cfg.PluginDir,
		LockFile:       p.cfg.PluginLock,
		HealthInterval: p.cfg.HealthInterval,
		MaxBackoff:     p.cfg.PluginRestartMax,
		RequestTimeout: p.cfg.RequestTimeout,
		Env:            config.PluginEnv(os.Environ()),
		HostVersion:    version,
		Logger:         p.log.Named("plugins"),
		Pool:           p.pool,
		Cache:          p.shared.cache,
		Locks:          p.shared.locks,
		Events:         p.events,
		Publish:        hostsvc.OutboxPublisher(p.events),
		Tenant:         p.tenant,
		Secrets:        secretsSvc,
		Fiscal:         p.fiscal,
		Payments:       p.payments,
		// A development host swaps in plugins rebuilt in its plugin
		// directory; production never does.
		Watch:       p.cfg.Dev(),
		DialOptions: p.metrics.PluginDialOptions,
	})
	p.metrics.WatchPlugins(p.plugins.List)
	p.tenancy = tenancy.NewService(p.pool, verticalsAdapter{p.plugins}, p.log.Named("tenancy"))
	p.gate = tenancy.NewGate(p.tenancy, p.shared.cache, p.log.Named("tenancy"))
	// Plugins are stopped on every path out of serve, so none outlives the host.
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
		defer cancel()
		p.plugins.Stop(stopCtx)
	}()
	if err := p.plugins.Start(run); err != nil {
		return err
	}
	if err := p.openReporting(run); err != nil {
		return err
	}
	if err := p.openJobs(run); err != nil {
		return err
	}
	// Runs in flight end (their context is run) before the plugins stop.
	defer p.jobs.Wait()
	if err := p.events.Start(run); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
		defer cancel()
		if err := p.events.Stop(stopCtx); err != nil {
			p.log.Warn("event bus did not stop cleanly", "error", err)
		}
	}()
	if p.cfg.Demo {
		if err := p.seedDemo(run); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	invoiceSvc := invoices.NewService(p.pool, p.log.Named("invoices"), invoices.WithRevenue(p.reporting))
	p.invoices.Store(invoiceSvc)
	bankSvc, err := p.openBanking(run)
	if err != nil {
		return err
	}
	limit := p.shared.rateLimit()
	authenticate := func(next http.Handler) http.Handler { return p.auth.Authenticate(limit(next)) }
	router := httpapi.NewRouter(httpapi.Deps{
		Log:          p.log.Named("http"),
		DB:           p.pool,
		Plugins:      p.plugins,
		Degraded:     p.degraded,
		Draining:     p.draining.Load,
		Authenticate: authenticate,
		AuthenticateOptional: func(next http.Handler) http.Handler {
			return limit(p.auth.AuthenticateOptional(next))
		},
		Version: version,
		Web:     webui.New(),
		Mounts: []httpapi.Mount{
			{Path: "/auth", Docs: auth.Docs, Routes: func(r chi.Router) {
				r.Use(limit)
				p.auth.Routes(r)
			}},
			{Path: "/companies", Docs: slices.Concat(tenancy.Docs, secrets.Docs, apikeys.Docs, audit.Docs, payments.Docs), Routes: func(r chi.Router) {
				p.tenancy.Routes(r, authenticate, secretsSvc.Routes, apikeys.NewService(p.pool).Routes,
					auditRoutes(audit.NewService(p.pool)), p.payments.CompanyRoutes)
			}},
			// Mercado Pago's notifications: public, checked by signature.
			{Path: payments.WebhookMount, Docs: payments.WebhookDocs, Routes: p.payments.WebhookRoutes},
			{Path: "/invitations", Docs: tenancy.InvitationDocs, Routes: func(r chi.Router) {
				r.Use(limit)
				p.tenancy.InvitationRoutes(r, p.auth.AuthenticateOptional, p.auth)
			}},
			{Path: "/invoices", Docs: invoices.Docs, MaxBodyBytes: invoiceSvc.Limits().MaxBodyBytes, Routes: func(r chi.Router) {
				r.Use(authenticate)
				invoiceSvc.Routes(r)
			}},
			{Docs: reporting.Docs, Routes: func(r chi.Router) {
				r.Use(authenticate)
				p.reporting.Routes(r)
			}},
			{Path: "/admin/jobs", Docs: jobs.Docs, Routes: func(r chi.Router) {
				r.Use(authenticate)
				p.jobs.Routes(r)
			}},
			{Path: "/admin/events", Docs: events.Docs, Routes: func(r chi.Router) {
				r.Use(authenticate)
				p.events.Routes(r)
			}},
			{Path: "/fiscal", Docs: fiscal.Docs, Routes: func(r chi.Router) {
				r.Use(authenticate)
				p.fiscal.Routes(r)
			}},
			{Path: "/bank", Docs: banking.Docs, MaxBodyBytes: bankSvc.Limits().MaxFileBytes + 1<<20, Routes: func(r chi.Router) {
				r.Use(authenticate)
				bankSvc.Routes(r)
			}},
		},
		VerticalGate: p.verticalGate,
		WebhookGate:  p.webhookGate,
		MaxBodyBytes: p.cfg.MaxBodyBytes,
		Observe:      p.metrics.HTTP(),
	})
	// The parts stop once the server has drained, before the deferred
	// stops of the event bus, the jobs and the plugins.
	defer stopRun()
	if !startingUp() {
		return fmt.Errorf("stopped while starting: %w", context.Cause(ctx))
	}
	return p.listen(ctx, router)
}

// secretsKeys returns the keyring of the verticals' secrets: the
// configured one, or on a development host without NEXUS_SECRETS_KEY the
// well-known development key. Any other host refuses to start without one.
func (p *platform) secretsKeys() (secrets.Keyring, error) {
	if !p.cfg.SecretsKeys.Empty() {
		return p.cfg.SecretsKeys, nil
	}
	if !p.cfg.Dev() {
		return secrets.Keyring{}, errors.New("NEXUS_SECRETS_KEY is required unless NEXUS_ENV=dev (generate one with: openssl rand -base64 32)")
	}
	p.log.Warn("NEXUS_SECRETS_KEY is unset; sealing secrets with the public development key (NEXUS_ENV=dev): they are not secret")
	return secrets.DevKeyring(), nil
}

// auditRoutes mounts the audit log below /companies/{id}, for admins.
func auditRoutes(svc *audit.Service) tenancy.CompanyRoutes {
	return func(r chi.Router, access func(*http.Request, auth.Role) (uuid.UUID, auth.Principal, error)) {
		svc.Routes(r, func(r *http.Request) (uuid.UUID, error) {
			id, _, err := access(r, auth.RoleAdmin)
			return id, err
		})
	}
}

// listen serves until ctx ends, then drains: /readyz answers 503 and
// responses close their connections while requests are still served for
// the drain delay (so that a load balancer takes the host out of rotation
// first), then the listener closes and in-flight requests finish up to the
// shutdown timeout.
func (p *platform) listen(ctx context.Context, h http.Handler) error {
	ln, err := net.Listen("tcp", p.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", p.cfg.HTTPAddr, err)
	}
	// While draining, each response closes its connection, so that a
	// load balancer's next request opens one to another host; idle
	// connections are closed only at the shutdown, once the balancer has
	// stopped choosing this host (closing them earlier races with a
	// request being sent on one).
	drain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: drain, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	p.log.Info("listening", "addr", ln.Addr().String(), "plugins", len(p.plugins.List()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	p.draining.Store(true)
	if p.cfg.DrainDelay > 0 {
		p.log.Info("stopping: /readyz answers 503 draining; still serving", "delay", p.cfg.DrainDelay)
		time.Sleep(p.cfg.DrainDelay)
	}
	p.log.Info("shutting down: draining requests", "timeout", p.cfg.ShutdownTimeout)
	drainCtx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(drainCtx); err != nil {
		p.log.Warn("drain deadline passed; closing remaining connections", "error", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// verticalGate adapts the tenancy gate to the plugin runtime.
func (p *platform) verticalGate(r *http.Request, vertical string) (plugins.Tenant, error) {
	a, err := p.gate.Check(r, vertical)
	if err != nil {
		return plugins.Tenant{}, err
	}
	return plugins.Tenant{Company: pluginCompany(a.Company), Config: a.Config}, nil
}

// tenant resolves the company of an event for a vertical's handler.
func (p *platform) tenant(ctx context.Context, companyID uuid.UUID, vertical string) (plugins.Tenant, error) {
	a, err := p.gate.Access(ctx, companyID, vertical)
	if err != nil {
		return plugins.Tenant{}, err
	}
	return plugins.Tenant{Company: pluginCompany(a.Company), Config: a.Config}, nil
}

func pluginCompany(c tenancy.Company) plugins.Company {
	return plugins.Company{ID: c.ID, Name: c.Name, Country: c.Country, Currency: c.Currency, Timezone: c.Timezone, TaxID: c.TaxID}
}

// verticalsAdapter lets tenancy configure verticals through the runtime.
type verticalsAdapter struct{ m *plugins.Manager }

func (a verticalsAdapter) Known(name string) bool { return a.m.Known(name) }

func (a verticalsAdapter) Configure(ctx context.Context, name string, c tenancy.Company, config json.RawMessage) error {
	return a.m.Configure(ctx, name, pluginCompany(c), config)
}

// degraded reports the shared backends (Redis, the event bus) running
// in a fallback mode.
func (p *platform) degraded() (bool, string) {
	var reasons []string
	if bad, reason := p.shared.degraded(); bad {
		reasons = append(reasons, "redis: "+reason)
	}
	if h := p.events.Health(); !h.OK {
		reasons = append(reasons, "event bus: "+h.Reason)
	}
	return len(reasons) > 0, strings.Join(reasons, "; ")
}
