package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/internal/auditaction"
)

// Actor kinds.
const (
	ActorUser   = "user"
	ActorAPIKey = "api_key"
	ActorSystem = "system"
)

// Actor is who acted: a user (ID is the user id, Label the email), an API
// key (ID is the key id, Label its name) or the platform itself (no ID).
type Actor struct {
	Kind  string
	ID    uuid.UUID
	Label string
}

// Origin is where a request came from.
type Origin struct {
	IP        string
	UserAgent string
	RequestID string
}

// Entry is one row of a company's audit log.
type Entry struct {
	CompanyID uuid.UUID
	// Action is dotted snake_case, "<area>.<what>", such as
	// "member.role_changed"; a vertical's actions start with its name.
	Action string
	// Target names what was acted on, such as "user:<id>" (may be empty).
	Target string
	// Details is a JSON object of facts about the action; never a secret.
	Details map[string]any
	// Actor and Origin default to the context's (WithActor, WithOrigin)
	// when zero.
	Actor  Actor
	Origin Origin
	// Vertical names the vertical that appends the entry ("" for the host).
	Vertical string
}

// Limits of an entry's other fields, as the table checks them.
const (
	maxTarget    = auditaction.MaxTargetBytes
	maxLabel     = 254
	maxUserAgent = 512
	maxRequestID = 128
	maxIP        = 64
)

type ctxKey int

const (
	actorKey ctxKey = iota
	originKey
)

// WithActor returns ctx carrying a as the actor of entries recorded with it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor stored in ctx, or the platform.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey).(Actor); ok {
		return a
	}
	return Actor{Kind: ActorSystem}
}

// WithOrigin returns ctx carrying o as the origin of entries recorded with it.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey, o)
}

// OriginFrom returns the origin stored in ctx (zero when none).
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey).(Origin)
	return o
}

// OriginOf returns the origin of r: the host part of RemoteAddr (the router
// decides whether a proxy header may set it), the User-Agent and requestID.
func OriginOf(r *http.Request, requestID string) Origin {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return Origin{IP: clip(ip, maxIP), UserAgent: clip(r.UserAgent(), maxUserAgent), RequestID: clip(requestID, maxRequestID)}
}

// DBTX is what Record needs: the host's pool (whose role bypasses
// row-level security) or a transaction, tenant ones included.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Record appends e to its company's log through db, with the context's
// actor and origin where e has none.
func Record(ctx context.Context, db DBTX, e Entry) error {
	sql, args, err := insert(ctx, e)
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Queue queues e's insert in b, to be sent in a transaction of e's
// company, with the context's actor and origin where e has none.
func Queue(ctx context.Context, b *pgx.Batch, e Entry) error {
	sql, args, err := insert(ctx, e)
	if err != nil {
		return err
	}
	b.Queue(sql, args...)
	return nil
}

// insert checks e and returns its INSERT statement.
func insert(ctx context.Context, e Entry) (string, []any, error) {
	if e.CompanyID == uuid.Nil {
		return "", nil, fmt.Errorf("audit %s: no company", e.Action)
	}
	if !auditaction.Valid(e.Action) {
		return "", nil, fmt.Errorf("audit: action %q is not dotted snake_case", e.Action)
	}
	if e.Actor.Kind == "" {
		e.Actor = ActorFrom(ctx)
	}
	if e.Origin == (Origin{}) {
		e.Origin = OriginFrom(ctx)
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	data, err := json.Marshal(details)
	if err != nil {
		return "", nil, fmt.Errorf("audit %s: details: %w", e.Action, err)
	}
	if len(data) > auditaction.MaxDetailsBytes {
		return "", nil, fmt.Errorf("audit %s: details are %d bytes, more than %d", e.Action, len(data), auditaction.MaxDetailsBytes)
	}
	var actorID *uuid.UUID
	if e.Actor.ID != uuid.Nil {
		actorID = &e.Actor.ID
	}
	var vertical *string
	if e.Vertical != "" {
		vertical = &e.Vertical
	}
	return qInsert, []any{
		e.CompanyID, e.Actor.Kind, actorID, clip(e.Actor.Label, maxLabel), e.Action, clip(e.Target, maxTarget),
		data, vertical, clip(e.Origin.IP, maxIP), clip(e.Origin.UserAgent, maxUserAgent), clip(e.Origin.RequestID, maxRequestID),
	}, nil
}

// clip shortens s to at most n bytes without splitting a UTF-8 sequence,
// invalid UTF-8 replaced by U+FFFD.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s))
	}
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
