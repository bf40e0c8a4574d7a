// Package jobs is the host's scheduler: jobs declared by the host itself
// (refreshing the reporting views, pruning) and by verticals' manifests run
// on a cron schedule or an interval, each activation once across every host
// replica sharing the database (a row per job in scheduled_jobs, claimed
// FOR UPDATE SKIP LOCKED and leased while it runs), with a timeout per
// attempt and retries with backoff; a per-company job runs once for each of
// its companies. Platform admins list the jobs and run one now over HTTP.
// It must not know what a job does: the caller's Run does the work, in the
// unit of work it chooses.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/schedule"
)

// Job is a named piece of work run on a schedule.
type Job struct {
	// Name is unique across the platform: "host.<name>" for the host's
	// own, "<vertical>.<name>" for a vertical's.
	Name string
	// Schedule is a cron expression, descriptor or "@every" interval
	// (package internal/schedule), in UTC.
	Schedule string
	Summary  string
	// Timeout bounds one attempt (Config.Timeout when zero).
	Timeout time.Duration
	// MaxAttempts is how often a failing run is tried (Config.MaxAttempts
	// when zero).
	MaxAttempts int
	// Companies, when set, makes the job per company: each run calls Run
	// once for each company it returns, each with its own attempts.
	Companies func(ctx context.Context) ([]uuid.UUID, error)
	// Run does one attempt.
	Run func(ctx context.Context, run Run) error

	schedule schedule.Schedule
}

// Run is one attempt of a job.
type Run struct {
	// ID identifies the run (all attempts, every company).
	ID  uuid.UUID
	Job string
	// CompanyID is uuid.Nil for a global job.
	CompanyID uuid.UUID
	// Attempt counts from 1.
	Attempt int
	// ScheduledAt is when the run was due (or asked for, when triggered).
	ScheduledAt time.Time
}

// Config configures a Scheduler. Zero values take the defaults noted.
type Config struct {
	Pool *pgxpool.Pool
	Log  hclog.Logger
	// PollInterval is how often due jobs are looked for (1 s).
	PollInterval time.Duration
	// Timeout bounds one attempt of a job that sets none (5 min).
	Timeout time.Duration
	// MaxAttempts of a job that sets none (3).
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the wait between two attempts:
	// exponential with jitter (1 s, 1 min).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// Lease is how long a claimed run is held without renewal; a replica
	// renews it every Lease/3 while the run lasts (1 min).
	Lease time.Duration
	// Replica names this host in the table (hostname and pid).
	Replica string
	// Observe, when set, is told every run's job, duration and error (the
	// host's metrics).
	Observe func(job string, took time.Duration, err error)
}

func (c *Config) defaults() {
	if c.Log == nil {
		c.Log = hclog.NewNullLogger()
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.Replica == "" {
		host, _ := os.Hostname()
		c.Replica = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
}

// Scheduler runs registered jobs. Every replica registers the same jobs
// and runs its own Scheduler; the table decides who runs what.
type Scheduler struct {
	cfg Config

	mu   sync.RWMutex
	jobs map[string]*Job
	// base is the context runs get (Start's); nil before Start.
	base context.Context
	wg   sync.WaitGroup
}

// New returns a Scheduler; Register the jobs, then Start it.
func New(cfg Config) *Scheduler {
	cfg.defaults()
	return &Scheduler{cfg: cfg, jobs: map[string]*Job{}}
}

// Register adds jobs and records them in the table. A job keeps its next
// run across restarts unless its schedule changed.
func (s *Scheduler) Register(ctx context.Context, jobs ...Job) error {
	for _, j := range jobs {
		sch, err := schedule.Parse(j.Schedule)
		if err != nil {
			return fmt.Errorf("job %s: %w", j.Name, err)
		}
		if j.Name == "" || j.Run == nil {
			return fmt.Errorf("job %q: a name and a Run are required", j.Name)
		}
		j.schedule = sch
		if _, err := s.cfg.Pool.Exec(ctx, registerSQL, j.Name, j.Schedule, sch.Next(time.Now())); err != nil {
			return fmt.Errorf("register job %s: %w", j.Name, err)
		}
		s.mu.Lock()
		s.jobs[j.Name] = &j
		s.mu.Unlock()
	}
	return nil
}

func (s *Scheduler) job(name string) (*Job, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	j, ok := s.jobs[name]
	return j, ok
}

func (s *Scheduler) names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.jobs))
	for n := range s.jobs {
		out = append(out, n)
	}
	return out
}

