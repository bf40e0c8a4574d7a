-- Reporting core, part 2: the bookkeeping of the universal-transactions
-- materialized views and the revenue rollup (host/internal/reporting).
--
-- The materialized views themselves (universal_transactions_mv and
-- revenue_daily_mv) and the functions that read them
-- (get_company_total_revenue, get_company_revenue_daily) are not created
-- here: their definition depends on the sources the installed verticals
-- declare, so the reporting package builds them at run time and rebuilds
-- them when that set changes. Materialized views ignore row-level security,
-- so it revokes them from PUBLIC and nexus_tenant; only the host's
-- privileged pool reads them, always through a company filter.

-- One row describing the views as last built: the sources they union (and
-- a hash of them, to notice a change), the SELECT they were built from and
-- the watermark, i.e. the instant the snapshot behind the current contents
-- was taken. No company_id: nexus_tenant gets no access.
CREATE TABLE reporting_state (
    id           int PRIMARY KEY CHECK (id = 1),
    sources_hash text NOT NULL,
    sources      text[] NOT NULL,
    definition   text NOT NULL,
    watermark    timestamptz NOT NULL,
    refreshed_at timestamptz NOT NULL,
    rows         bigint NOT NULL
);

-- Every refresh and rebuild attempt that ran (skipped ones are not
-- recorded), kept for the freshness health and the duration metrics.
CREATE TABLE mv_refresh_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger     text NOT NULL CHECK (trigger IN ('scheduled', 'event', 'manual', 'rebuild')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    duration_ms bigint NOT NULL CHECK (duration_ms >= 0),
    rows        bigint,
    error       text
);
CREATE INDEX mv_refresh_log_started_idx ON mv_refresh_log (started_at DESC);
CREATE INDEX mv_refresh_log_trigger_idx ON mv_refresh_log (trigger, started_at DESC);

-- Revenue per company, local day (in the company's time zone), transaction
-- type and currency, kept up to date by the event consumer inside each
-- event's unit of work (a tenant transaction), so the revenue API is
-- second-level fresh between full refreshes. It has a company_id, so
-- store.EnforceTenancy gives it row-level security and the nexus_tenant
-- grants right after this migration.
CREATE TABLE revenue_rollup (
    company_id       uuid NOT NULL REFERENCES companies (id),
    day              date NOT NULL,
    transaction_type text NOT NULL,
    currency         text NOT NULL,
    amount           numeric NOT NULL DEFAULT 0,
    count            bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (company_id, day, transaction_type, currency)
);
