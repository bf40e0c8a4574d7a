package reporting

import "github.com/nexuspos/nexus/internal/migrate"

// SQL used by the package. Every value is bound. The only text substituted
// into SQL (with fmt.Sprintf, at %s) is a source's SELECT, which comes from
// an installed vertical's manifest or from this package and is validated
// before use (sqlsource.Problem), never from an API client.
const (
	// sourceSelectSQL is one branch of the view's UNION ALL.
	sourceSelectSQL = `SELECT s.company_id, s.transaction_type, s.source_id, s.occurred_at, s.amount, s.currency, s.status
FROM (%s) AS s`

	// emptyDefinitionSQL defines the view when no source is valid.
	emptyDefinitionSQL = `SELECT NULL::uuid AS company_id, NULL::text AS transaction_type, NULL::uuid AS source_id,
       NULL::timestamptz AS occurred_at, NULL::numeric AS amount, NULL::text AS currency, NULL::text AS status
WHERE false`

	// invoicesSourceSQL maps sat_invoices: issued and received invoices
	// are two transaction types; an ingreso counts its total and an egreso
	// (credit note) its total negated. Pagos, traslados and nóminas move
	// no revenue and are left out.
	invoicesSourceSQL = `SELECT company_id, ('cfdi_' || direction)::text AS transaction_type, id AS source_id,
       fecha AS occurred_at,
       (CASE tipo WHEN 'E' THEN -total ELSE total END)::numeric AS amount,
       moneda AS currency, status
FROM public.sat_invoices
WHERE tipo IN ('I', 'E')`

	// buildSettingsSQL gives a build the memory to sort and aggregate
	// millions of rows without spilling, and no JIT (whose compile time
	// outweighs its gain on these plans).
	buildSettingsSQL = `SELECT set_config('work_mem', '64MB', true), set_config('maintenance_work_mem', '256MB', true),
       set_config('jit', 'off', true)`

	// createNextBaseSQL takes the definition.
	createNextBaseSQL = `CREATE MATERIALIZED VIEW universal_transactions_mv_next AS %s`
	// createNextBaseKeySQL leads with source_id: random uuids settle
	// almost every comparison of the index build on the first column,
	// three times faster than starting with the few company ids and the
	// text type.
	createNextBaseKeySQL = `CREATE UNIQUE INDEX universal_transactions_mv_next_key
ON universal_transactions_mv_next (source_id, transaction_type, company_id)`
	createNextBaseTimeSQL = `CREATE INDEX universal_transactions_mv_next_time
ON universal_transactions_mv_next (company_id, occurred_at)`
	analyzeNextBaseSQL = `ANALYZE universal_transactions_mv_next`

	// dailyDefinitionSQL takes the base view to aggregate per company,
	// local day, type and currency (one hash aggregate over a hash join
	// with companies for the time zone).
	dailyDefinitionSQL = `SELECT u.company_id, (u.occurred_at AT TIME ZONE c.timezone)::date AS day, u.transaction_type,
       u.currency, sum(u.amount) AS amount, count(*) AS count
FROM %s AS u
JOIN public.companies c ON c.id = u.company_id
WHERE u.status <> ALL (ARRAY['voided', 'cancelled', 'draft']) AND u.transaction_type <> 'cfdi_received'
GROUP BY 1, 2, 3, 4`

	createNextDailySQL    = `CREATE MATERIALIZED VIEW revenue_daily_mv_next AS %s`
	createNextDailyKeySQL = `CREATE UNIQUE INDEX revenue_daily_mv_next_key
ON revenue_daily_mv_next (company_id, day, transaction_type, currency)`

	// swapLockTimeoutSQL bounds how long the swap waits for readers of
	// the current views; the build is rolled back when they outlast it.
	swapLockTimeoutSQL = `SELECT set_config('lock_timeout', '10s', true)`

	// swapSQL replaces the current views (if any) by the freshly built
	// ones, keeps them away from tenants and (re)creates the functions
	// that read them. Run in the build's transaction.
	swapSQL = `DROP MATERIALIZED VIEW IF EXISTS revenue_daily_mv;
DROP MATERIALIZED VIEW IF EXISTS universal_transactions_mv;
ALTER MATERIALIZED VIEW universal_transactions_mv_next RENAME TO universal_transactions_mv;
ALTER INDEX universal_transactions_mv_next_key RENAME TO universal_transactions_mv_key;
ALTER INDEX universal_transactions_mv_next_time RENAME TO universal_transactions_mv_time;
ALTER MATERIALIZED VIEW revenue_daily_mv_next RENAME TO revenue_daily_mv;
ALTER INDEX revenue_daily_mv_next_key RENAME TO revenue_daily_mv_key;
REVOKE ALL ON universal_transactions_mv, revenue_daily_mv FROM PUBLIC, ` + migrate.TenantRole + `;
` + functionsSQL

	// functionsSQL defines the only ways to read the views: both take the
	// company and filter by it. They are revoked from PUBLIC (and so from
	// nexus_tenant): the host calls them through its privileged pool.
	//
	// get_company_total_revenue sums the revenue rows of the base view
	// that occurred in [from_ts, to_ts), per currency.
	//
	// get_company_revenue_daily returns the company's revenue per local
	// day in [from_day, to_day]: days before the watermark's day come from
	// revenue_daily_mv; later days come from revenue_rollup for the types
	// in rollup_types and from revenue_daily_mv for the others.
	functionsSQL = `CREATE OR REPLACE FUNCTION get_company_total_revenue(company uuid, from_ts timestamptz, to_ts timestamptz)
RETURNS TABLE (currency text, amount numeric, transactions bigint)
LANGUAGE sql STABLE AS $fn$
  SELECT u.currency, sum(u.amount), count(*)
  FROM public.universal_transactions_mv u
  WHERE u.company_id = company AND u.occurred_at >= from_ts AND u.occurred_at < to_ts
    AND u.status <> ALL (ARRAY['voided', 'cancelled', 'draft']) AND u.transaction_type <> 'cfdi_received'
  GROUP BY u.currency
  ORDER BY u.currency
$fn$;
REVOKE ALL ON FUNCTION get_company_total_revenue(uuid, timestamptz, timestamptz) FROM PUBLIC;
CREATE OR REPLACE FUNCTION get_company_revenue_daily(company uuid, from_day date, to_day date, rollup_types text[])
RETURNS TABLE (day date, transaction_type text, currency text, amount numeric, count bigint, from_rollup boolean)
LANGUAGE sql STABLE AS $fn$
  WITH cut AS (
    SELECT coalesce((s.watermark AT TIME ZONE c.timezone)::date, '-infinity'::date) AS day
    FROM public.companies c LEFT JOIN public.reporting_state s ON s.id = 1
    WHERE c.id = company)
  SELECT m.day, m.transaction_type, m.currency, m.amount, m.count, false
  FROM public.revenue_daily_mv m, cut
  WHERE m.company_id = company AND m.day BETWEEN from_day AND to_day
    AND (m.day < cut.day OR m.transaction_type <> ALL (coalesce(rollup_types, '{}')))
  UNION ALL
  SELECT r.day, r.transaction_type, r.currency, r.amount, r.count, true
  FROM public.revenue_rollup r, cut
  WHERE r.company_id = company AND r.day BETWEEN from_day AND to_day AND r.day >= cut.day
    AND r.transaction_type = ANY (rollup_types)
$fn$;
REVOKE ALL ON FUNCTION get_company_revenue_daily(uuid, date, date, text[]) FROM PUBLIC;`

	// dropViewsSQL drops the views, their functions and their state.
	dropViewsSQL = `DROP FUNCTION IF EXISTS get_company_revenue_daily(uuid, date, date, text[]);
DROP FUNCTION IF EXISTS get_company_total_revenue(uuid, timestamptz, timestamptz);
DROP MATERIALIZED VIEW IF EXISTS revenue_daily_mv;
DROP MATERIALIZED VIEW IF EXISTS universal_transactions_mv;
DELETE FROM reporting_state`

	// refreshConcurrentlySQL refreshes the current views in place.
	refreshConcurrentlySQL = `REFRESH MATERIALIZED VIEW CONCURRENTLY universal_transactions_mv;
REFRESH MATERIALIZED VIEW CONCURRENTLY revenue_daily_mv`

	countBaseSQL = `SELECT count(*) FROM universal_transactions_mv`

	// viewsExistSQL reports whether both views exist.
	viewsExistSQL = `SELECT to_regclass('public.universal_transactions_mv') IS NOT NULL
   AND to_regclass('public.revenue_daily_mv') IS NOT NULL`

	// tryLockSQL, unlockSQL: the refresh advisory lock (two int4 keys).
	tryLockSQL = `SELECT pg_try_advisory_lock($1, $2)`
	unlockSQL  = `SELECT pg_advisory_unlock($1, $2)`

	// lockHeldSQL reports whether any session of this database holds the
	// refresh lock (a two-key advisory lock has objsubid 2).
	lockHeldSQL = `SELECT EXISTS (
  SELECT 1 FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND classid::bigint = $1 AND objid::bigint = $2)`

	stateSQL = `SELECT sources_hash, sources, definition, watermark, refreshed_at, rows
FROM reporting_state WHERE id = 1`

	upsertStateSQL = `INSERT INTO reporting_state (id, sources_hash, sources, definition, watermark, refreshed_at, rows)
VALUES (1, $1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE
SET sources_hash = EXCLUDED.sources_hash, sources = EXCLUDED.sources, definition = EXCLUDED.definition,
    watermark = EXCLUDED.watermark, refreshed_at = EXCLUDED.refreshed_at, rows = EXCLUDED.rows`

	updateStateSQL = `UPDATE reporting_state SET watermark = $1, refreshed_at = $2, rows = $3 WHERE id = 1`

	insertLogSQL = `INSERT INTO mv_refresh_log (trigger, started_at, finished_at, duration_ms, rows, error)
VALUES ($1, $2, $3, $4, $5, $6)`

	pruneLogSQL = `DELETE FROM mv_refresh_log WHERE started_at < $1`

	// lastFailureSQL is the most recent refresh that failed.
	lastFailureSQL = `SELECT trigger, started_at, error FROM mv_refresh_log
WHERE error IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT 1`

	// metricsSQL summarizes the refresh log per trigger; the percentiles
	// are over successful refreshes.
	metricsSQL = `SELECT trigger,
       count(*) FILTER (WHERE error IS NULL),
       count(*) FILTER (WHERE error IS NOT NULL),
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE error IS NULL), 0),
       coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE error IS NULL), 0),
       coalesce(max(duration_ms) FILTER (WHERE error IS NULL), 0),
       max(started_at)
FROM mv_refresh_log
GROUP BY trigger`

	// companySQL reads what the rollup needs about a company: its time
	// zone and the lowest big-transaction threshold among its enabled
	// verticals' configurations (NULL when none sets one).
	companySQL = `SELECT c.timezone,
       (SELECT min((v.config->>'big_transaction_threshold')::numeric)::text
        FROM company_verticals v
        WHERE v.company_id = c.id AND v.enabled
          AND v.config->>'big_transaction_threshold' ~ '^[0-9]{1,15}(\.[0-9]{1,6})?$')
FROM companies c WHERE c.id = $1`

	// applyDeltasSQL adds deltas (arrays $2 to $6, one element per row, in
	// the order the rows are to be locked) to company $1's rollup; run in
	// the caller's (tenant) transaction, whose search_path may lead with a
	// vertical's schema.
	applyDeltasSQL = `INSERT INTO public.revenue_rollup (company_id, day, transaction_type, currency, amount, count)
SELECT $1, d.day::date, d.type, d.currency, d.amount::numeric, d.count
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) WITH ORDINALITY AS d(day, type, currency, amount, count, n)
ORDER BY d.n
ON CONFLICT (company_id, day, transaction_type, currency) DO UPDATE
SET amount = revenue_rollup.amount + EXCLUDED.amount, count = revenue_rollup.count + EXCLUDED.count`

	// sourceRowSQL reads one row of a source (its SELECT substituted at
	// %s) by key, in the caller's transaction: an equality the source's
	// branches answer from their primary keys whatever the planner
	// believes of the tables' sizes. (Keys in an array, "source_id =
	// ANY(keys)" or a join with unnest, had PostgreSQL scan a freshly
	// filled sales table whose statistics still said it was empty.)
	sourceRowSQL = `SELECT s.occurred_at, s.amount::text, s.currency
FROM (%s) AS s
WHERE s.company_id = $1 AND s.source_id = $2 AND s.transaction_type = $3`

	// revenueSQL answers the revenue API in one statement (one snapshot):
	// the company's time zone, the watermark and its local day, the
	// statement's time, whether the views answered any day on or after the
	// watermark's (for types the rollup does not keep), then one row per
	// group and currency (none when the range is empty, hence the LEFT
	// JOIN). Groups that net to nothing (a rollup day whose only sale was
	// voided) are left out, as the views leave them out.
	revenueSQL = `WITH meta AS (
  SELECT c.timezone, s.watermark, (s.watermark AT TIME ZONE c.timezone)::date AS cutoff,
         statement_timestamp() AS now
  FROM companies c LEFT JOIN reporting_state s ON s.id = 1
  WHERE c.id = $1),
d AS (
  SELECT * FROM get_company_revenue_daily($1, $2::date, $3::date, $5::text[])),
late AS (
  SELECT coalesce(bool_or(NOT d.from_rollup AND d.day >= coalesce(m.cutoff, '-infinity'::date)), false) AS mv
  FROM d, meta m),
agg AS (
  SELECT CASE $4::text WHEN 'day' THEN to_char(d.day, 'YYYY-MM-DD')
                       WHEN 'month' THEN to_char(d.day, 'YYYY-MM')
                       ELSE d.transaction_type END AS key,
         d.currency, sum(d.amount) AS amount, sum(d.count)::bigint AS count
  FROM d
  GROUP BY 1, 2
  HAVING sum(d.count) <> 0 OR sum(d.amount) <> 0)
SELECT m.timezone, m.watermark, m.cutoff, m.now, l.mv, a.key, a.currency, a.amount::text, a.count
FROM meta m CROSS JOIN late l LEFT JOIN agg a ON true
ORDER BY a.key, a.currency`

	// totalRevenueSQL calls get_company_total_revenue.
	totalRevenueSQL = `SELECT currency, amount::text, transactions FROM get_company_total_revenue($1, $2, $3)`

	// driftSQL compares the rollup with revenue_daily_mv for the types in
	// $1, per company, local day, type and currency, on the days the views
	// fully cover (before the watermark's day in the company's time zone)
	// within the last $2 of them, from the first day the rollup holds for
	// each type (before it, the rollup had not started). At most $3 rows.
	driftSQL = `WITH cut AS (
  SELECT c.id AS company_id, (s.watermark AT TIME ZONE c.timezone)::date AS day
  FROM companies c JOIN reporting_state s ON s.id = 1),
r AS (
  SELECT r.company_id, r.day, r.transaction_type, r.currency, r.amount, r.count
  FROM revenue_rollup r JOIN cut ON cut.company_id = r.company_id
  WHERE r.transaction_type = ANY ($1::text[]) AND r.day < cut.day AND r.day >= cut.day - $2::int),
start AS (
  SELECT r.transaction_type, min(r.day) AS day FROM r GROUP BY 1),
m AS (
  SELECT m.company_id, m.day, m.transaction_type, m.currency, m.amount, m.count
  FROM revenue_daily_mv m
  JOIN cut ON cut.company_id = m.company_id
  JOIN start ON start.transaction_type = m.transaction_type
  WHERE m.transaction_type = ANY ($1::text[]) AND m.day < cut.day AND m.day >= cut.day - $2::int
    AND m.day >= start.day)
SELECT company_id, day, transaction_type, currency,
       coalesce(r.amount, 0)::text, coalesce(m.amount, 0)::text, coalesce(r.count, 0), coalesce(m.count, 0)
FROM r FULL JOIN m USING (company_id, day, transaction_type, currency)
WHERE coalesce(r.amount, 0) <> coalesce(m.amount, 0) OR coalesce(r.count, 0) <> coalesce(m.count, 0)
ORDER BY 1, 2, 3, 4
LIMIT $3`

	// insertRefreshRequestSQL queues an event-driven refresh request.
	insertRefreshRequestSQL = `INSERT INTO reporting_refresh_requests (requested_at, reason) VALUES ($1, $2)`

	// pendingRequestsSQL reports whether requests wait, claimed or not.
	pendingRequestsSQL = `SELECT EXISTS (SELECT 1 FROM reporting_refresh_requests)`

	// claimRequestsSQL claims the requests no other replica has claimed,
	// oldest first, until the claiming transaction ends.
	claimRequestsSQL = `SELECT id, requested_at, reason FROM reporting_refresh_requests
ORDER BY id LIMIT 10000 FOR UPDATE SKIP LOCKED`

	// deleteRequestsSQL forgets the claimed requests $1.
	deleteRequestsSQL = `DELETE FROM reporting_refresh_requests WHERE id = ANY ($1::bigint[])`

	// servedRequestsSQL forgets the requests made at or before $1, which
	// contents taken at $1 serve, except those another transaction claimed
	// (it forgets them itself).
	servedRequestsSQL = `DELETE FROM reporting_refresh_requests WHERE id IN (
  SELECT id FROM reporting_refresh_requests WHERE requested_at <= $1 FOR UPDATE SKIP LOCKED)`
)

// SQL of the sources left out of the views because their query failed.
const (
	// probeSourceSQL runs a source (substituted at %s) over all its rows,
	// every column computed (the whole-row count), and counts the rows
	// whose key repeats within it.
	probeSourceSQL = `SELECT count(s.*), count(*) - count(DISTINCT (s.company_id, s.transaction_type, s.source_id))
FROM (%s) AS s`

	// recordSourceFailureSQL records why source $1 was left out.
	recordSourceFailureSQL = `INSERT INTO reporting_source_failures (source, reason, failed_at) VALUES ($1, $2, $3)
ON CONFLICT (source) DO UPDATE SET reason = EXCLUDED.reason, failed_at = EXCLUDED.failed_at`

	// clearSourceFailuresSQL forgets the failures of the sources $1, which
	// a build just included.
	clearSourceFailuresSQL = `DELETE FROM reporting_source_failures WHERE source = ANY ($1::text[])`

	// sourceFailuresSQL lists the sources left out, with why.
	sourceFailuresSQL = `SELECT source, reason FROM reporting_source_failures ORDER BY source`
)
