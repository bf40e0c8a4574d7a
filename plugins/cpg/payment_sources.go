package cpg

// paymentSources list, for the host's bank reconciliation, the money the
// vertical took or paid back that goes through a bank: every payment by
// card, transfer or Mercado Pago. Cash never reaches the bank as such (it
// is deposited in bulk, if at all), so it is left out.
//
// cpg_pos_payments holds the point-of-sale tenders, net of change (only
// cash gives change, so this is the amount), and the refunds of returns
// made by those methods, negative: a card refund or a transfer back shows
// up as a withdrawal. Payments of voided sales are left out, as in the cash
// session's expected amounts: the charge was reversed the same day and
// never settles; so are those of sales still waiting for Mercado Pago. A
// payment charged through Mercado Pago counts net of the provider's fee
// (fee), which is what its settlement brings, with the provider's payment
// id as its reference; a refund sent back through Mercado Pago counts once
// Mercado Pago made it (mp_refunds: not while pending, nor when refused).
// cpg_consignment_settlements holds what consignees paid.
var paymentSources = map[string]string{
	"cpg_pos_payments": `SELECT p.company_id, 'cpg_pos_payments'::text AS source, p.id AS payment_id, p.occurred_at,
       p.amount - p.change - p.fee AS amount, s.currency, p.method, p.reference, p.sale_id AS document_id
FROM cpg.payments p
JOIN cpg.sales s ON s.company_id = p.company_id AND s.id = p.sale_id
WHERE p.method <> 'cash' AND (p.return_id IS NOT NULL OR s.status NOT IN ('voided', 'pending_payment'))
  AND NOT EXISTS (SELECT 1 FROM cpg.mp_refunds r
                  WHERE r.company_id = p.company_id AND r.payment_id = p.id AND r.status <> 'refunded')`,
	"cpg_consignment_settlements": `SELECT st.company_id, 'cpg_consignment_settlements'::text AS source, st.id AS payment_id,
       st.occurred_at, st.amount, c.currency, st.method, st.reference, st.consignment_id AS document_id
FROM cpg.consignment_settlements st
JOIN cpg.consignments c ON c.company_id = st.company_id AND c.id = st.consignment_id
WHERE st.method <> 'cash'`,
}
