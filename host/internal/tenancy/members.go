package tenancy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// AddMember gives the user with that email role in the company, creating
// the user when no account has that email yet; created reports whether it
// did. It is for the host's own commands (seed, demo), run by the
// operator: the API adds members only through invitations, which never
// reveal whether an email has an account. The password is required (and
// checked) only for a new user: an existing user's password is never
// changed here. A user who already belongs to the company is a 409
// member_exists.
func (s *Service) AddMember(ctx context.Context, companyID uuid.UUID, email, password string, role auth.Role) (Member, bool, error) {
	if _, err := auth.ParseRole(string(role)); err != nil {
		return Member{}, false, errInvalidRole(string(role))
	}
	email, err := auth.ValidateEmail(email)
	if err != nil {
		return Member{}, false, err
	}
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return Member{}, false, err
	}

	userID, stored, created, err := s.findOrCreateUser(ctx, email, password)
	if err != nil {
		return Member{}, false, err
	}
	m := Member{UserID: userID, Email: stored, Role: role}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var at *time.Time
		err := tx.QueryRow(ctx, insertMembershipSQL, companyID, userID, string(role)).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			return errMemberExists()
		}
		if err != nil {
			return err
		}
		m.CreatedAt = timeOrZero(at)
		return nil
	})
	if err != nil {
		return Member{}, false, wrapUnlessAPI(err, "add member to company %s", companyID)
	}
	s.log.Info("member added", "company_id", companyID, "user_id", userID, "role", role, "user_created", created)
	return m, created, nil
}

// findOrCreateUser returns the id and stored email of the user with that
// (normalized) email, creating the user with password when there is none.
func (s *Service) findOrCreateUser(ctx context.Context, email, password string) (uuid.UUID, string, bool, error) {
	var id uuid.UUID
	var stored string
	err := s.pool.QueryRow(ctx, selectUserByEmailSQL, email).Scan(&id, &stored)
	if err == nil {
		return id, stored, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, "", false, fmt.Errorf("find user: %w", err)
	}
	if password == "" {
		return uuid.Nil, "", false, errInvalid("password_required", "password",
			"password is required to create a new user")
	}
	if err := auth.ValidatePassword(password); err != nil {
		return uuid.Nil, "", false, err
	}
	hash, err := s.hash(password)
	if err != nil {
		return uuid.Nil, "", false, fmt.Errorf("hash password: %w", err)
	}
	err = s.pool.QueryRow(ctx, insertUserSQL, email, hash).Scan(&id, &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		// Created concurrently by another request: use that user.
		if err := s.pool.QueryRow(ctx, selectUserByEmailSQL, email).Scan(&id, &stored); err != nil {
			return uuid.Nil, "", false, fmt.Errorf("find user: %w", err)
		}
		return id, stored, false, nil
	}
	if err != nil {
		return uuid.Nil, "", false, fmt.Errorf("create user: %w", err)
	}
	return id, stored, true, nil
}

// GetMember returns one member of the company, or a 404 member_not_found.
func (s *Service) GetMember(ctx context.Context, companyID, userID uuid.UUID) (Member, error) {
	m := Member{UserID: userID}
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		role, at, err := selectMembership(ctx, tx, companyID, userID, false)
		m.Role, m.CreatedAt = role, at
		return err
	})
	if err != nil {
		return Member{}, wrapUnlessAPI(err, "get member %s of company %s", userID, companyID)
	}
	return s.withEmail(ctx, m)
}

// memberCursor is the keyset position of a member list.
type memberCursor struct {
	UserID uuid.UUID `json:"user_id"`
}

