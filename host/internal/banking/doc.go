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
// The package reads sat_invoices (owned by package invoices) but never
// writes it. It must not read any vertical's schema: matching point-of-sale
// card or transfer payments of the CPG vertical needs that vertical to
// expose them (e.g. through its universal-transaction SQL) and is not done
// here.
package banking
