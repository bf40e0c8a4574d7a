package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/bcrypt"

	"github.com/nexuspos/nexus/host/internal/ratelimit"
)

// Service authenticates users and issues and verifies their tokens.
type Service struct {
	pool      *pgxpool.Pool
	cfg       Config
	limiter   ratelimit.Limiter
	log       hclog.Logger
	parser    *jwt.Parser
	dummyHash string
}

// NewService returns a Service using pool, cfg (see Config for defaults) and
// limiter for login attempts (an in-memory one when nil).
func NewService(pool *pgxpool.Pool, cfg Config, limiter ratelimit.Limiter, log hclog.Logger) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if limiter == nil {
		limiter = ratelimit.NewMemory()
	}
	if log == nil {
		log = hclog.NewNullLogger()
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(uuid.NewString()), cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: dummy hash: %w", err)
	}
	return &Service{
		pool:      pool,
		cfg:       cfg,
		limiter:   limiter,
		log:       log,
		parser:    newParser(cfg.Now),
		dummyHash: string(dummy),
	}, nil
}

// dbtx is what both the pool and a transaction offer.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// companyRef is one of a user's companies as shown in token responses.
type companyRef struct {
	ID     uuid.UUID `json:"id"`
	Name   string    `json:"name"`
	Role   Role      `json:"role"`
	Active bool      `json:"active"`
}

// TokenPair is the response of login, refresh and switch-company, and the
// session StartSession opens.
type TokenPair struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	CompanyID    *uuid.UUID   `json:"company_id"`
	Companies    []companyRef `json:"companies"`
}

// userState is a user's platform flag and membership in one company, as
// stored now.
type userState struct {
	PlatformAdmin bool
	Member        bool
	Role          Role
	Active        bool
}

func (s *Service) userState(ctx context.Context, q dbtx, userID uuid.UUID, companyID uuid.NullUUID) (userState, bool, error) {
	var (
		st     userState
		role   *string
		active *bool
	)
	err := q.QueryRow(ctx, qUserState, userID, companyID).Scan(&st.PlatformAdmin, &role, &active)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("load user state: %w", err)
	}
	if role != nil && active != nil {
		st.Member, st.Role, st.Active = true, Role(*role), *active
	}
	return st, true, nil
}

// login checks the credentials and issues a token pair scoped to companyID
// (or the default company when it is not valid). It runs exactly one bcrypt
// comparison whether or not the email is known.
func (s *Service) login(ctx context.Context, email, password string, companyID uuid.NullUUID) (TokenPair, error) {
	var (
		userID uuid.UUID
		hash   string
		pa     bool
	)
	err := s.pool.QueryRow(ctx, qUserByEmail, email).Scan(&userID, &hash, &pa)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return TokenPair{}, fmt.Errorf("login: %w", err)
	}
	if !found {
		hash = s.dummyHash
	}
	if !checkPassword(hash, password) || !found {
		if found {
			// In the background, so that the answer takes as long for a
			// known email as for an unknown one.
			go s.auditLoginFailure(context.WithoutCancel(ctx), userID, email, companyID)
		}
		return TokenPair{}, errInvalidCredentials
	}

	if companyID.Valid {
		st, _, err := s.userState(ctx, s.pool, userID, companyID)
		if err != nil {
			return TokenPair{}, fmt.Errorf("login: %w", err)
		}
		if !st.Member {
			return TokenPair{}, errCompanyNotFound
		}
		if !st.Active {
			return TokenPair{}, errCompanyInactive
		}
	} else if !pa {
		var cid uuid.UUID
		err := s.pool.QueryRow(ctx, qDefaultCompany, userID).Scan(&cid)
		if errors.Is(err, pgx.ErrNoRows) {
			return TokenPair{}, errNoCompany
		}
		if err != nil {
			return TokenPair{}, fmt.Errorf("login: default company: %w", err)
		}
		companyID = uuid.NullUUID{UUID: cid, Valid: true}
	}
	pair, err := s.issue(ctx, s.pool, userID, companyID, pa, uuid.New())
	if err != nil {
		return TokenPair{}, fmt.Errorf("login: %w", err)
	}
	if companyID.Valid {
		s.auditLogin(ctx, companyID.UUID, userID, email, "auth.login", nil)
	}
	return s.withCompanies(ctx, pair, userID)
}

