package jobs

// registerSQL records a job; a changed schedule restarts its timetable.
const registerSQL = `
INSERT INTO scheduled_jobs (name, schedule, next_run_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET
    schedule    = EXCLUDED.schedule,
    next_run_at = CASE WHEN scheduled_jobs.schedule = EXCLUDED.schedule
                       THEN scheduled_jobs.next_run_at ELSE EXCLUDED.next_run_at END,
    updated_at  = now()`

// dueSQL locks the due, unleased rows among the given jobs; rows another
// replica is claiming are skipped.
const dueSQL = `
SELECT name, next_run_at FROM scheduled_jobs
WHERE name = ANY($1) AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
ORDER BY next_run_at
FOR UPDATE SKIP LOCKED`

// leaseSQL moves a claimed job's next run on and leases it.
const leaseSQL = `
UPDATE scheduled_jobs SET next_run_at = $2, lease_token = $3,
    lease_until = now() + make_interval(secs => $4::bigint / 1000.0), leased_by = $5,
    last_started_at = now(), updated_at = now()
WHERE name = $1`

// triggerSQL leases a job for a run asked for now, unless it is leased.
const triggerSQL = `
UPDATE scheduled_jobs SET lease_token = $2,
    lease_until = now() + make_interval(secs => $3::bigint / 1000.0), leased_by = $4,
    last_started_at = now(), updated_at = now()
WHERE name = $1 AND (lease_until IS NULL OR lease_until < now())`

// renewSQL extends a lease its holder still owns.
const renewSQL = `
UPDATE scheduled_jobs SET lease_until = now() + make_interval(secs => $3::bigint / 1000.0)
WHERE name = $1 AND lease_token = $2`

// finishSQL records a run and releases its lease, if still its own.
const finishSQL = `
UPDATE scheduled_jobs SET lease_token = NULL, lease_until = NULL, leased_by = NULL,
    last_started_at = $3, last_finished_at = now(), last_duration_ms = $4, last_attempts = $5,
    last_error = $6, runs = runs + 1, failures = failures + CASE WHEN $6::text IS NULL THEN 0 ELSE 1 END,
    updated_at = now()
WHERE name = $1 AND lease_token = $2`

// listSQL reads the given jobs' rows.
const listSQL = `
SELECT name, schedule, next_run_at, lease_until > now(), leased_by, last_started_at, last_finished_at,
       last_duration_ms, last_attempts, last_error, runs, failures
FROM scheduled_jobs WHERE name = ANY($1) ORDER BY name`
