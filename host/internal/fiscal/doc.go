// Package fiscal owns the fiscal documents the host issues for every
// vertical: a vertical hands the host a document built from the
// calculator's result (sdk/fiscal.Input, through the SDK's Fiscal calls or
// the Host service's IssueFiscalDocument), the host stores it, issues the
// legal document through the Issuer of the company's country (AFIP WSFEv1
// in Argentina, package afip; CFDI 4.0 through a PAC in Mexico, package
// cfdi) and answers with its state. Documents follow draft → requested →
// authorized | rejected, authorized → cancelled; a cancellation that
// waits for the receiver's acceptance (MX) goes authorized →
// cancellation_requested → cancelled | authorized, followed by the job
// host.fiscal_cancellations (CancellationJob); an MX sale to the public
// in general goes draft → pending_global → authorized with its period's
// global CFDI (below). Every transition is in the
// company's audit log. A document is idempotent per (company,
// vertical, source document, kind): asking again answers the same one,
// and resumes it when it was never sent or its outcome is unknown.
//
// Numbering is the core's: an Issuer names the series a document is
// numbered in (Plan), the core serializes the series with a PostgreSQL
// advisory lock held on one connection for the whole issuance, resolves
// every attempt of the series whose outcome is unknown (Issuer.Status)
// before a new number is asked for, and records each attempt before it is
// sent (Env.Attempt), so a timeout never leads to a skipped or a repeated
// number.
//
// Global documents (global.go): where the country's issuer says so
// (GlobalIssuer: Mexico's sales to the public in general), an invoice is
// held (draft → pending_global) and nothing is sent for it; the job
// host.issue_global_cfdi makes, once a period has ended in the company's
// time zone, one global document of the vertical's held invoices of that
// period (its own number, source id "global:<period>"), issues it like
// any other, and in the same transaction as its authorization authorizes
// its members with its code (pending_global → authorized). A credit note
// of a held invoice is held too and issued once the invoice is
// authorized. A rejected global keeps its members held until the
// company's settings change or a growing wait passes; a cancelled one
// puts them back on hold for a new global.
//
// Payment receipts of invoices issued as deferred are the core's too
// (receipts.go): it keeps what each invoice still owes, refuses paying
// more, and numbers the installments, so a vertical never sends them.
//
// It also keeps each company's fiscal settings (fiscal_settings) and
// serves operators the documents (GET /api/v1/fiscal/documents...) and
// the settings and credentials (/api/v1/fiscal/settings, .../credentials;
// credentials live in the secrets service under the namespace
// SecretsNamespace, which no vertical can name), and the authority's
// parameter tables of an issuer that serves them
// (GET /api/v1/fiscal/{country}/parameters/{table}, ParameterSource).
//
// It must not know any vertical, log or answer a credential (certificates,
// keys, tokens), or write a document in a vertical's unit of work: an
// authorized document stays recorded even when the vertical's request
// fails afterwards, since the authority has it.
package fiscal
