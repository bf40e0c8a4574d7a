package auth

// SQL used by this package. Every value is bound; emails are stored and
// looked up normalized (see NormalizeEmail) against the lower(email) index.
const (
	// qUserByEmail loads the credentials of a login attempt.
	qUserByEmail = `SELECT id, password_hash, platform_admin FROM users WHERE lower(email) = $1`

	// qPrincipal is the single query behind Authenticate: the user (if it
	// still exists), its role in the token's company and whether that
	// company is active (NULL when not a member or no company), and
	// whether the token's session still has an unrevoked refresh token.
	qPrincipal = `
SELECT u.email, u.platform_admin, m.role, c.active,
       EXISTS (SELECT 1 FROM refresh_tokens t
               WHERE t.family_id = $3 AND t.user_id = u.id AND t.revoked_at IS NULL)
FROM users u
LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = $2::uuid
LEFT JOIN companies c ON c.id = m.company_id
WHERE u.id = $1`

	// qUserState re-reads a user's platform flag and role in a company
	// (NULL when not a member or no company) before issuing tokens.
	qUserState = `
SELECT u.platform_admin, m.role, c.active
FROM users u
LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = $2::uuid
LEFT JOIN companies c ON c.id = m.company_id
WHERE u.id = $1`

	// qDefaultCompany picks the company of a login without company_id: the
	// oldest membership, preferring active companies.
	qDefaultCompany = `
SELECT m.company_id
FROM memberships m
JOIN companies c ON c.id = m.company_id
WHERE m.user_id = $1
ORDER BY c.active DESC, m.created_at, m.company_id
LIMIT 1`

	// qCompanies lists a user's companies, oldest membership first.
	qCompanies = `
SELECT c.id, c.name, m.role, c.active
FROM memberships m
JOIN companies c ON c.id = m.company_id
WHERE m.user_id = $1
ORDER BY m.created_at, m.company_id`

	qInsertRefresh = `
INSERT INTO refresh_tokens (family_id, user_id, company_id, token_hash, expires_at)
VALUES ($1, $2, $3, $4, $5)`

	// qRefreshForUpdate locks the presented refresh token for rotation.
	qRefreshForUpdate = `
SELECT id, family_id, user_id, company_id, expires_at, used_at IS NOT NULL OR revoked_at IS NOT NULL
FROM refresh_tokens
WHERE token_hash = $1
FOR UPDATE`

	qMarkRefreshUsed = `UPDATE refresh_tokens SET used_at = $2 WHERE id = $1`

	// qRotateFamily marks every live token of a session used, so that only
	// the token inserted next is valid (switching company).
	qRotateFamily = `
UPDATE refresh_tokens SET used_at = $2
WHERE family_id = $1 AND used_at IS NULL AND revoked_at IS NULL`

	qRevokeFamily = `
UPDATE refresh_tokens SET revoked_at = $2
WHERE family_id = $1 AND revoked_at IS NULL`

	// qRevokeFamilyOfToken revokes the session a refresh token belongs to.
	qRevokeFamilyOfToken = `
UPDATE refresh_tokens SET revoked_at = $2
WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
  AND revoked_at IS NULL`

	// qInsertAdmin creates a platform admin unless the email is taken.
	qInsertAdmin = `
INSERT INTO users (email, password_hash, platform_admin)
VALUES ($1, $2, true)
ON CONFLICT (lower(email)) DO NOTHING
RETURNING id`

	// qPruneRefresh deletes up to $2 refresh tokens that expired before $1,
	// skipping rows another replica is deleting.
	qPruneRefresh = `
DELETE FROM refresh_tokens
WHERE id IN (SELECT id FROM refresh_tokens WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`
)

// SQL of API key authentication (apikey.go).
const (
	// qKeyPrincipal loads an API key by its hash, with its company's state.
	qKeyPrincipal = `
SELECT k.company_id, k.id, k.name, k.role, c.active, k.expires_at, k.revoked_at IS NOT NULL, k.last_used_at
FROM api_keys k
JOIN companies c ON c.id = k.company_id
WHERE k.key_hash = $1`

	// qKeyUsed records a key's use, unless another request did within
	// the last minute.
	qKeyUsed = `
UPDATE api_keys SET last_used_at = $3
WHERE company_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $3::timestamptz - interval '1 minute')`
)
