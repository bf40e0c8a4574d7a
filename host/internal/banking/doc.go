// Package banking owns a company's bank accounts, the statements imported
// into them (CSV with a column mapping saved per account, OFX 1.x SGML and
// 2.x XML) as bank_import_batches and bank_movements, and the
// reconciliation of those movements with the company's CFDI invoices:
// automatic (exact amount, date window, RFC, UUID or folio in the
// description; one movement to one or several invoices), manual matches
// and their undoing, every decision kept in bank_matches, and the report
// of what is still unreconciled. It serves /api/v1/bank (see
// Service.Routes).
//
// Every read and write of tenant tables goes through store.TenantTx, so
// row-level security confines it to the caller's company on top of the
// explicit company_id filters; only the company's time zone is read from
// companies through the pool. The statement parsers are pure functions of
// the file's bytes: they refuse DOCTYPE and ENTITY declarations and bound
// the rows and nesting they accept.
//
// Movements are also matched to the payments the verticals declare they
// took that go through a bank (sdk.Manifest.PaymentSources: card,
// transfer, wallet payments and their refunds, never cash), handed to
// SetPaymentSources at startup: exact amount, posted 0 to 7 days after
// the payment (card settlements arrive one to three days later), the
// payment's reference in the description; one deposit may settle several
// payments of one method and day. Each match records its target, invoices
// or payments.
//
// The package reads sat_invoices (owned by package invoices) but never
// writes it. It never names a vertical's tables: it runs the SELECTs the
// verticals declare, checked for their columns when set, inside the
// caller's tenant transaction (row-level security applies to the
// vertical's tables) and filtered by company_id, never in a view owned by
// the host, which would bypass row-level security.
package banking
