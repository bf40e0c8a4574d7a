// Package cpg is the CPG retail vertical of Nexus: a catalog of products
// with variants, locations and an append-only inventory ledger, a point of
// sale with registers, cash sessions, checkout, voids and returns,
// consignment to consignees, purchase orders with moving-average cost, and
// retail reports in the company's time zone.
//
// It is written only against the SDK (sdk, sdk/money, sdk/taxid): every
// read and write goes through the host's data access layer inside the
// request's unit of work, status columns change only through the host's
// state machines, and events go through the transactional outbox. It must
// not import host code, open database connections or keep per-company state
// in memory: the company's configuration arrives with every call.
//
// Stock never goes negative unless the company allows it: lines are merged
// per (variant, location) and applied in sorted order with a conditional
// UPDATE (on_hand >= quantity), so concurrent checkouts cannot oversell and
// cannot deadlock; every change of on-hand is written together with its
// ledger movement, so Σ movements = on-hand (GET /stock/integrity proves it).
//
// Events published (payloads are JSON objects, amounts decimal strings):
//
//	cpg.sale.created       {"sale_id","location_id","total","currency","occurred_at"}
//	cpg.sale.voided        {"sale_id","location_id","total","occurred_at"}
//	cpg.sale.returned      {"sale_id","return_id","location_id","amount","occurred_at"}
//	cpg.consignment.large  {"consignment_id","customer_id","location_id","value","threshold","currency","occurred_at"}
//	cpg.consignment.sold   {"consignment_id","report_id","total","currency","occurred_at"}
package cpg
