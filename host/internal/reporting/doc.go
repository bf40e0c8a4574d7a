// Package reporting owns the host's cross-vertical reporting core: the
// universal transactions materialized view, its refreshes (scheduled,
// event-driven and on demand, single-flight across host replicas), its
// freshness health and refresh metrics, the revenue rollup kept by the event
// consumer, the drift check between the two, and the revenue API.
//
// # The views
//
// universal_transactions_mv is the UNION ALL of every Source: the host's
// CFDI invoices (InvoicesSource) and the SELECT each installed vertical
// declares in its manifest. Each row is (company_id, transaction_type,
// source_id, occurred_at, amount, currency, status), unique per (company_id,
// transaction_type, source_id). revenue_daily_mv aggregates it per company,
// local day (in the company's time zone), transaction type and currency,
// counting only revenue: rows whose status is voided, cancelled or draft
// and received invoices (cfdi_received, a cost) are left out; invoices of
// types P, T and N are not in the base view at all.
//
// Materialized views ignore row-level security, so both are revoked from
// PUBLIC and nexus_tenant and are only read by the host's privileged pool
// through functions that take the company and filter by it:
// get_company_total_revenue(company, from, to) and
// get_company_revenue_daily(company, from_day, to_day, rollup_types).
//
// # Refreshes
//
// A refresh builds the views afresh under temporary names and swaps them in
// at the end of one transaction (Config.Concurrent selects REFRESH
// MATERIALIZED VIEW CONCURRENTLY instead); readers are blocked only for the
// swap itself. Every refresh holds a PostgreSQL advisory lock on a dedicated
// connection, so of several replicas only one refreshes at a time; the
// others skip (scheduled and event-driven refreshes) or wait a bounded time
// (manual refreshes and rebuilds). Each refresh that runs is recorded in
// mv_refresh_log, and the instant its snapshot was taken (the watermark) in
// reporting_state. SetSources rebuilds the views when the set of sources
// changes. The scheduled refresh is a host job (Job), which
// host/internal/jobs runs on one replica per activation.
//
// # Second-level freshness
//
// revenue_rollup holds the same per-day aggregate for Config.RollupTypes,
// kept in the transaction that records each change (ApplyChanges): the
// event consumer's, for the topics of Config.Rules (ApplyEvents), and the
// invoices service's, for the invoices it stores or cancels
// (InvoiceStored, InvoiceCancelled). Each change names a source row, which
// the rollup reads from the source's own SELECT, so it adds exactly what
// the views will hold. The revenue API answers days before the
// watermark's day (in the company's time zone) from the views, which are
// then complete, and later days from the rollup for rollup types and from
// the views for the others, and says which answered (SourceMV,
// SourceRollup, SourceBoth). A change dated before the watermark's day
// asks for a refresh, since the views answer that day. CheckDrift compares
// the rollup with the views on the days the views fully cover.
//
// # What the package must not do
//
// It never exposes the views without a company filter, never grants them to
// nexus_tenant, and never writes the rollup outside the caller's
// transaction. It knows nothing of a vertical beyond the SQL of its sources
// and the rules it is given.
package reporting