// Start polls for due jobs until ctx ends; Wait then waits for the runs in
// flight.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	s.base = ctx
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(s.cfg.PollInterval)
		defer t.Stop()
		for {
			s.poll(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Wait returns when the poller and every run it started have ended.
func (s *Scheduler) Wait() { s.wg.Wait() }

// poll claims the due jobs and starts their runs.
func (s *Scheduler) poll(ctx context.Context) {
	claims, err := s.claimDue(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Log.Warn("claiming due jobs failed", "error", err)
		}
		return
	}
	for _, c := range claims {
		s.start(ctx, c)
	}
}

// claim is a leased run of a job.
type claim struct {
	job   *Job
	token uuid.UUID
	due   time.Time
	// link is the traceparent of the request that triggered the run, ""
	// for a scheduled run.
	link string
}

// claimDue leases every registered job that is due and not leased, and
// moves its next run on, in one transaction: replicas polling at the same
// time skip each other's rows.
func (s *Scheduler) claimDue(ctx context.Context) ([]claim, error) {
	tx, err := s.cfg.Pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	rows, err := tx.Query(ctx, dueSQL, s.names())
	if err != nil {
		return nil, err
	}
	type due struct {
		name string
		at   time.Time
	}
	var dues []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.name, &d.at); err != nil {
			rows.Close()
			return nil, err
		}
		dues = append(dues, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var claims []claim
	now := time.Now()
	for _, d := range dues {
		j, ok := s.job(d.name)
		if !ok {
			continue
		}
		c := claim{job: j, token: uuid.New(), due: d.at}
		if _, err := tx.Exec(ctx, leaseSQL, d.name, j.schedule.Next(now), c.token, s.cfg.Lease.Milliseconds(), s.cfg.Replica); err != nil {
			return nil, err
		}
		claims = append(claims, c)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return claims, nil
}

// start runs a claimed job in the background, renewing its lease, and
// records the outcome. The run is the root span of a trace of its own
// (linked to the request that triggered it, if one did), each attempt a
// child span, so that a vertical's job crosses into its plugin as a
// request does.
func (s *Scheduler) start(ctx context.Context, c claim) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		go s.renew(runCtx, c)
		runCtx, span := tracing.StartLinked(runCtx, "job "+c.job.Name, trace.SpanKindInternal, []string{c.link},
			attribute.String("nexus.job", c.job.Name), attribute.String("nexus.job.run_id", c.token.String()))
		started := time.Now()
		attempts, err := s.execute(runCtx, c)
		span.SetAttributes(attribute.Int("nexus.job.attempts", attempts), attribute.String("nexus.job.outcome", outcome(err)))
		if err != nil {
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
		s.finish(context.WithoutCancel(runCtx), c, started, attempts, err)
	}()
}

// outcome is a run's or an attempt's outcome: "ok" or "error".
func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// renew extends c's lease every Lease/3 until ctx ends.
func (s *Scheduler) renew(ctx context.Context, c claim) {
	t := time.NewTicker(s.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.cfg.Pool.Exec(ctx, renewSQL, c.job.Name, c.token, s.cfg.Lease.Milliseconds()); err != nil && ctx.Err() == nil {
				s.cfg.Log.Warn("renewing a job's lease failed", "job", c.job.Name, "error", err)
			}
		}
	}
}

