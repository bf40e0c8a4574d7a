// Package payments is the host's payment service: a company's Mercado Pago
// setup (which methods are on — an online card charged with a card token
// the POS front end created, or an in-store QR — and the environment; the
// access token and webhook secret live in the secrets service under
// SecretNamespace), payments created idempotently for a vertical's
// document (vertical + document id), their state machine mirroring the
// provider's statuses, refunds (total and partial), the provider's webhook
// (POST /api/v1/hooks/payments/mercadopago/{company_id}: signature checked,
// the payment then fetched from the API, applied once) and the job that
// polls payments left pending, so a lost notification strands nothing.
// Every status change is in the company's audit log and reaches the owning
// vertical as a host.payment.<status> event carrying its document id.
//
// Calls to Mercado Pago go through sdk/outbound: retries for idempotent
// requests, a circuit breaker per (company, service); while a company's
// breaker is open, creating a payment fails at once with 503
// payment_service_unavailable.
//
// It must not name a vertical, log or answer a credential (access token,
// webhook secret, card token), or trust a webhook's body: only what the
// provider's API answers changes a payment.
package payments
