-- The event bus (host/internal/events). Tables with a company_id column are
-- tenant tables: store.EnforceTenancy gives them row-level security and the
-- nexus_tenant grants right after this migration. event_subscriptions is
-- bus bookkeeping without a company, so nexus_tenant gets no access to it.

-- The transactional outbox: one row per published event, inserted by the
-- publishing (tenant) transaction and relayed after it commits.
CREATE TABLE event_outbox (
    company_id     uuid NOT NULL,
    id             uuid NOT NULL,
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    topic          text NOT NULL CHECK (length(topic) BETWEEN 5 AND 255),
    occurred_at    timestamptz NOT NULL,
    request_id     text NOT NULL DEFAULT '',
    schema_version int NOT NULL DEFAULT 1 CHECK (schema_version > 0),
    payload        jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz,
    PRIMARY KEY (company_id, id)
);
-- The relay claims unsent rows in seq order; pruning scans by age.
CREATE INDEX event_outbox_unsent_idx ON event_outbox (seq) WHERE sent_at IS NULL;
CREATE INDEX event_outbox_created_at_idx ON event_outbox USING brin (created_at);

-- Every subscription ever registered, so the in-process bus fans events out
-- to subscriptions whose handlers are not registered yet (like a durable
-- queue), and a changed pattern can be unbound from the broker.
CREATE TABLE event_subscriptions (
    name        text PRIMARY KEY,
    pattern     text NOT NULL,
    topic_regex text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- In-process bus: one row per (event, subscription) still to be handled.
-- A delivery is due once next_attempt_at has passed and it is not leased.
-- A claim leases it (claimed_until, deliberately not indexed, so the update
-- stays a HOT update that leaves no index entries behind); the handler's
-- tenant transaction deletes it when it commits; a failure ends the lease
-- and schedules the next attempt.
CREATE TABLE event_deliveries (
    company_id      uuid NOT NULL,
    event_id        uuid NOT NULL,
    subscription    text NOT NULL,
    seq             bigint NOT NULL,
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    last_error      text,
    -- The event id leads, so looking deliveries up by event never depends on
    -- the planner guessing how many rows a company has.
    PRIMARY KEY (event_id, subscription, company_id)
) WITH (fillfactor = 80);
CREATE INDEX event_deliveries_due_idx ON event_deliveries (subscription, next_attempt_at, seq);

-- In-process bus: events that failed every attempt, parked for an operator
-- to replay or discard. The event is copied, so pruning the outbox loses
-- nothing.
CREATE TABLE event_dead_letters (
    company_id     uuid NOT NULL,
    subscription   text NOT NULL,
    event_id       uuid NOT NULL,
    topic          text NOT NULL,
    occurred_at    timestamptz NOT NULL,
    request_id     text NOT NULL DEFAULT '',
    schema_version int NOT NULL,
    payload        jsonb NOT NULL,
    attempts       int NOT NULL,
    last_error     text NOT NULL,
    parked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, subscription, event_id)
);
CREATE INDEX event_dead_letters_subscription_idx ON event_dead_letters (subscription, parked_at, event_id);
CREATE UNIQUE INDEX event_dead_letters_event_idx ON event_dead_letters (subscription, event_id);

-- Events each subscription has applied, written in the handler's own
-- transaction: a redelivered event finds its row and has no second effect.
CREATE TABLE processed_events (
    company_id   uuid NOT NULL,
    subscription text NOT NULL,
    event_id     uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, subscription, event_id)
);
CREATE INDEX processed_events_processed_at_idx ON processed_events USING brin (processed_at);

-- The time zone of the current tenant transaction's company, for tenant
-- code that must compute local days (nexus_tenant may not read companies).
-- It runs as its owner but only ever reveals app.company_id's own zone.
CREATE FUNCTION company_timezone() RETURNS text
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog
AS $$
DECLARE
    tz text;
BEGIN
    SELECT c.timezone INTO tz FROM public.companies c
    WHERE c.id = nullif(current_setting('app.company_id', true), '')::uuid;
    IF tz IS NULL THEN
        RAISE EXCEPTION 'company % does not exist', current_setting('app.company_id', true)
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN tz;
END
$$;
REVOKE ALL ON FUNCTION company_timezone() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION company_timezone() TO nexus_tenant;

-- Sales statistics kept by the host's sales-statistics consumer from the
-- cpg.sale.* events: one row per company, day (in the company's time zone)
-- and location.
CREATE TABLE sales_daily (
    company_id  uuid NOT NULL,
    day         date NOT NULL,
    location_id uuid NOT NULL,
    sales_count bigint NOT NULL DEFAULT 0,
    gross       numeric NOT NULL DEFAULT 0,
    returns     numeric NOT NULL DEFAULT 0,
    voids_count bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, day, location_id)
);
