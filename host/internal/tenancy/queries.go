package tenancy

// All of the package's SQL. Queries on memberships and company_verticals
// run inside store.TenantTx (row-level security applies) unless their
// comment says otherwise; companies and users have no company_id and are
// queried through the pool. Writes of memberships (and the owner locks
// guarding them) run on the owner's connection: the tenant role only
// reads memberships.

const companyColumns = `id, name, country, currency, tax_id, timezone, active, created_at, updated_at`

const (
	insertCompanySQL = `
INSERT INTO companies (name, country, currency, tax_id, timezone)
VALUES ($1, $2, $3, $4, $5)
RETURNING ` + companyColumns

	selectCompanySQL = `SELECT ` + companyColumns + ` FROM companies WHERE id = $1`

	// listCompaniesSQL pages through all companies by id (primary key).
	listCompaniesSQL = `
SELECT ` + companyColumns + `
FROM companies
WHERE id > $1
ORDER BY id
LIMIT $2`

	// listMemberCompaniesSQL pages through the companies one user belongs
	// to. It reads memberships by user across companies, like login does,
	// so it runs on the pool, filtered by user_id.
	listMemberCompaniesSQL = `
SELECT c.id, c.name, c.country, c.currency, c.tax_id, c.timezone, c.active, c.created_at, c.updated_at
FROM memberships m
JOIN companies c ON c.id = m.company_id
WHERE m.user_id = $1 AND c.id > $2
ORDER BY c.id
LIMIT $3`

	updateCompanySQL = `
UPDATE companies
SET name = coalesce($2, name), timezone = coalesce($3, timezone), updated_at = now()
WHERE id = $1
RETURNING ` + companyColumns

	setCompanyActiveSQL = `
UPDATE companies
SET active = $2, updated_at = now()
WHERE id = $1
RETURNING ` + companyColumns
)

const (
	selectUserByEmailSQL = `SELECT id, email FROM users WHERE lower(email) = lower($1)`

	// insertUserSQL creates a user unless one with that email appeared
	// meanwhile; then it returns no row.
	insertUserSQL = `
INSERT INTO users (email, password_hash)
VALUES ($1, $2)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING id, email`

	selectUserEmailsSQL = `SELECT id, email FROM users WHERE id = ANY($1)`
)

const (
	insertMembershipSQL = `
INSERT INTO memberships (company_id, user_id, role)
VALUES ($1, $2, $3)
ON CONFLICT (company_id, user_id) DO NOTHING
RETURNING created_at`

	selectMembershipSQL = `
SELECT role, created_at FROM memberships WHERE company_id = $1 AND user_id = $2`

	selectMembershipForUpdateSQL = selectMembershipSQL + ` FOR UPDATE`

	// lockOwnersSQL locks the company's owner rows so that two concurrent
	// demotions or removals cannot leave the company without an owner.
	lockOwnersSQL = `
SELECT user_id FROM memberships
WHERE company_id = $1 AND role = 'owner'
ORDER BY user_id
FOR UPDATE`

	updateMemberRoleSQL = `
UPDATE memberships SET role = $3
WHERE company_id = $1 AND user_id = $2
RETURNING created_at`

	deleteMembershipSQL = `DELETE FROM memberships WHERE company_id = $1 AND user_id = $2`

	listMembershipsSQL = `
SELECT user_id, role, created_at
FROM memberships
WHERE company_id = $1 AND user_id > $2
ORDER BY user_id
LIMIT $3`
)

const verticalColumns = `vertical, enabled, config, enabled_at, disabled_at, updated_at`

