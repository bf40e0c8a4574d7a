package events

// SQL used by the package. Every table is schema-qualified, because units
// of work run with a vertical's schema first in search_path; every value is
// bound. Intervals travel as milliseconds ($n::bigint * interval '1 ms').
const (
	// publishSQL inserts a batch of outbox rows from parallel arrays and,
	// when $8 allows it and no unsent row was already waiting, notifies
	// the relays (delivered on commit). Every notifying commit takes a
	// cluster-wide lock that it holds through its WAL flush, so notifying
	// transactions queue behind each other: Publish notifies only the
	// first of a burst (waiting rows mean a relay is at work or was
	// notified, and relays keep going until a round finds nothing) and
	// rate-limits notifications per host (notifyLimiter). Sub-statements
	// share the statement's snapshot, so NOT EXISTS does not see the rows
	// inserted here.
	publishSQL = `
WITH ins AS (
    INSERT INTO public.event_outbox (company_id, id, topic, occurred_at, request_id, schema_version, payload, traceparent)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::text[]::jsonb[], $9::text[])
    RETURNING 1
)
SELECT pg_notify('` + outboxChannel + `', '')
FROM (SELECT count(*) FROM ins) AS n
WHERE $8::bool AND NOT EXISTS (SELECT 1 FROM public.event_outbox WHERE sent_at IS NULL)`

	// asyncBeginSQL begins a transaction that commits without waiting for
	// the WAL flush, in one round trip (pgx sends a BeginQuery without
	// arguments as a simple query). The relay's and the consumers'
	// bookkeeping use it because losing one in a crash only repeats work
	// that consumers deduplicate.
	asyncBeginSQL = `BEGIN; ` + asyncCommitSQL

	// asyncCommitSQL is asyncBeginSQL's setting, for a transaction begun
	// otherwise: deliveries use it as durable.go explains.
	asyncCommitSQL = `SET LOCAL synchronous_commit = off`

	// walBarrierSQL, run on its own (an implicit transaction), gives that
	// transaction an id, so that it commits synchronously: it writes a
	// commit record and waits until the WAL is flushed through it, and so
	// through every earlier commit.
	walBarrierSQL = `SELECT pg_current_xact_id()`

	// claimOutboxSQL claims up to $1 unsent rows and marks them sent, in
	// one statement, and returns them in publication order. The mark
	// only counts once the claiming transaction commits, which the
	// RabbitMQ relay does after every confirm; until then the rows stay
	// locked, so other relays skip them, and a rollback leaves them
	// unsent.
	claimOutboxSQL = `
WITH claimed AS (
    SELECT company_id, id
    FROM public.event_outbox
    WHERE sent_at IS NULL
    ORDER BY seq
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), sent AS (
    UPDATE public.event_outbox o SET sent_at = now()
    FROM claimed c
    WHERE o.company_id = c.company_id AND o.id = c.id
    RETURNING o.seq, o.company_id, o.id, o.topic, o.occurred_at, o.request_id, o.schema_version, o.payload::text, o.traceparent
)
SELECT * FROM sent ORDER BY seq`

	// fanOutSQL is the in-process relay round: it claims up to $1 unsent
	// rows, creates a delivery for every subscription whose pattern
	// matches, marks the rows sent, and returns how many rows it claimed
	// and the subscriptions that got deliveries.
	fanOutSQL = `
WITH claimed AS (
    SELECT seq, company_id, id, topic
    FROM public.event_outbox
    WHERE sent_at IS NULL
    ORDER BY seq
    LIMIT $1
    FOR UPDATE SKIP LOCKED
), fanned AS (
    INSERT INTO public.event_deliveries (company_id, event_id, subscription, seq)
    SELECT c.company_id, c.id, s.name, c.seq
    FROM claimed c
    JOIN public.event_subscriptions s ON ('.' || c.topic) ~ s.topic_regex
    ON CONFLICT DO NOTHING
    RETURNING subscription
), sent AS (
    UPDATE public.event_outbox o SET sent_at = now()
    FROM claimed c
    WHERE o.company_id = c.company_id AND o.id = c.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM sent),
       coalesce((SELECT array_agg(DISTINCT subscription) FROM fanned), '{}')`

	// notifySQL sends a notification on channel $1 with payload $2.
	notifySQL = `SELECT pg_notify($1, $2)`

	// upsertSubscriptionSQL records subscription $1 and returns the
	// pattern it had before ('' when new).
	upsertSubscriptionSQL = `
WITH old AS (SELECT pattern FROM public.event_subscriptions WHERE name = $1)
INSERT INTO public.event_subscriptions (name, pattern, topic_regex)
VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE
SET pattern = EXCLUDED.pattern, topic_regex = EXCLUDED.topic_regex, updated_at = now()
RETURNING coalesce((SELECT pattern FROM old), '')`

	// claimDeliveriesSQL leases up to $2 due deliveries of subscription $1
	// for $3 ms and returns them with their events, oldest first.
	claimDeliveriesSQL = `
WITH due AS (
    SELECT company_id, event_id
    FROM public.event_deliveries
    WHERE subscription = $1 AND next_attempt_at <= now()
      AND (claimed_until IS NULL OR claimed_until <= now())
    ORDER BY next_attempt_at, seq
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE public.event_deliveries d
    SET attempts = d.attempts + 1, claimed_until = now() + $3::bigint * interval '1 ms'
    FROM due
    WHERE d.event_id = due.event_id AND d.subscription = $1 AND d.company_id = due.company_id
    RETURNING d.company_id, d.event_id, d.attempts, d.seq
)
SELECT c.company_id, c.event_id, c.attempts, o.topic, o.occurred_at, o.request_id, o.schema_version, o.payload::text, o.traceparent
FROM claimed c
JOIN public.event_outbox o ON o.company_id = c.company_id AND o.id = c.event_id
ORDER BY c.seq`

	// nextDueSQL returns the seconds until subscription $1's next unleased
	// delivery is due (negative when one is due now), or NULL when it has
	// none. Leases that run out (their consumer died) are found by polling.
	nextDueSQL = `
SELECT extract(epoch FROM min(next_attempt_at) - now())::float8
FROM public.event_deliveries
WHERE subscription = $1 AND claimed_until IS NULL`

	// releaseDeliveriesSQL gives back claimed deliveries that were never
	// started (at shutdown): due now, attempt not counted.
	releaseDeliveriesSQL = `
UPDATE public.event_deliveries d
SET attempts = greatest(d.attempts - 1, 0), claimed_until = NULL
FROM unnest($2::uuid[], $3::uuid[]) AS r(company_id, event_id)
WHERE d.event_id = r.event_id AND d.subscription = $1 AND d.company_id = r.company_id`

	// vacuumDeliveriesSQL clears the deleted deliveries out of the table and
	// its indexes; a replica skips it while another one holds the table.
	// Truncating the emptied end of the table would take an exclusive lock
	// that stalls every claim, so it is left to autovacuum.
	vacuumDeliveriesSQL = `VACUUM (SKIP_LOCKED, TRUNCATE false) public.event_deliveries`

	// retryDeliverySQL schedules the next attempt of a failed delivery in
	// $4 ms, recording the error $5.
	retryDeliverySQL = `
UPDATE public.event_deliveries
SET claimed_until = NULL, next_attempt_at = now() + $4::bigint * interval '1 ms', last_error = $5
WHERE company_id = $1 AND event_id = $2 AND subscription = $3`

	// parkDeliverySQL moves a delivery that failed its last attempt to the
	// dead letters, with a copy of its event and the error $4.
	parkDeliverySQL = `
WITH d AS (
    DELETE FROM public.event_deliveries
    WHERE company_id = $1 AND event_id = $2 AND subscription = $3
    RETURNING company_id, event_id, subscription, attempts
)
INSERT INTO public.event_dead_letters
    (company_id, subscription, event_id, topic, occurred_at, request_id, schema_version, payload, attempts, last_error)
SELECT d.company_id, d.subscription, d.event_id, o.topic, o.occurred_at, o.request_id, o.schema_version, o.payload, d.attempts, $4
FROM d
JOIN public.event_outbox o ON o.company_id = d.company_id AND o.id = d.event_id
ON CONFLICT (company_id, subscription, event_id) DO UPDATE
SET attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, parked_at = now()`

	// markProcessedSQL runs first in a batch of deliveries for company
	// $1 and subscription $2: it records events $3 as processed and
	// returns those that were not processed before.
	markProcessedSQL = `
INSERT INTO public.processed_events (company_id, subscription, event_id)
SELECT $1, $2, unnest($3::uuid[])
ON CONFLICT DO NOTHING
RETURNING event_id`

	// markProcessedInProcessSQL is markProcessedSQL for the in-process bus:
	// it also deletes the deliveries, so their acknowledgement commits
	// with the handlers' effects.
	markProcessedInProcessSQL = `
WITH p AS (
    INSERT INTO public.processed_events (company_id, subscription, event_id)
    SELECT $1, $2, unnest($3::uuid[])
    ON CONFLICT DO NOTHING
    RETURNING event_id
), d AS (
    DELETE FROM public.event_deliveries
    WHERE event_id = ANY($3) AND subscription = $2 AND company_id = $1
)
SELECT event_id FROM p`

	// inProcessStatsSQL counts subscription $1's deliveries by state and
	// its dead letters.
	inProcessStatsSQL = `
SELECT count(*) FILTER (WHERE next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until <= now())),
       count(*) FILTER (WHERE next_attempt_at > now() AND claimed_until IS NULL),
       count(*) FILTER (WHERE claimed_until > now()),
       (SELECT count(*) FROM public.event_dead_letters WHERE subscription = $1)
FROM public.event_deliveries
WHERE subscription = $1`

	// listDeadLettersSQL pages subscription $1's dead letters after the
	// keyset position ($2 parked_at, $3 event id).
	listDeadLettersSQL = `
SELECT event_id, company_id, topic, occurred_at, request_id, schema_version, payload::text, attempts, last_error, parked_at
FROM public.event_dead_letters
WHERE subscription = $1 AND (parked_at, event_id) > ($2, $3)
ORDER BY parked_at, event_id
LIMIT $4`

	// replayDeadLetterSQL moves dead letter $2 of subscription $1 back to a
	// fresh delivery, restoring the outbox row if it was pruned, and
	// returns its company (no row when there was no such dead letter).
	replayDeadLetterSQL = `
WITH dl AS (
    DELETE FROM public.event_dead_letters
    WHERE subscription = $1 AND event_id = $2
    RETURNING company_id, event_id, subscription, topic, occurred_at, request_id, schema_version, payload
), ob AS (
    INSERT INTO public.event_outbox (company_id, id, topic, occurred_at, request_id, schema_version, payload, sent_at)
    SELECT company_id, event_id, topic, occurred_at, request_id, schema_version, payload, now() FROM dl
    ON CONFLICT DO NOTHING
), dv AS (
    INSERT INTO public.event_deliveries (company_id, event_id, subscription, seq)
    SELECT company_id, event_id, subscription, 0 FROM dl
    ON CONFLICT DO NOTHING
)
SELECT company_id FROM dl`

	// discardDeadLetterSQL deletes dead letter $2 of subscription $1.
	discardDeadLetterSQL = `DELETE FROM public.event_dead_letters WHERE subscription = $1 AND event_id = $2`

	// tryPruneLockSQL takes the pruning advisory lock for the transaction,
	// if free, so one replica prunes at a time.
	tryPruneLockSQL = `SELECT pg_try_advisory_xact_lock($1)`

	// pruneOutboxSQL deletes up to $2 sent outbox rows older than $1 ms
	// that no pending delivery still needs and no dead letter names: a
	// dead letter keeps its event's row, whose traceparent a replay's
	// delivery links to (the dead letter's copy of the event has none).
	pruneOutboxSQL = `
DELETE FROM public.event_outbox o
WHERE (o.company_id, o.id) IN (
        SELECT company_id, id FROM public.event_outbox
        WHERE sent_at IS NOT NULL AND created_at < now() - $1::bigint * interval '1 ms'
        LIMIT $2)
  AND NOT EXISTS (SELECT 1 FROM public.event_deliveries d WHERE d.company_id = o.company_id AND d.event_id = o.id)
  AND NOT EXISTS (SELECT 1 FROM public.event_dead_letters dl WHERE dl.company_id = o.company_id AND dl.event_id = o.id)`

	// pruneProcessedSQL deletes up to $2 processed_events rows older than
	// $1 ms.
	pruneProcessedSQL = `
DELETE FROM public.processed_events
WHERE ctid IN (SELECT ctid FROM public.processed_events
               WHERE processed_at < now() - $1::bigint * interval '1 ms' LIMIT $2)`

	// pruneDeadLettersSQL deletes dead letters parked more than $1 ms ago.
	pruneDeadLettersSQL = `DELETE FROM public.event_dead_letters WHERE parked_at < now() - $1::bigint * interval '1 ms'`

	// backlogSQL counts the outbox rows not relayed yet and the age in
	// seconds of the oldest (0 without any), through the unsent index.
	backlogSQL = `
SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)::float8
FROM public.event_outbox WHERE sent_at IS NULL`
)

// Notification channels.
const (
	// outboxChannel wakes relays: a transaction published events.
	outboxChannel = "nexus_outbox"
	// deliveriesChannel wakes in-process consumers; the payload lists the
	// subscriptions with new deliveries ("" means all).
	deliveriesChannel = "nexus_deliveries"
)