// refresh rotates a refresh token: the presented token is marked used and
// the next one of the same session is issued, in one transaction holding
// the row lock. Presenting a used or revoked token revokes the session; a
// token scoped to a deactivated company is a 403 company_inactive.
func (s *Service) refresh(ctx context.Context, token string) (TokenPair, error) {
	var pair TokenPair
	var userID uuid.UUID
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			id, familyID uuid.UUID
			companyID    uuid.NullUUID
			expiresAt    time.Time
			spent        bool
		)
		err := tx.QueryRow(ctx, qRefreshForUpdate, HashOpaqueToken(token)).
			Scan(&id, &familyID, &userID, &companyID, &expiresAt, &spent)
		if errors.Is(err, pgx.ErrNoRows) {
			return errInvalidRefresh
		}
		if err != nil {
			return fmt.Errorf("load refresh token: %w", err)
		}
		now := s.cfg.Now()
		if spent {
			s.log.Warn("refresh token reused; revoking session", "user_id", userID, "session_id", familyID)
			return s.revokeAndFail(ctx, tx, familyID, now)
		}
		if !now.Before(expiresAt) {
			return errInvalidRefresh
		}
		st, ok, err := s.userState(ctx, tx, userID, companyID)
		if err != nil {
			return err
		}
		if !ok || (companyID.Valid && !st.Member) || (!companyID.Valid && !st.PlatformAdmin) {
			return s.revokeAndFail(ctx, tx, familyID, now)
		}
		if companyID.Valid && !st.Active {
			// As login and switch-company: no new token for a deactivated
			// company. The token stays unused, so the session resumes
			// once the company is active again.
			return errCompanyInactive
		}
		if _, err := tx.Exec(ctx, qMarkRefreshUsed, id, now); err != nil {
			return fmt.Errorf("mark refresh token used: %w", err)
		}
		pair, err = s.issue(ctx, tx, userID, companyID, st.PlatformAdmin, familyID)
		return err
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("refresh: %w", err)
	}
	return s.withCompanies(ctx, pair, userID)
}

// StartSession opens a new session for userID scoped to companyID, as a
// login would, for a user whose identity was proven another way (a new user
// accepting an invitation with the password they just chose). The caller
// has checked that the user belongs to the company.
func (s *Service) StartSession(ctx context.Context, userID, companyID uuid.UUID) (TokenPair, error) {
	company := uuid.NullUUID{UUID: companyID, Valid: true}
	st, ok, err := s.userState(ctx, s.pool, userID, company)
	if err != nil {
		return TokenPair{}, fmt.Errorf("start session: %w", err)
	}
	if !ok || !st.Member {
		return TokenPair{}, fmt.Errorf("start session: user %s is not a member of company %s", userID, companyID)
	}
	pair, err := s.issue(ctx, s.pool, userID, company, st.PlatformAdmin, uuid.New())
	if err != nil {
		return TokenPair{}, fmt.Errorf("start session: %w", err)
	}
	return s.withCompanies(ctx, pair, userID)
}

// revokeAndFail revokes the session inside tx; BeginFunc would roll that
// back on error, so it is committed here and the request then fails.
func (s *Service) revokeAndFail(ctx context.Context, tx pgx.Tx, familyID uuid.UUID, now time.Time) error {
	if _, err := tx.Exec(ctx, qRevokeFamily, familyID, now); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("revoke session: commit: %w", err)
	}
	return errSessionEnded
}

// switchCompany moves the session of p to companyID (none for a platform
// admin when not valid): the session's live refresh token is retired and a
// new pair scoped to the company is issued in the same session.
func (s *Service) switchCompany(ctx context.Context, p Principal, sessionID uuid.UUID, companyID uuid.NullUUID) (TokenPair, error) {
	st, ok, err := s.userState(ctx, s.pool, p.UserID, companyID)
	if err != nil {
		return TokenPair{}, fmt.Errorf("switch company: %w", err)
	}
	switch {
	case !ok:
		return TokenPair{}, errSessionEnded
	case !companyID.Valid && !st.PlatformAdmin:
		return TokenPair{}, errMissingField("company_id")
	case companyID.Valid && !st.Member:
		return TokenPair{}, errCompanyNotFound
	case companyID.Valid && !st.Active:
		return TokenPair{}, errCompanyInactive
	}
	var pair TokenPair
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, qRotateFamily, sessionID, s.cfg.Now())
		if err != nil {
			return fmt.Errorf("retire session token: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return errSessionEnded
		}
		pair, err = s.issue(ctx, tx, p.UserID, companyID, st.PlatformAdmin, sessionID)
		return err
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("switch company: %w", err)
	}
	return s.withCompanies(ctx, pair, p.UserID)
}

