package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
)

// InvitationTTL is how long an invitation's token can be accepted.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation states, derived from the row and the clock.
const (
	InvitationPending  = "pending"
	InvitationAccepted = "accepted"
	InvitationRevoked  = "revoked"
	InvitationExpired  = "expired"
)

// Invitation is an offer to join a company with a role, made to an email.
// Whether that email has an account is never part of it.
type Invitation struct {
	ID        uuid.UUID `json:"id"`
	CompanyID uuid.UUID `json:"company_id"`
	Email     string    `json:"email"`
	Role      auth.Role `json:"role"`
	// Status is pending, accepted, revoked or expired.
	Status string `json:"status"`
	// InvitedBy is the user who invited (a member or a platform admin).
	InvitedBy  *uuid.UUID `json:"invited_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// NewInvitation is the input of Invite; it is also the exact body of
// POST /api/v1/companies/{id}/invitations.
type NewInvitation struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Invite invites email to the company with role, on behalf of inviter, and
// returns the invitation with its token. The token is shown only here: the
// database keeps its SHA-256. Inviting an email whose invitation is still
// open replaces it (the old token stops working); an email that already
// belongs to a member is a 409 member_exists (the inviter can list members,
// so that says nothing new). Nothing here depends on whether the email has
// an account, so the answer cannot reveal it. Role rules: an inviter may
// grant at most their own role, and owner only if they manage owners.
func (s *Service) Invite(ctx context.Context, companyID uuid.UUID, inviter auth.Principal, in NewInvitation) (Invitation, string, error) {
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		return Invitation{}, "", errInvalidRole(in.Role)
	}
	if !inviter.PlatformAdmin && !inviter.Role.AtLeast(role) {
		return Invitation{}, "", errInsufficientRole(role, inviter.Role)
	}
	if role == auth.RoleOwner && !managesOwners(inviter) {
		return Invitation{}, "", errInsufficientRole(auth.RoleOwner, inviter.Role)
	}
	email, err := auth.ValidateEmail(in.Email)
	if err != nil {
		return Invitation{}, "", err
	}
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return Invitation{}, "", err
	}
	var member bool
	if err := s.pool.QueryRow(ctx, memberEmailExistsSQL, companyID, email).Scan(&member); err != nil {
		return Invitation{}, "", fmt.Errorf("invite to company %s: %w", companyID, err)
	}
	if member {
		return Invitation{}, "", errMemberExists()
	}
	token, hash, err := auth.NewOpaqueToken()
	if err != nil {
		return Invitation{}, "", fmt.Errorf("invite to company %s: %w", companyID, err)
	}
	var inv Invitation
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, revokeOpenInvitationSQL, companyID, email); err != nil {
			return err
		}
		inv, err = scanInvitation(tx.QueryRow(ctx, insertInvitationSQL, companyID, email, string(role), hash,
			nullUUID(inviter.UserID), int64(InvitationTTL/time.Second)), time.Now())
		return err
	})
	if err != nil {
		return Invitation{}, "", fmt.Errorf("invite to company %s: %w", companyID, err)
	}
	s.log.Info("invitation created", "company_id", companyID, "invitation_id", inv.ID, "role", role, "invited_by", inviter.UserID)
	return inv, token, nil
}

// GetInvitation returns one invitation of the company, or a 404
// invitation_not_found.
func (s *Service) GetInvitation(ctx context.Context, companyID, id uuid.UUID) (Invitation, error) {
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var err error
		inv, err = scanInvitation(tx.QueryRow(ctx, selectInvitationSQL, companyID, id), time.Now())
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvitationNotFound()
		}
		return err
	})
	if err != nil {
		return Invitation{}, wrapUnlessAPI(err, "get invitation %s of company %s", id, companyID)
	}
	return inv, nil
}

// invitationCursor is the keyset position of an invitation list.
type invitationCursor struct {
	CreatedAt time.Time `json:"created_at"`
	ID        uuid.UUID `json:"id"`
}

// ListInvitations returns one page of the company's invitations, newest
// first, and the cursor of the next page ("" on the last page).
func (s *Service) ListInvitations(ctx context.Context, companyID uuid.UUID, cursor string, limit int) ([]Invitation, string, error) {
	if limit < 1 || limit > httpx.MaxLimit {
		return nil, "", httpx.InvalidLimit(httpx.MaxLimit)
	}
	var after struct {
		at *time.Time
		id uuid.UUID
	}
	if cursor != "" {
		var c invitationCursor
		if err := httpx.DecodeCursor(cursor, &c); err != nil {
			return nil, "", err
		}
		after.at, after.id = &c.CreatedAt, c.ID
	}
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return nil, "", err
	}
	now := time.Now()
	var list []Invitation
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listInvitationsSQL, companyID, after.at, after.id, limit+1)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Invitation, error) { return scanInvitation(row, now) })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list invitations of company %s: %w", companyID, err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		next = httpx.EncodeCursor(invitationCursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return list, next, nil
}

// RevokeInvitation makes an open invitation's token unusable. Revoking one
// that is revoked or expired already does nothing; an accepted one is a 409
// invitation_accepted (remove the member instead).
func (s *Service) RevokeInvitation(ctx context.Context, companyID, id uuid.UUID) error {
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return err
	}
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, revokeInvitationSQL, companyID, id)
		if err != nil || tag.RowsAffected() > 0 {
			return err
		}
		inv, err := scanInvitation(tx.QueryRow(ctx, selectInvitationSQL, companyID, id), time.Now())
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return errInvitationNotFound()
		case err != nil:
			return err
		case inv.Status == InvitationAccepted:
			return errInvitationAccepted()
		}
		return nil
	})
	if err != nil {
		return wrapUnlessAPI(err, "revoke invitation %s of company %s", id, companyID)
	}
	s.log.Info("invitation revoked", "company_id", companyID, "invitation_id", id)
	return nil
}

// Acceptance is what accepting an invitation presents.
type Acceptance struct {
	// Token is the invitation's token.
	Token string
	// Invitee is the logged-in caller, nil when anonymous. A logged-in
	// caller joins with their account, which must have the invited email.
	Invitee *auth.Principal
	// Password and Name create the account of an anonymous invitee whose
	// email has none yet.
	Password string
	Name     string
}

// Accepted is the outcome of AcceptInvitation.
type Accepted struct {
	Member    Member
	CompanyID uuid.UUID
	// NewUser reports that the invitee's account was created.
	NewUser bool
}

// AcceptInvitation makes the invitee a member of the invitation's company
// with its role, and the invitation accepted, in one transaction: on any
// refusal nothing is written and the token stays as it was. A token grants
// membership only in the company that issued it.
//
// A logged-in invitee must be the invited email (403
// invitation_email_mismatch) and may not send a password or name. An
// anonymous invitee whose email has an account must log in first (401
// login_required); one whose email has none sets its password (and
// optionally a name) here. An unknown token is a 404
// invitation_not_found; an accepted, revoked or expired one a 410 with
// that code; a deactivated company a 403 company_inactive; an invitee who
// is a member already a 409 member_exists.
func (s *Service) AcceptInvitation(ctx context.Context, a Acceptance) (Accepted, error) {
	if a.Token == "" {
		return Accepted{}, errMissingField("token")
	}
	var hash string
	if a.Invitee != nil {
		if a.Password != "" {
			return Accepted{}, errUnexpectedField("password")
		}
		if a.Name != "" {
			return Accepted{}, errUnexpectedField("name")
		}
	} else if a.Password != "" {
		name, err := normalizeUserName(a.Name)
		if err != nil {
			return Accepted{}, err
		}
		a.Name = name
		if err := auth.ValidatePassword(a.Password); err != nil {
			return Accepted{}, err
		}
		// Hashed before the invitation is locked: bcrypt is slow.
		if hash, err = s.hash(a.Password); err != nil {
			return Accepted{}, wrapUnlessAPI(err, "accept invitation")
		}
	}

	var out Accepted
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			inv    Invitation
			role   string
			active bool
			now    time.Time
		)
		err := tx.QueryRow(ctx, invitationByTokenSQL, auth.HashOpaqueToken(a.Token)).Scan(
			&inv.CompanyID, &inv.ID, &inv.Email, &role, &inv.InvitedBy, &inv.CreatedAt, &inv.ExpiresAt,
			&inv.AcceptedAt, &inv.RevokedAt, &active, &now)
		inv.Role = auth.Role(role)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvitationNotFound()
		}
		if err != nil {
			return err
		}
		if err := usable(inv, now, active); err != nil {
			return err
		}
		userID, created, err := s.invitee(ctx, tx, inv.Email, a, hash)
		if err != nil {
			return err
		}
		// Members are written as the owner (the tenant role only reads
		// them), before the transaction enters the company.
		var at *time.Time
		err = tx.QueryRow(ctx, insertMembershipSQL, inv.CompanyID, userID, string(inv.Role)).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			return errMemberExists()
		}
		if err != nil {
			return err
		}
		if err := dal.EnterTenant(ctx, tx, inv.CompanyID, migrate.HostSchema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, acceptInvitationSQL, inv.CompanyID, inv.ID, userID); err != nil {
			return err
		}
		out = Accepted{
			Member:    Member{UserID: userID, Email: inv.Email, Role: inv.Role, CreatedAt: timeOrZero(at).UTC()},
			CompanyID: inv.CompanyID,
			NewUser:   created,
		}
		return nil
	})
	if err != nil {
		return Accepted{}, wrapUnlessAPI(err, "accept invitation")
	}
	s.log.Info("invitation accepted", "company_id", out.CompanyID, "user_id", out.Member.UserID, "role", out.Member.Role)
	return out, nil
}

// usable refuses an invitation that can no longer be accepted.
func usable(inv Invitation, now time.Time, companyActive bool) error {
	switch invitationStatus(inv, now) {
	case InvitationAccepted:
		return errInvitationGone("invitation_accepted", "this invitation was accepted already")
	case InvitationRevoked:
		return errInvitationGone("invitation_revoked", "this invitation was revoked; ask for a new one")
	case InvitationExpired:
		return errInvitationGone("invitation_expired", "this invitation has expired; ask for a new one")
	}
	if !companyActive {
		return errCompanyInactive()
	}
	return nil
}

// invitee returns the user who accepts an invitation to email inside tx,
// creating the account when the caller is anonymous and the email has
// none; created reports that it did.
func (s *Service) invitee(ctx context.Context, tx pgx.Tx, email string, a Acceptance, hash string) (uuid.UUID, bool, error) {
	if a.Invitee != nil {
		if auth.NormalizeEmail(a.Invitee.Email) != email {
			return uuid.Nil, false, errInvitationEmailMismatch()
		}
		return a.Invitee.UserID, false, nil
	}
	var id uuid.UUID
	err := tx.QueryRow(ctx, userIDByEmailSQL, email).Scan(&id)
	if err == nil {
		return uuid.Nil, false, errLoginRequired()
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, fmt.Errorf("find invitee: %w", err)
	}
	if hash == "" {
		return uuid.Nil, false, errInvalid("password_required", "password",
			"password is required to create your account")
	}
	err = tx.QueryRow(ctx, insertInvitedUserSQL, email, hash, a.Name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// Created meanwhile: that account's owner accepts by logging in.
		return uuid.Nil, false, errLoginRequired()
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("create invitee: %w", err)
	}
	return id, true, nil
}

// maxUserNameLength is the longest user name, in characters.
const maxUserNameLength = 200

// normalizeUserName trims the name an invitee gives and checks it.
func normalizeUserName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxUserNameLength || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", errInvalid("invalid_name", "name",
			fmt.Sprintf("name must have at most %d characters and no control characters", maxUserNameLength))
	}
	return name, nil
}

// invitationStatus derives an invitation's state at now.
func invitationStatus(inv Invitation, now time.Time) string {
	switch {
	case inv.AcceptedAt != nil:
		return InvitationAccepted
	case inv.RevokedAt != nil:
		return InvitationRevoked
	case !now.Before(inv.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

func scanInvitation(row pgx.Row, now time.Time) (Invitation, error) {
	var (
		inv  Invitation
		role string
	)
	err := row.Scan(&inv.CompanyID, &inv.ID, &inv.Email, &role, &inv.InvitedBy, &inv.CreatedAt, &inv.ExpiresAt,
		&inv.AcceptedAt, &inv.RevokedAt)
	if err != nil {
		return Invitation{}, err
	}
	inv.Role = auth.Role(role)
	inv.CreatedAt, inv.ExpiresAt = inv.CreatedAt.UTC(), inv.ExpiresAt.UTC()
	inv.AcceptedAt, inv.RevokedAt = utcOrNil(inv.AcceptedAt), utcOrNil(inv.RevokedAt)
	inv.Status = invitationStatus(inv, now)
	return inv, nil
}

func utcOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// nullUUID is nil for uuid.Nil.
func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
