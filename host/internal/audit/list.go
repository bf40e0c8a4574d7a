package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/internal/auditaction"
)

// Row is an audit log entry as the API shows it.
type Row struct {
	ID        uuid.UUID       `json:"id"`
	At        time.Time       `json:"at"`
	Actor     RowActor        `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Details   json.RawMessage `json:"details"`
	Vertical  string          `json:"vertical,omitempty"`
	IP        string          `json:"ip"`
	UserAgent string          `json:"user_agent"`
	RequestID string          `json:"request_id"`
}

// RowActor is who acted: type user, api_key or system, the user's or key's
// id, and the user's email or the key's name.
type RowActor struct {
	Type  string     `json:"type"`
	ID    *uuid.UUID `json:"id"`
	Label string     `json:"label"`
}

// Filter selects entries of a company's log.
type Filter struct {
	// Action matches exactly, or as a prefix when it ends with "." (such
	// as "member.").
	Action string
	// Actor is a user or API key id (uuid.Nil: anyone).
	Actor uuid.UUID
	// Since and Until bound the time, Since included, Until excluded (zero:
	// unbounded).
	Since, Until time.Time
}

// cursor is the keyset position of a page's last row.
type cursor struct {
	At time.Time `json:"at"`
	ID uuid.UUID `json:"id"`
}

// Service reads companies' audit logs.
type Service struct{ pool *pgxpool.Pool }

// NewService returns a Service reading through pool.
func NewService(pool *pgxpool.Pool) *Service { return &Service{pool: pool} }

// List returns up to limit entries of companyID's log matching f, newest
// first, after the position of pageCursor (from a previous page; "" for
// the first), and the cursor of the next page ("" on the last). It reads
// in a tenant transaction of the company.
func (s *Service) List(ctx context.Context, companyID uuid.UUID, f Filter, pageCursor string, limit int) ([]Row, string, error) {
	var after cursor
	if pageCursor != "" {
		if err := httpx.DecodeCursor(pageCursor, &after); err != nil {
			return nil, "", err
		}
	}
	args := []any{companyID, nullTime(after.At), after.ID, nullString(f.Action), strings.HasSuffix(f.Action, "."),
		nullUUID(f.Actor), nullTime(f.Since), nullTime(f.Until), limit + 1}
	var rows []Row
	err := store.TenantTx(ctx, s.pool, companyID, func(tx pgx.Tx) error {
		res, err := tx.Query(ctx, qList, args...)
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(res, scanRow)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list audit log: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = httpx.EncodeCursor(cursor{At: last.At, ID: last.ID})
	}
	return rows, next, nil
}

func scanRow(row pgx.CollectableRow) (Row, error) {
	var r Row
	err := row.Scan(&r.ID, &r.At, &r.Actor.Type, &r.Actor.ID, &r.Actor.Label, &r.Action, &r.Target, &r.Details,
		&r.Vertical, &r.IP, &r.UserAgent, &r.RequestID)
	r.At = r.At.UTC()
	return r, err
}

// Page sizes of the list.
const (
	defaultPageSize = 100
	maxPageSize     = httpx.MaxLimit
)

// Routes mounts the log's route on r, which the host mounts at
// /api/v1/companies/{id}: GET /audit with ?action=, ?actor=, ?since=,
// ?until= (RFC 3339), ?limit= and ?cursor=. admin is the caller's check:
// it returns the {id} company when the caller is at least its admin (or a
// platform admin), an error envelope's error otherwise.
func (s *Service) Routes(r chi.Router, admin func(*http.Request) (uuid.UUID, error)) {
	r.Get("/audit", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, err := admin(r)
		if err != nil {
			return err
		}
		f, err := parseFilter(r)
		if err != nil {
			return err
		}
		limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
		if err != nil {
			return err
		}
		rows, next, err := s.List(r.Context(), companyID, f, r.URL.Query().Get("cursor"), limit)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(rows, next))
		return nil
	}))
}

// parseFilter reads the list's filters; a malformed one is a 400 naming it.
func parseFilter(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	var f Filter
	if a := q.Get("action"); a != "" {
		if !auditaction.Valid(a) && !(strings.HasSuffix(a, ".") && auditaction.Valid(a+"x")) {
			return f, invalidField("action", "action must be dotted snake_case, such as member.role_changed, or a prefix ending in a dot")
		}
		f.Action = a
	}
	if a := q.Get("actor"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			return f, invalidField("actor", "actor must be a user or API key id (UUID)")
		}
		f.Actor = id
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return f, invalidField(p.name, p.name+" must be an RFC 3339 time such as 2026-12-05T10:00:00Z")
		}
		*p.dst = t
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, invalidField("until", "until must be after since")
	}
	return f, nil
}

func invalidField(field, msg string) *httpx.Error {
	return httpx.BadRequest("invalid_field", msg).WithDetails(map[string]any{"field": field})
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