// logout revokes the session token belongs to. Unknown tokens are ignored,
// so logging out twice is harmless.
func (s *Service) logout(ctx context.Context, token string) error {
	if _, err := s.pool.Exec(ctx, qRevokeFamilyOfToken, HashOpaqueToken(token), s.cfg.Now()); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// issue stores a new refresh token in session familyID and signs the
// matching access token.
func (s *Service) issue(ctx context.Context, q dbtx, userID uuid.UUID, companyID uuid.NullUUID, pa bool, familyID uuid.UUID) (TokenPair, error) {
	refresh, hash, err := NewOpaqueToken()
	if err != nil {
		return TokenPair{}, err
	}
	expires := s.cfg.Now().Add(s.cfg.RefreshTTL)
	if _, err := q.Exec(ctx, qInsertRefresh, familyID, userID, companyID, hash, expires); err != nil {
		return TokenPair{}, fmt.Errorf("store refresh token: %w", err)
	}
	access, err := s.signAccess(userID, companyID, pa, familyID)
	if err != nil {
		return TokenPair{}, err
	}
	pair := TokenPair{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.cfg.AccessTTL / time.Second),
	}
	if companyID.Valid {
		pair.CompanyID = &companyID.UUID
	}
	return pair, nil
}

func (s *Service) withCompanies(ctx context.Context, pair TokenPair, userID uuid.UUID) (TokenPair, error) {
	cs, err := s.companies(ctx, userID)
	if err != nil {
		return TokenPair{}, err
	}
	pair.Companies = cs
	return pair, nil
}

// companies lists the companies userID belongs to, oldest membership first.
func (s *Service) companies(ctx context.Context, userID uuid.UUID) ([]companyRef, error) {
	rows, err := s.pool.Query(ctx, qCompanies, userID)
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (companyRef, error) {
		var c companyRef
		err := row.Scan(&c.ID, &c.Name, &c.Role, &c.Active)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list companies: %w", err)
	}
	return cs, nil
}

// CreateAdmin creates a platform admin with email and password. It is
// idempotent: when a platform admin with that email exists, it returns its
// id with created false and leaves its password alone. An existing user who
// is not a platform admin is a 409 user_exists (never silently promoted).
func (s *Service) CreateAdmin(ctx context.Context, email, password string) (userID uuid.UUID, created bool, err error) {
	email, err = ValidateEmail(email)
	if err != nil {
		return uuid.Nil, false, err
	}
	hash, err := hashPassword(password, s.cfg.BcryptCost)
	if err != nil {
		return uuid.Nil, false, err
	}
	err = s.pool.QueryRow(ctx, qInsertAdmin, email, hash).Scan(&userID)
	if err == nil {
		return userID, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, fmt.Errorf("create admin: %w", err)
	}
	var pa bool
	if err := s.pool.QueryRow(ctx, qUserByEmail, email).Scan(&userID, &hash, &pa); err != nil {
		return uuid.Nil, false, fmt.Errorf("create admin: load existing user: %w", err)
	}
	if !pa {
		return uuid.Nil, false, errUserExists
	}
	return userID, false, nil
}

// pruneBatch bounds the rows one pruning statement deletes.
const pruneBatch = 10000

// PruneRefreshTokens deletes the refresh tokens that expired more than a
// day ago (an expired token is refused whatever its row says, and every
// live session keeps a token that has not expired) and returns how many it
// deleted. Several replicas may prune at once.
func (s *Service) PruneRefreshTokens(ctx context.Context) (int64, error) {
	before := s.cfg.Now().Add(-24 * time.Hour)
	var total int64
	for {
		tag, err := s.pool.Exec(ctx, qPruneRefresh, before, pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune refresh tokens: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}