const (
	// enableVerticalSQL enables (or reconfigures) a vertical, keeping the
	// first enabled_at of a vertical that stays enabled.
	enableVerticalSQL = `
INSERT INTO company_verticals (company_id, vertical, enabled, config, enabled_at, updated_at)
VALUES ($1, $2, true, $3, now(), now())
ON CONFLICT (company_id, vertical) DO UPDATE
SET enabled = true,
    config = excluded.config,
    enabled_at = CASE WHEN company_verticals.enabled THEN company_verticals.enabled_at ELSE now() END,
    disabled_at = NULL,
    updated_at = now()
RETURNING ` + verticalColumns

	disableVerticalSQL = `
UPDATE company_verticals
SET enabled = false, disabled_at = now(), updated_at = now()
WHERE company_id = $1 AND vertical = $2 AND enabled`

	verticalExistsSQL = `
SELECT EXISTS (SELECT 1 FROM company_verticals WHERE company_id = $1 AND vertical = $2)`

	listVerticalsSQL = `
SELECT ` + verticalColumns + `
FROM company_verticals
WHERE company_id = $1
ORDER BY vertical`

	// accessSQL runs on the pool on every vertical route: primary-key
	// lookups, filtered by company explicitly.
	accessSQL = `
SELECT c.id, c.name, c.country, c.currency, c.tax_id, c.timezone, c.active, c.created_at, c.updated_at,
       v.enabled, v.config
FROM companies c
LEFT JOIN company_verticals v ON v.company_id = c.id AND v.vertical = $2
WHERE c.id = $1`
)

const invitationColumns = `company_id, id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at`

const (
	// memberEmailExistsSQL reports whether someone with that email belongs
	// to the company. users has no company_id, so it runs on the pool,
	// filtered by company explicitly.
	memberEmailExistsSQL = `
SELECT EXISTS (
    SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.company_id = $1 AND lower(u.email) = $2)`

	// revokeOpenInvitationSQL retires the open invitation of an email that
	// is invited again.
	revokeOpenInvitationSQL = `
UPDATE invitations SET revoked_at = now()
WHERE company_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`

	insertInvitationSQL = `
INSERT INTO invitations (company_id, email, role, token_hash, invited_by, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + $6::bigint * interval '1 second')
RETURNING ` + invitationColumns

	selectInvitationSQL = `SELECT ` + invitationColumns + ` FROM invitations WHERE company_id = $1 AND id = $2`

	// listInvitationsSQL pages through a company's invitations, newest
	// first; $2 and $3 are the last row of the previous page (NULL for the
	// first page).
	listInvitationsSQL = `
SELECT ` + invitationColumns + `
FROM invitations
WHERE company_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
ORDER BY created_at DESC, id DESC
LIMIT $4`

	revokeInvitationSQL = `
UPDATE invitations SET revoked_at = now()
WHERE company_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`

	// invitationByTokenSQL finds and locks the invitation a token belongs
	// to, with its company's state. The token names no company, so this one
	// lookup runs on the pool (like a refresh token's); everything after it
	// runs confined to the invitation's company.
	invitationByTokenSQL = `
SELECT i.company_id, i.id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at,
       c.active, now()
FROM invitations i JOIN companies c ON c.id = i.company_id
WHERE i.token_hash = $1
FOR UPDATE OF i`

	// insertInvitedUserSQL creates the invitee's account unless one with
	// that email appeared meanwhile; then it returns no row.
	insertInvitedUserSQL = `
INSERT INTO users (email, password_hash, name)
VALUES ($1, $2, $3)
ON CONFLICT ((lower(email))) DO NOTHING
RETURNING id`

	userIDByEmailSQL = `SELECT id FROM users WHERE lower(email) = $1`

	acceptInvitationSQL = `
UPDATE invitations SET accepted_at = now(), accepted_by = $3
WHERE company_id = $1 AND id = $2`
)

// enabledCompaniesSQL lists the active companies that enabled a vertical,
// for the host's per-company jobs; it runs on the pool, across companies.
const enabledCompaniesSQL = `
SELECT c.id FROM companies c
JOIN company_verticals v ON v.company_id = c.id AND v.vertical = $1 AND v.enabled
WHERE c.active
ORDER BY c.id`
