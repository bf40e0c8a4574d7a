-- The views and functions the reporting package built at run time go
-- first: they are not recorded anywhere else.
DROP FUNCTION IF EXISTS get_company_revenue_daily(uuid, date, date, text[]);
DROP FUNCTION IF EXISTS get_company_total_revenue(uuid, timestamptz, timestamptz);
DROP MATERIALIZED VIEW IF EXISTS revenue_daily_mv;
DROP MATERIALIZED VIEW IF EXISTS universal_transactions_mv;
DROP TABLE revenue_rollup;
DROP TABLE mv_refresh_log;
DROP TABLE reporting_state;
