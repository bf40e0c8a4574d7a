package services

// Named queries the vertical declares in its manifest. The host prepares
// them when the plugin registers and runs them in the request's unit of
// work with search_path "services, public"; row-level security confines
// them to the caller's company, and each one also filters company_id
// itself so its indexes are used. Every value is a bound parameter.

// Names of the named queries.
const (
	qBillableContracts = "billable_contracts"
	qInsertCharges     = "insert_charges"
	qAgingClients      = "aging_clients"
	qAgingSummary      = "aging_summary"
	qFiscalUninvoiced  = "fiscal_uninvoiced_charges"
	qFiscalUncredited  = "fiscal_uncredited_credits"
	// qUnreceiptedPayments is receipts.go's.
	qUnreceiptedPayments  = "fiscal_unreceipted_payments"
	qRequeueClientCharges = "requeue_client_charges"
)

// companyFilter is the caller's company, set by the host's unit of work.
const companyFilter = "current_setting('app.company_id')::uuid"

// due is the condition that the fiscal document of the row aliased t is
// due for another attempt.
func due(t string) string {
	return "(" + t + ".fiscal_next_attempt_at IS NULL OR " + t + ".fiscal_next_attempt_at <= now())"
}

// openCharges are the charges issued by the end of day $2 in time zone $1
// whose balance at that day's end (less the payments and credits made by
// then) is not zero, with how many days past their due date they were
// that day (0 when not yet due). A paid charge credited afterwards has a
// negative balance: owed to the client, it lowers what the client owes.
const openCharges = `WITH paid AS (
  SELECT p.charge_id, sum(p.amount) AS amount
  FROM payments p
  WHERE p.company_id = ` + companyFilter + ` AND (p.paid_at AT TIME ZONE $1::text)::date <= $2::date
  GROUP BY p.charge_id
), credited AS (
  SELECT cr.charge_id, sum(cr.amount) AS amount
  FROM credits cr
  WHERE cr.company_id = ` + companyFilter + ` AND (cr.created_at AT TIME ZONE $1::text)::date <= $2::date
  GROUP BY cr.charge_id
), open AS (
  SELECT ch.client_id, ch.currency, ch.total - coalesce(pd.amount, 0) - coalesce(cd.amount, 0) AS balance,
         greatest($2::date - ch.due_date, 0) AS days
  FROM charges ch
  LEFT JOIN paid pd ON pd.charge_id = ch.id
  LEFT JOIN credited cd ON cd.charge_id = ch.id
  WHERE ch.company_id = ` + companyFilter + ` AND (ch.issued_at AT TIME ZONE $1::text)::date <= $2::date
    AND ch.total - coalesce(pd.amount, 0) - coalesce(cd.amount, 0) <> 0
)`

// agingColumns sum open balances into the four aging buckets.
const agingColumns = `coalesce(sum(o.balance) FILTER (WHERE o.days <= 30), 0) AS d0_30,
       coalesce(sum(o.balance) FILTER (WHERE o.days BETWEEN 31 AND 60), 0) AS d31_60,
       coalesce(sum(o.balance) FILTER (WHERE o.days BETWEEN 61 AND 90), 0) AS d61_90,
       coalesce(sum(o.balance) FILTER (WHERE o.days > 90), 0) AS d90_plus,
       sum(o.balance) AS total, count(*) AS charges`

