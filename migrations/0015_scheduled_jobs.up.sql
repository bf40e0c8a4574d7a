-- Scheduled jobs, host and vertical alike: one row per job, shared by every
-- host replica. A replica claims a due job by taking its row FOR UPDATE
-- SKIP LOCKED, moving next_run_at to the next activation and leasing it
-- (lease_token, lease_until, renewed while the run lasts), so each
-- activation runs once across replicas; a replica that dies lets its lease
-- expire. The last_* columns are what platform admins see.
CREATE TABLE scheduled_jobs (
    name             text PRIMARY KEY,
    schedule         text NOT NULL,
    next_run_at      timestamptz NOT NULL,
    lease_token      uuid,
    lease_until      timestamptz,
    leased_by        text,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_duration_ms bigint,
    last_attempts    integer,
    last_error       text,
    runs             bigint NOT NULL DEFAULT 0,
    failures         bigint NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scheduled_jobs_due_idx ON scheduled_jobs (next_run_at);
