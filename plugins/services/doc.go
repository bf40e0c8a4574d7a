// Package services is the professional-services vertical of Nexus, for
// firms in Mexico and Argentina that bill clients a monthly fee: clients
// (RFC or CUIT), contracts with a monthly fee, currency, start date and
// billing day, monthly billing runs that charge every active contract once
// per period with IVA, their invoices and credit notes through the host's
// fiscal service (automatically, from a job, when the company's fiscal
// settings say every sale needs one), credits, payments against those
// charges and a receivables aging report in the company's time zone.
//
// It is written only against the SDK (sdk, sdk/money, sdk/taxid), as a
// vertical of another team would be: every read and write goes through the
// host's data access layer inside the request's unit of work, contract and
// charge statuses change only through the host's state machines, events go
// through the transactional outbox, and charges reach the platform's
// revenue report through the manifest's universal source and revenue
// event. It must not import host code or open database connections.
//
// Payments by transfer, card or check are a payment source of the host's
// bank reconciliation.
//
// A charge is revenue when it is issued (its billing run's time), at its
// total with IVA, as the platform counts sales and issued CFDI; a credit
// is negative revenue of the day it was made; payments are collections of
// what was charged, not revenue.
//
// Events published (payloads are JSON objects, amounts decimal strings):
//
//	services.charge.created     {"charge_id","contract_id","client_id","billing_run_id","period","total","currency","issued_at"}
//	services.charge.credited    {"credit_id","charge_id","amount","currency","created_at"}
//	services.payment.received   {"payment_id","charge_id","amount","currency","status"}
//	services.contract.activated {"contract_id","status"}, and .suspended, .resumed, .terminated
package services