// ListMembers returns one page of the company's members ordered by user id
// and the cursor of the next page ("" on the last page). An unknown company
// is a 404 company_not_found.
func (s *Service) ListMembers(ctx context.Context, companyID uuid.UUID, cursor string, limit int) ([]Member, string, error) {
	if limit < 1 || limit > httpx.MaxLimit {
		return nil, "", httpx.InvalidLimit(httpx.MaxLimit)
	}
	var after memberCursor
	if cursor != "" {
		if err := httpx.DecodeCursor(cursor, &after); err != nil {
			return nil, "", err
		}
	}
	if _, err := s.GetCompany(ctx, companyID); err != nil {
		return nil, "", err
	}
	var list []Member
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listMembershipsSQL, companyID, after.UserID, limit+1)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Member, error) {
			var (
				m    Member
				role string
				at   *time.Time
			)
			err := row.Scan(&m.UserID, &role, &at)
			m.Role, m.CreatedAt = auth.Role(role), timeOrZero(at)
			return m, err
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list members of company %s: %w", companyID, err)
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = httpx.EncodeCursor(memberCursor{UserID: list[len(list)-1].UserID})
	}
	if err := s.fillEmails(ctx, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// SetMemberRole changes a member's role. Demoting the company's last owner
// is a 409 last_owner.
func (s *Service) SetMemberRole(ctx context.Context, companyID, userID uuid.UUID, role auth.Role) (Member, error) {
	return s.setMemberRole(ctx, companyID, userID, role, nil)
}

// setMemberRole is SetMemberRole with a guard that may refuse the change
// given the member's current role, checked under the row lock.
func (s *Service) setMemberRole(ctx context.Context, companyID, userID uuid.UUID, role auth.Role, guard func(current auth.Role) error) (Member, error) {
	if _, err := auth.ParseRole(string(role)); err != nil {
		return Member{}, errInvalidRole(string(role))
	}
	m := Member{UserID: userID, Role: role}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		owners, err := lockOwners(ctx, tx, companyID)
		if err != nil {
			return err
		}
		current, at, err := selectMembership(ctx, tx, companyID, userID, true)
		if err != nil {
			return err
		}
		m.CreatedAt = at
		if guard != nil {
			if err := guard(current); err != nil {
				return err
			}
		}
		if current == auth.RoleOwner && role != auth.RoleOwner && owners <= 1 {
			return errLastOwner()
		}
		_, err = tx.Exec(ctx, updateMemberRoleSQL, companyID, userID, string(role))
		return err
	})
	if err != nil {
		return Member{}, wrapUnlessAPI(err, "set role of member %s of company %s", userID, companyID)
	}
	s.log.Info("member role changed", "company_id", companyID, "user_id", userID, "role", role)
	return s.withEmail(ctx, m)
}

// RemoveMember removes a user from the company; the user account stays.
// Removing the company's last owner is a 409 last_owner.
func (s *Service) RemoveMember(ctx context.Context, companyID, userID uuid.UUID) error {
	return s.removeMember(ctx, companyID, userID, nil)
}

// removeMember is RemoveMember with a guard that may refuse the removal
// given the member's current role, checked under the row lock.
func (s *Service) removeMember(ctx context.Context, companyID, userID uuid.UUID, guard func(current auth.Role) error) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		owners, err := lockOwners(ctx, tx, companyID)
		if err != nil {
			return err
		}
		current, _, err := selectMembership(ctx, tx, companyID, userID, true)
		if err != nil {
			return err
		}
		if guard != nil {
			if err := guard(current); err != nil {
				return err
			}
		}
		if current == auth.RoleOwner && owners <= 1 {
			return errLastOwner()
		}
		_, err = tx.Exec(ctx, deleteMembershipSQL, companyID, userID)
		return err
	})
	if err != nil {
		return wrapUnlessAPI(err, "remove member %s from company %s", userID, companyID)
	}
	s.log.Info("member removed", "company_id", companyID, "user_id", userID)
	return nil
}

// lockOwners locks the company's owner memberships and counts them.
func lockOwners(ctx context.Context, tx pgx.Tx, companyID uuid.UUID) (int, error) {
	rows, err := tx.Query(ctx, lockOwnersSQL, companyID)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return len(ids), err
}

// selectMembership reads one membership, locking it when forUpdate is set;
// none is a 404 member_not_found.
func selectMembership(ctx context.Context, tx pgx.Tx, companyID, userID uuid.UUID, forUpdate bool) (auth.Role, time.Time, error) {
	q := selectMembershipSQL
	if forUpdate {
		q = selectMembershipForUpdateSQL
	}
	var (
		role string
		at   *time.Time
	)
	err := tx.QueryRow(ctx, q, companyID, userID).Scan(&role, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", time.Time{}, errMemberNotFound()
	}
	if err != nil {
		return "", time.Time{}, err
	}
	return auth.Role(role), timeOrZero(at), nil
}

// withEmail fills in m's email from users (which tenant transactions cannot
// read).
func (s *Service) withEmail(ctx context.Context, m Member) (Member, error) {
	list := []Member{m}
	if err := s.fillEmails(ctx, list); err != nil {
		return Member{}, err
	}
	return list[0], nil
}

// fillEmails sets the email of every member in one query.
func (s *Service) fillEmails(ctx context.Context, list []Member) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(list))
	for i, m := range list {
		ids[i] = m.UserID
	}
	rows, err := s.pool.Query(ctx, selectUserEmailsSQL, ids)
	if err != nil {
		return fmt.Errorf("load member emails: %w", err)
	}
	emails := make(map[uuid.UUID]string, len(list))
	var (
		id    uuid.UUID
		email string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &email}, func() error {
		emails[id] = email
		return nil
	})
	if err != nil {
		return fmt.Errorf("load member emails: %w", err)
	}
	for i := range list {
		list[i].Email = emails[list[i].UserID]
	}
	return nil
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// wrapUnlessAPI returns an *httpx.Error unchanged (its message is what the
// client sees) and wraps anything else with context.
func wrapUnlessAPI(err error, format string, args ...any) error {
	var e *httpx.Error
	if errors.As(err, &e) {
		return e
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
