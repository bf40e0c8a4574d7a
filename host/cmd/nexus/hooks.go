package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/jobs"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/sdk/kind"
)

// webhookGate lets a public webhook call reach a vertical only for an
// active company that enabled it — anything else is the same 404, so a
// caller learns nothing about which companies exist — and within the
// company's webhook rate limit.
func (p *platform) webhookGate(r *http.Request, vertical string, companyID uuid.UUID) (plugins.Tenant, error) {
	a, err := p.gate.Access(r.Context(), companyID, vertical)
	var he *httpx.Error
	if errors.As(err, &he) && he.Kind == kind.NotFound || err == nil && (!a.Enabled || !a.Company.Active) {
		return plugins.Tenant{}, httpx.NotFound("webhook_not_found", "no such webhook")
	}
	if err != nil {
		return plugins.Tenant{}, fmt.Errorf("webhook gate: %w", err)
	}
	if err := p.webhookRate(r.Context(), companyID); err != nil {
		return plugins.Tenant{}, err
	}
	return plugins.Tenant{Company: pluginCompany(a.Company), Config: a.Config}, nil
}

// webhookRate counts a public webhook call of the company against
// NEXUS_RATE_LIMIT_WEBHOOK: 429 rate_limited past it.
func (p *platform) webhookRate(ctx context.Context, companyID uuid.UUID) error {
	limit := p.cfg.WebhookLimit
	if limit.Rate <= 0 {
		return nil
	}
	d, err := p.shared.webhookLimiter.Allow(ctx, "webhook:"+companyID.String(), limit)
	if err != nil {
		return fmt.Errorf("webhook rate limit: %w", err)
	}
	if !d.Allowed {
		e := httpx.NewError(kind.RateLimited, "rate_limited", "too many webhook calls for this company")
		e.RetryAfter = max(1, int(math.Ceil(d.RetryAfter.Seconds())))
		return e
	}
	return nil
}

// openJobs registers the verticals' jobs and the host's own with the
// scheduler and starts it.
func (p *platform) openJobs(ctx context.Context) error {
	p.jobs = jobs.New(jobs.Config{Pool: p.pool, Log: p.log.Named("jobs"), PollInterval: p.cfg.JobPollInterval,
		Timeout: p.cfg.JobTimeout, Observe: p.metrics.JobRan()})
	list := p.hostJobs()
	for _, vj := range p.plugins.Jobs() {
		list = append(list, p.verticalJob(vj))
	}
	if err := p.jobs.Register(ctx, list...); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	p.jobs.Start(ctx)
	return nil
}

// verticalJob is the scheduler's job for a job a vertical declares.
func (p *platform) verticalJob(vj plugins.VerticalJob) jobs.Job {
	j := vj.Job
	out := jobs.Job{
		Name: vj.Vertical + "." + j.GetName(), Schedule: j.GetSchedule(), Summary: j.GetSummary(),
		Timeout: time.Duration(j.GetTimeoutMs()) * time.Millisecond, MaxAttempts: int(j.GetMaxAttempts()),
		Run: func(ctx context.Context, run jobs.Run) error {
			jr := plugins.JobRun{ID: run.ID.String(), Job: j.GetName(), Attempt: run.Attempt, ScheduledAt: run.ScheduledAt}
			if run.CompanyID != uuid.Nil {
				// Read afresh: the company may have been disabled since the
				// run listed it.
				a, err := p.tenancy.Access(ctx, run.CompanyID, vj.Vertical)
				if err != nil {
					return err
				}
				if !a.Enabled || !a.Company.Active {
					return nil
				}
				jr.Tenant = &plugins.Tenant{Company: pluginCompany(a.Company), Config: a.Config}
			}
			return p.plugins.RunJob(ctx, vj.Vertical, jr)
		},
	}
	if j.GetPerCompany() {
		out.Companies = func(ctx context.Context) ([]uuid.UUID, error) {
			return p.tenancy.EnabledCompanies(ctx, vj.Vertical)
		}
	}
	return out
}

// hostJobs are the host's own periodic work: refreshing the reporting
// views and pruning what it keeps only for a while (event tables,
// idempotency keys, refresh tokens).
func (p *platform) hostJobs() []jobs.Job {
	every := "@every " + p.cfg.PruneInterval.String()
	return []jobs.Job{
		p.reporting.Job(),
		p.events.Job(),
		p.payments.Job("@every " + p.cfg.MercadoPagoPollInterval.String()),
		p.fiscal.CancellationJob(fiscal.DefaultCancelSchedule),
		p.fiscal.GlobalJob(),
		{Name: "host.prune_idempotency_keys", Schedule: every, Summary: "delete idempotency keys older than NEXUS_IDEMPOTENCY_TTL",
			Run: func(ctx context.Context, _ jobs.Run) error {
				n, err := hostcall.PruneIdempotencyKeys(ctx, p.pool, p.cfg.IdempotencyTTL)
				if n > 0 {
					p.log.Info("pruned idempotency keys", "rows", n)
				}
				return err
			}},
		{Name: "host.prune_refresh_tokens", Schedule: every, Summary: "delete refresh tokens expired for a day",
			Run: func(ctx context.Context, _ jobs.Run) error {
				n, err := p.auth.PruneRefreshTokens(ctx)
				if n > 0 {
					p.log.Info("pruned refresh tokens", "rows", n)
				}
				return err
			}},
	}
}
