package sdk

import "time"

// Job is work the host runs on a schedule, once across all its replicas:
// for each active company that enabled the vertical (PerCompany), in that
// company's unit of work, committed when Handler returns nil; or once
// globally, with no company and no database. A failing run is retried
// with backoff up to MaxAttempts; platform admins see each job's last and
// next run, duration and error at GET /api/v1/admin/jobs and can run it
// now. A run may happen late or, after a host crash, twice: make jobs
// idempotent.
type Job struct {
	// Name is unique within the vertical (lower-case letters, digits, '_');
	// the host shows it as "<vertical>.<name>".
	Name string
	// Schedule is a cron expression in UTC ("*/15 * * * *"), a
	// descriptor ("@hourly", "@daily") or an interval ("@every 10m").
	Schedule   string
	PerCompany bool
	// Timeout bounds one attempt (0: the host's default, 5 min).
	Timeout time.Duration
	// MaxAttempts is how often a failing run is tried (0: the host's
	// default, 3; at most 10).
	MaxAttempts int
	Summary     string
	Handler     JobHandlerFunc
}

// JobHandlerFunc runs one attempt of a job. c carries the company (empty
// for a global job), its configuration, a DB bound to its unit of work,
// Events, Cache, Locks and HTTP.
type JobHandlerFunc func(c *Context, run JobRun) error

// JobRun describes one run of a job.
type JobRun struct {
	ID  string
	Job string
	// ScheduledAt is when the run was due.
	ScheduledAt time.Time
	// Attempt counts from 1 within the run.
	Attempt int
}
