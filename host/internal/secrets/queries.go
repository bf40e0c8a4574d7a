package secrets

// SQL used by the package. Every value is bound.
const (
	// qUpsert writes a secret and reports whether it was new.
	qUpsert = `
INSERT INTO public.secrets (company_id, vertical, name, key_id, ciphertext, updated_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (company_id, vertical, name) DO UPDATE
SET key_id = excluded.key_id, ciphertext = excluded.ciphertext,
    updated_at = now(), updated_by = excluded.updated_by
RETURNING (xmax = 0)`

	qDelete = `DELETE FROM public.secrets WHERE company_id = $1 AND vertical = $2 AND name = $3`

	qGet = `SELECT key_id, ciphertext FROM public.secrets WHERE company_id = $1 AND vertical = $2 AND name = $3`

	// qList lists a vertical's secret names, never their values.
	qList = `
SELECT name, created_at, updated_at, updated_by
FROM public.secrets
WHERE company_id = $1 AND vertical = $2
ORDER BY name`

	// qStale locks up to $2 rows sealed with a key other than $1, skipping
	// rows another rotation holds.
	qStale = `
SELECT company_id, vertical, name, key_id, ciphertext
FROM public.secrets
WHERE key_id <> $1
ORDER BY company_id, vertical, name
LIMIT $2
FOR UPDATE SKIP LOCKED`

	qReseal = `
UPDATE public.secrets SET key_id = $4, ciphertext = $5
WHERE company_id = $1 AND vertical = $2 AND name = $3`
)
