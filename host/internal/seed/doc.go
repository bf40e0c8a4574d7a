// Package seed generates realistic demo and benchmark data: companies (MX
// and AR, with valid RFC or CUIT) with an owner and a cashier and the CPG
// vertical enabled, then, loaded with COPY, their locations, customers,
// catalog with variants, stock with its ledger, registers and cash
// sessions, sales with lines and payments, consignments and CFDI invoices.
//
// It is a development tool and knows the CPG v1 schema on purpose: the host
// never imports vertical code, so the rows are written here, as the host's
// privileged role, matching plugins/cpg/migrations exactly and keeping the
// vertical's invariants (Σ stock movements = on hand, totals = Σ lines,
// payments cover totals, consistent closed cash sessions). Companies,
// members and vertical enablement go through the tenancy service so the
// vertical provisions them as it would for real ones.
//
// It must not run in production request paths, and it must not write into a
// database that already holds seed data unless asked to append.
package seed