var queries = map[string]string{
	// Contracts a billing run charges: active now and started by the
	// period's last day ($1), by id after $2, $3 at a time. FOR SHARE
	// holds off a suspension or termination until the run commits.
	qBillableContracts: `SELECT c.id, c.client_id, c.monthly_fee, c.currency, c.tax_code, c.billing_day
FROM contracts c
WHERE c.company_id = ` + companyFilter + ` AND c.status = 'active' AND c.start_date <= $1::date AND c.id > $2::uuid
ORDER BY c.id
LIMIT $3::int
FOR SHARE`,

	// A run's charges ($1, a JSON array), one per contract and period:
	// a charge the unique key already holds — committed by an earlier
	// run, or by a concurrent one, whose commit this insert waits for —
	// is skipped. It returns the charges written. Status and issued_at
	// take their defaults (open, the transaction's time).
	qInsertCharges: `INSERT INTO charges (company_id, id, contract_id, client_id, billing_run_id, period, due_date, currency,
                     tax_code, tax_rate, subtotal, tax, total)
SELECT ` + companyFilter + `, r.id, r.contract_id, r.client_id, r.billing_run_id, r.period, r.due_date, r.currency,
       r.tax_code, r.tax_rate, r.subtotal, r.tax, r.total
FROM json_populate_recordset(NULL::charges, $1::json) r
ON CONFLICT (company_id, contract_id, period) DO NOTHING
RETURNING id, contract_id, client_id, total, currency, issued_at`,

	// Receivables per client and currency as of $2 in time zone $1, by
	// client name after the keyset ($3 name, $4 client id, $5 currency),
	// $6 rows at a time.
	qAgingClients: openCharges + `
SELECT o.client_id, cl.name AS client_name, o.currency, ` + agingColumns + `
FROM open o
JOIN clients cl ON cl.company_id = ` + companyFilter + ` AND cl.id = o.client_id
WHERE (cl.name, o.client_id, o.currency) > ($3::text, $4::uuid, $5::text)
GROUP BY cl.name, o.client_id, o.currency
ORDER BY cl.name, o.client_id, o.currency
LIMIT $6::int`,

	// The charges whose invoice the job issues, oldest first, $1 at a
	// time: the last week's charges never invoiced, and those left
	// pending (the fiscal service unavailable or the company's setup
	// refused) or requested whose next attempt is due (the job's
	// automatic invoicing). A charge whose data was refused (needs_data)
	// waits for its client's fiscal profile to change.
	qFiscalUninvoiced: `SELECT ch.id FROM charges ch
WHERE ch.company_id = ` + companyFilter + `
  AND (ch.fiscal_status IS NULL AND ch.issued_at > now() - interval '7 days'
       OR ch.fiscal_status IN ('pending', 'requested') AND ` + due("ch") + `)
ORDER BY ch.issued_at, ch.id
LIMIT $1::int`,

	// The credits of charges with an authorized invoice whose credit note
	// was never asked for, or is pending or requested and due again,
	// oldest first, $1 at a time.
	qFiscalUncredited: `SELECT cr.id FROM credits cr
JOIN charges ch ON ch.company_id = cr.company_id AND ch.id = cr.charge_id AND ch.fiscal_status = 'authorized'
WHERE cr.company_id = ` + companyFilter + `
  AND (cr.fiscal_status IS NULL OR cr.fiscal_status IN ('pending', 'requested') AND ` + due("cr") + `)
ORDER BY cr.created_at, cr.id
LIMIT $1::int`,

	// The payments of charges with an authorized invoice whose receipt is
	// still to issue — never asked for, or pending or requested and due
	// again (a refused one, needs_data, waits for POST
	// /payments/{id}/receipt) — oldest first, $1 at a time.
	qUnreceiptedPayments: `SELECT p.id FROM payments p
JOIN charges ch ON ch.company_id = p.company_id AND ch.id = p.charge_id AND ch.fiscal_status = 'authorized'
WHERE p.company_id = ` + companyFilter + `
  AND (p.fiscal_status IS NULL OR p.fiscal_status IN ('pending', 'requested') AND ` + due("p") + `)
ORDER BY p.created_at, p.id
LIMIT $1::int`,

	// A client's fiscal profile changed ($1, the client): its charges
	// whose invoice data was refused are due again.
	qRequeueClientCharges: `UPDATE charges SET fiscal_status = 'pending', fiscal_next_attempt_at = now()
WHERE company_id = ` + companyFilter + ` AND client_id = $1::uuid AND fiscal_status = 'needs_data'`,

	// Receivables per currency as of $2 in time zone $1.
	qAgingSummary: openCharges + `
SELECT o.currency, ` + agingColumns + `
FROM open o
GROUP BY o.currency
ORDER BY o.currency`,
}
