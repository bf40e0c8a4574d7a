// Package invoices owns the company's CFDI 4.0 invoices (Mexico, SAT): it
// parses and validates uploaded XML (Parse), stores the raw file with its
// parsed fields, lines, taxes, related CFDIs and Pagos complement in
// sat_invoices and its child tables, classifies each invoice as issued or
// received by the company's RFC, lists and shows them, serves the raw XML
// and cancels them with a status_history row. It serves
// /api/v1/invoices (see Service.Routes).
//
// Every read and write of the tenant tables goes through store.TenantTx, so
// row-level security confines it to the caller's company on top of the
// explicit company_id filters; only the company's own RFC and time zone are
// read from companies through the pool. The parser is pure: it never
// resolves entities, never fetches anything and refuses DOCTYPE and ENTITY
// declarations, deep nesting and oversized elements.
//
// The package must not talk to the SAT or a PAC (a cancellation here records
// a status the company already obtained elsewhere), must not read the bank
// tables except to refuse cancelling an invoice that a live bank match pays,
// and must not read any vertical's schema.
package invoices
