package payments

// The package's SQL. Statements run in tenant transactions of the company
// (row-level security) unless noted.
const (
	qGetConfig = `SELECT environment, card_enabled, qr_enabled, qr_user_id, qr_external_pos_id, updated_at
FROM payment_configs WHERE company_id = $1`

	qPutConfig = `INSERT INTO payment_configs (company_id, environment, card_enabled, qr_enabled, qr_user_id, qr_external_pos_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (company_id) DO UPDATE SET environment = EXCLUDED.environment, card_enabled = EXCLUDED.card_enabled,
  qr_enabled = EXCLUDED.qr_enabled, qr_user_id = EXCLUDED.qr_user_id, qr_external_pos_id = EXCLUDED.qr_external_pos_id,
  updated_at = now()`

	paymentColumns = `id, vertical, document_id, method, amount::text, currency, status, status_detail,
  coalesce(provider_payment_id, ''), coalesce(provider_order_id, ''), coalesce(qr_data, ''), fee_amount::text,
  refunded_amount::text, expires_at, created_at, updated_at, company_id, request_hash`

	// qClaim inserts a payment unless the idempotency key is taken.
	qClaim = `INSERT INTO payments (company_id, id, vertical, document_id, idempotency_key, request_hash, method, amount,
  currency, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (company_id, vertical, idempotency_key) DO NOTHING
RETURNING ` + paymentColumns

	qByKey = `SELECT ` + paymentColumns + ` FROM payments WHERE company_id = $1 AND vertical = $2 AND idempotency_key = $3`

	qByID = `SELECT ` + paymentColumns + ` FROM payments WHERE company_id = $1 AND id = $2`

	qByIDForUpdate = qByID + ` FOR UPDATE`

	qByProviderIDForUpdate = `SELECT ` + paymentColumns + ` FROM payments WHERE company_id = $1 AND provider_payment_id = $2 FOR UPDATE`

	qDelete = `DELETE FROM payments WHERE company_id = $1 AND id = $2 AND provider_payment_id IS NULL AND provider_order_id IS NULL`

	qSetCreated = `UPDATE payments SET provider_payment_id = nullif($3, ''), provider_order_id = nullif($4, ''),
  qr_data = nullif($5, ''), updated_at = now() WHERE company_id = $1 AND id = $2`

	qSetState = `UPDATE payments SET status = $3, status_detail = $4, fee_amount = $5, refunded_amount = $6,
  provider_payment_id = coalesce(provider_payment_id, nullif($7, '')), updated_at = now()
WHERE company_id = $1 AND id = $2`

	// qTouch records that a payment was looked at (the poll job's order).
	qTouch = `UPDATE payments SET updated_at = now() WHERE company_id = $1 AND id = $2`

	// qRefundByKey reads the refund a key made, and whether it is the
	// payment's last.
	qRefundByKey = `SELECT r.amount::text, NOT EXISTS (SELECT 1 FROM payment_refunds l
  WHERE l.company_id = r.company_id AND l.payment_id = r.payment_id AND l.created_at > r.created_at)
FROM payment_refunds r WHERE r.company_id = $1 AND r.payment_id = $2 AND r.idempotency_key = $3`

	qInsertRefund = `INSERT INTO payment_refunds (company_id, payment_id, idempotency_key, amount, provider_refund_id, status)
VALUES ($1, $2, $3, $4, $5, $6)`

	// qSeenNotification reports whether a notification was applied.
	qSeenNotification = `SELECT EXISTS (SELECT 1 FROM payment_notifications WHERE company_id = $1 AND request_id = $2)`

	// qNotified records an applied notification; a conflict is a replay.
	qNotified = `INSERT INTO payment_notifications (company_id, request_id, data_id) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING`

	// qOpenStale lists a company's payments still open and untouched
	// since $2, oldest first.
	qOpenStale = `SELECT ` + paymentColumns + ` FROM payments
WHERE company_id = $1 AND status IN ('pending', 'in_process', 'authorized', 'in_mediation') AND updated_at < $2
ORDER BY updated_at LIMIT $3`

	// qOpenCompanies lists the companies with payments still open, as the
	// host's role across companies (the poll job's list).
	qOpenCompanies = `SELECT DISTINCT company_id FROM payments
WHERE status IN ('pending', 'in_process', 'authorized', 'in_mediation')`

	// qPruneNotifications forgets notifications older than the signature
	// window allows to replay, as the host's role.
	qPruneNotifications = `DELETE FROM payment_notifications WHERE received_at < $1`
)
