package apikeys

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
)

// Key is an API key as lists show it (never the key itself).
type Key struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  *uuid.UUID `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Created is the 201 body of a new key: the key is in it this once.
type Created struct {
	Key
	Secret string `json:"key"`
}

// NewKey is the body of POST /api-keys.
type NewKey struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// Service manages API keys.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewService returns a Service on pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool, now: time.Now} }

// Create makes a key in companyID for creator, who holds creatorRole there
// (or is a platform admin, who may grant any company role). The key's role
// may not exceed the creator's; an API key may not create keys.
func (s *Service) Create(ctx context.Context, companyID uuid.UUID, creator auth.Principal, nk NewKey) (Created, error) {
	if creator.APIKey() {
		return Created{}, httpx.Forbidden("user_required", "API keys are created by users, not by other keys")
	}
	nk.Name = strings.TrimSpace(nk.Name)
	if nk.Name == "" {
		return Created{}, missingField("name")
	}
	if utf8.RuneCountInString(nk.Name) > 100 {
		return Created{}, invalidField("name", "name is at most 100 characters")
	}
	if nk.Role == "" {
		return Created{}, missingField("role")
	}
	role, err := auth.ParseRole(nk.Role)
	if err != nil {
		return Created{}, invalidField("role", "role must be one of owner, admin, manager, cashier, viewer")
	}
	if !creator.PlatformAdmin && !creator.Role.AtLeast(role) {
		return Created{}, httpx.Forbidden("insufficient_role", "a key's role may not exceed its creator's").
			WithDetails(map[string]any{"required": role, "actual": creator.Role})
	}
	if nk.ExpiresAt != nil && !nk.ExpiresAt.After(s.now()) {
		return Created{}, invalidField("expires_at", "expires_at must be in the future")
	}
	secret, hash, err := auth.NewAPIKey()
	if err != nil {
		return Created{}, err
	}
	c := Created{Secret: secret, Key: Key{Name: nk.Name, Role: role, Prefix: secret[:auth.APIKeyShownPrefix], ExpiresAt: nk.ExpiresAt}}
	if creator.UserID != uuid.Nil {
		c.CreatedBy = &creator.UserID
	}
	err = store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, qInsert, companyID, c.Name, string(c.Role), c.Prefix, hash, c.CreatedBy, c.ExpiresAt).
			Scan(&c.ID, &c.CreatedAt); err != nil {
			return fmt.Errorf("create API key: %w", err)
		}
		details := map[string]any{"name": c.Name, "role": c.Role}
		if c.ExpiresAt != nil {
			details["expires_at"] = c.ExpiresAt.UTC()
		}
		return audit.Record(ctx, tx, audit.Entry{CompanyID: companyID, Action: "api_key.created", Target: "api_key:" + c.ID.String(), Details: details})
	})
	if err != nil {
		return Created{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// cursor is the keyset position of a page's last key.
type cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        uuid.UUID `json:"i"`
}

// List returns up to limit of companyID's keys, newest first, after
// pageCursor, and the next page's cursor ("" on the last).
func (s *Service) List(ctx context.Context, companyID uuid.UUID, pageCursor string, limit int) ([]Key, string, error) {
	var after cursor
	if pageCursor != "" {
		if err := httpx.DecodeCursor(pageCursor, &after); err != nil {
			return nil, "", err
		}
	}
	var afterAt *time.Time
	if !after.CreatedAt.IsZero() {
		afterAt = &after.CreatedAt
	}
	var keys []Key
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, qList, companyID, afterAt, after.ID, limit+1)
		if err != nil {
			return err
		}
		keys, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Key, error) {
			var k Key
			err := row.Scan(&k.ID, &k.Name, &k.Role, &k.Prefix, &k.CreatedBy, &k.CreatedAt, &k.ExpiresAt, &k.LastUsedAt, &k.RevokedAt)
			k.CreatedAt = k.CreatedAt.UTC()
			return k, err
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list API keys: %w", err)
	}
	next := ""
	if len(keys) > limit {
		keys = keys[:limit]
		last := keys[limit-1]
		next = httpx.EncodeCursor(cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return keys, next, nil
}

// Revoke revokes key id of companyID at once: the next request with it is
// a 401. Revoking a revoked key again is a no-op; an unknown one is 404
// api_key_not_found.
func (s *Service) Revoke(ctx context.Context, companyID, id uuid.UUID, by auth.Principal) error {
	var revokedBy *uuid.UUID
	if by.UserID != uuid.Nil {
		revokedBy = &by.UserID
	}
	return store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, qRevoke, companyID, id, revokedBy).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, qExists, companyID, id).Scan(&exists); errors.Is(err, pgx.ErrNoRows) {
				return errKeyNotFound()
			} else if err != nil {
				return fmt.Errorf("revoke API key: %w", err)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("revoke API key: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{CompanyID: companyID, Action: "api_key.revoked",
			Target: "api_key:" + id.String(), Details: map[string]any{"name": name}})
	})
}

// Page sizes of the list.
const (
	defaultPageSize = 100
	maxPageSize     = httpx.MaxLimit
)

// Routes mounts the API key routes on r, which the host mounts at
// /api/v1/companies/{id}, behind access (tenancy.CompanyRoutes: the {id}
// company and the caller when the caller holds at least the role there or
// is a platform admin, a 404 outside the caller's company); every route is
// admin+:
//
//	POST   /api-keys           {"name","role","expires_at"?} → 201 with "id" and "key" (shown once)
//	GET    /api-keys           keyset page, newest first, with last_used_at
//	DELETE /api-keys/{key_id}  revoke → 204
func (s *Service) Routes(r chi.Router, access func(r *http.Request, min auth.Role) (uuid.UUID, auth.Principal, error)) {
	r.Post("/api-keys", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, p, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		var nk NewKey
		if err := httpx.DecodeJSON(r, &nk); err != nil {
			return err
		}
		c, err := s.Create(r.Context(), companyID, p, nk)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		httpx.WriteJSON(w, http.StatusCreated, c)
		return nil
	}))
	r.Get("/api-keys", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, _, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
		if err != nil {
			return err
		}
		keys, next, err := s.List(r.Context(), companyID, r.URL.Query().Get("cursor"), limit)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(keys, next))
		return nil
	}))
	r.Delete("/api-keys/{keyID}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, p, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		id, err := uuid.Parse(chi.URLParam(r, "keyID"))
		if err != nil {
			return errKeyNotFound()
		}
		if err := s.Revoke(r.Context(), companyID, id, p); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

func errKeyNotFound() *httpx.Error {
	return httpx.NotFound("api_key_not_found", "API key not found")
}

func missingField(field string) *httpx.Error {
	return httpx.BadRequest("missing_field", "field "+field+" is required").WithDetails(map[string]any{"field": field})
}

func invalidField(field, msg string) *httpx.Error {
	return httpx.BadRequest("invalid_field", msg).WithDetails(map[string]any{"field": field})
}
