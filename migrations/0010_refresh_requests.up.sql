-- Event-driven refresh requests of the reporting views (a large
-- transaction, one dated before the last refresh), queued until a refresh
-- serves them: a restart loses none, and whichever replica claims them
-- (FOR UPDATE SKIP LOCKED) runs the one refresh that serves them all.
-- Host-wide: no company_id, never reached by tenant transactions.
CREATE TABLE reporting_refresh_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_at timestamptz NOT NULL,
    reason       text NOT NULL
);
