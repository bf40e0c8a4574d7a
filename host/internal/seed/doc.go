// Package seed generates realistic demo and benchmark data: companies (MX
// and AR, with valid RFC or CUIT), each with an owner and a cashier and
// every given vertical enabled through the tenancy service (so each
// vertical provisions them as it would real ones), then each vertical's
// own data through its Seed call (sdk.Seeder: the vertical generates its
// rows and loads them in bulk with the host's CopyRows, fenced in its
// database role like any of its writes) and the host's own CFDI invoices
// of the Mexican companies, loaded with COPY.
//
// It knows no vertical: what a vertical's data looks like is the
// vertical's business. It must not run in production request paths, and
// it must not write into a database that already holds seed data unless
// asked to append.
package seed