// execute runs every attempt of c (for each company of a per-company
// job) and returns the most attempts one target took and the failures.
func (s *Scheduler) execute(ctx context.Context, c claim) (int, error) {
	j := c.job
	targets := []uuid.UUID{uuid.Nil}
	if j.Companies != nil {
		var err error
		if targets, err = j.Companies(ctx); err != nil {
			return 0, fmt.Errorf("list companies: %w", err)
		}
	}
	most := 0
	var errs []error
	for _, company := range targets {
		n, err := s.attempts(ctx, j, Run{ID: c.token, Job: j.Name, CompanyID: company, ScheduledAt: c.due})
		most = max(most, n)
		if err != nil {
			if company != uuid.Nil {
				err = fmt.Errorf("company %s: %w", company, err)
			}
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return most, errors.Join(errs...)
}

// attempts runs run until it succeeds or MaxAttempts are spent, each
// attempt bounded by the job's timeout, with backoff and jitter between.
func (s *Scheduler) attempts(ctx context.Context, j *Job, run Run) (int, error) {
	maxAttempts, timeout := j.MaxAttempts, j.Timeout
	if maxAttempts <= 0 {
		maxAttempts = s.cfg.MaxAttempts
	}
	if timeout <= 0 {
		timeout = s.cfg.Timeout
	}
	var err error
	for run.Attempt = 1; ; run.Attempt++ {
		actx, cancel := context.WithTimeout(ctx, timeout)
		err = s.attempt(actx, j, run)
		cancel()
		if err == nil {
			return run.Attempt, nil
		}
		if run.Attempt >= maxAttempts || ctx.Err() != nil {
			return run.Attempt, err
		}
		bound := min(s.cfg.MaxBackoff, s.cfg.BaseBackoff<<min(run.Attempt-1, 20))
		wait := bound/2 + rand.N(bound/2+1)
		select {
		case <-ctx.Done():
			return run.Attempt, err
		case <-time.After(wait):
		}
	}
}

// attempt runs one attempt of run in a span of its own, logging its
// failure.
func (s *Scheduler) attempt(ctx context.Context, j *Job, run Run) error {
	attrs := []attribute.KeyValue{attribute.Int("nexus.job.attempt", run.Attempt)}
	if run.CompanyID != uuid.Nil {
		attrs = append(attrs, attribute.String("nexus.company_id", run.CompanyID.String()))
	}
	ctx, span := tracing.Start(ctx, "attempt "+j.Name, trace.SpanKindInternal, attrs...)
	defer span.End()
	err := safeRun(ctx, j, run)
	span.SetAttributes(attribute.String("nexus.job.outcome", outcome(err)))
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		s.cfg.Log.Warn("job attempt failed", append([]any{"job", j.Name, "company_id", run.CompanyID, "attempt", run.Attempt,
			"error", err}, tracing.LogFields(ctx)...)...)
	}
	return err
}

// safeRun calls j.Run, turning a panic into an error.
func safeRun(ctx context.Context, j *Job, run Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx, run)
}

// maxErrorLen bounds the error kept for a run.
const maxErrorLen = 4000

// finish records a run's outcome and releases its lease.
func (s *Scheduler) finish(ctx context.Context, c claim, started time.Time, attempts int, runErr error) {
	if s.cfg.Observe != nil {
		s.cfg.Observe(c.job.Name, time.Since(started), runErr)
	}
	var msg *string
	if runErr != nil {
		m := runErr.Error()
		if len(m) > maxErrorLen {
			m = m[:maxErrorLen] + "…"
		}
		m = strings.ToValidUTF8(m, "")
		msg = &m
		s.cfg.Log.Error("job failed", append([]any{"job", c.job.Name, "attempts", attempts, "error", runErr},
			tracing.LogFields(ctx)...)...)
	} else {
		s.cfg.Log.Debug("job ran", append([]any{"job", c.job.Name, "attempts", attempts, "duration", time.Since(started)},
			tracing.LogFields(ctx)...)...)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.cfg.Pool.Exec(ctx, finishSQL, c.job.Name, c.token, started, time.Since(started).Milliseconds(), attempts, msg); err != nil {
		s.cfg.Log.Warn("recording a job's run failed", "job", c.job.Name, "error", err)
	}
}

// Trigger runs a registered job now, on this replica, unless a run of it
// is in progress (ErrRunning); its schedule is unchanged.
func (s *Scheduler) Trigger(ctx context.Context, name string) error {
	j, ok := s.job(name)
	if !ok {
		return ErrNotFound
	}
	s.mu.RLock()
	base := s.base
	s.mu.RUnlock()
	if base == nil {
		return errors.New("jobs: scheduler not started")
	}
	c := claim{job: j, token: uuid.New(), due: time.Now(), link: tracing.TraceParent(ctx)}
	tag, err := s.cfg.Pool.Exec(ctx, triggerSQL, name, c.token, s.cfg.Lease.Milliseconds(), s.cfg.Replica)
	if err != nil {
		return fmt.Errorf("trigger job %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrRunning
	}
	s.start(base, c)
	return nil
}

// Errors of Trigger.
var (
	ErrNotFound = errors.New("no such job")
	ErrRunning  = errors.New("the job is running")
)
