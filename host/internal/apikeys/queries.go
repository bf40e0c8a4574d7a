package apikeys

// SQL used by the package. Every value is bound.
const (
	qInsert = `
INSERT INTO public.api_keys (company_id, name, role, prefix, key_hash, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, created_at`

	// qList reads one page, newest first, after ($2, $3) when $2 is set.
	qList = `
SELECT id, name, role, prefix, created_by, created_at, expires_at, last_used_at, revoked_at
FROM public.api_keys
WHERE company_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $4`

	// qRevoke revokes a live key; revoking it again changes nothing.
	qRevoke = `
UPDATE public.api_keys SET revoked_at = now(), revoked_by = $3
WHERE company_id = $1 AND id = $2 AND revoked_at IS NULL
RETURNING name`

	qExists = `SELECT true FROM public.api_keys WHERE company_id = $1 AND id = $2`
)
