-- Universal-transaction sources whose query failed when the reporting
-- views were built (a division by zero, a bad cast on some row): the
-- views are built without them, and the vertical that declares one is
-- listed as degraded, on every replica, until a build that includes the
-- source succeeds. Host-wide: no company_id, never reached by tenant
-- transactions.
CREATE TABLE reporting_source_failures (
    source    text PRIMARY KEY,
    reason    text NOT NULL,
    failed_at timestamptz NOT NULL
);
