package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Page sizes of the dead-letter list.
const (
	defaultPageSize = 100
	maxPageSize     = httpx.MaxLimit
)

// Stats are a subscription's queue figures.
type Stats struct {
	// Queue is the subscription's RabbitMQ queue, or "event_deliveries"
	// for the in-process bus.
	Queue string `json:"queue"`
	// Depth is how many events wait to be delivered now.
	Depth int64 `json:"depth"`
	// Retrying is how many failed events wait for their next attempt.
	Retrying int64 `json:"retrying"`
	// InFlight is how many events are being handled: by this host with
	// RabbitMQ (the broker's unacknowledged count is not exposed over
	// AMQP), by every host in-process.
	InFlight int64 `json:"in_flight"`
	// DeadLetters is how many events are parked.
	DeadLetters int64 `json:"dead_letters"`
	// Consumers is how many consumers the broker knows of (RabbitMQ only).
	Consumers int `json:"consumers"`
}

// SubscriptionInfo describes a registered subscription in the admin API.
type SubscriptionInfo struct {
	Name        string `json:"name"`
	Vertical    string `json:"vertical"`
	Pattern     string `json:"pattern"`
	Concurrency int    `json:"concurrency"`
	Bus         string `json:"bus"`
	Stats
	// Error says why Stats could not be read (e.g. the broker is down).
	Error string `json:"error,omitempty"`
}

// DeadLetter is a parked event.
type DeadLetter struct {
	ID            uuid.UUID       `json:"id"`
	Subscription  string          `json:"subscription"`
	Topic         string          `json:"topic"`
	CompanyID     uuid.UUID       `json:"company_id"`
	Attempts      int             `json:"attempts"`
	LastError     string          `json:"last_error"`
	ParkedAt      time.Time       `json:"parked_at"`
	OccurredAt    time.Time       `json:"occurred_at"`
	RequestID     string          `json:"request_id"`
	SchemaVersion int             `json:"schema_version"`
	Payload       json.RawMessage `json:"payload"`
}

// deadLetterKey is the keyset position in a dead-letter list (the cursor).
type deadLetterKey struct {
	ParkedAt time.Time `json:"p"`
	ID       uuid.UUID `json:"i"`
}

// before reports whether k sorts before dl.
func (k deadLetterKey) before(dl DeadLetter) bool {
	return compareDeadLetters(DeadLetter{ParkedAt: k.ParkedAt, ID: k.ID}, dl) < 0
}

// compareDeadLetters orders dead letters by parking time, then id.
func compareDeadLetters(a, b DeadLetter) int {
	if c := a.ParkedAt.Compare(b.ParkedAt); c != 0 {
		return c
	}
	return bytes.Compare(a.ID[:], b.ID[:])
}

// Subscriptions describes every registered subscription with its figures,
// sorted by name.
func (s *Service) Subscriptions(ctx context.Context) []SubscriptionInfo {
	subs := s.subscriptions()
	out := make([]SubscriptionInfo, 0, len(subs))
	for _, sub := range subs {
		def := sub.get()
		info := SubscriptionInfo{Name: sub.name, Vertical: def.Vertical, Pattern: def.Pattern, Concurrency: def.Concurrency, Bus: s.bus.kind()}
		st, err := s.bus.stats(ctx, sub)
		if err != nil {
			info.Error = err.Error()
			s.log.Warn("reading subscription figures failed", "subscription", sub.name, "error", err)
		} else {
			info.Stats = st
		}
		out = append(out, info)
	}
	return out
}

// Routes registers the platform-admin event routes on r; every one answers
// 401/403 unless the caller is a platform admin, so mount them behind the
// authentication middleware, at /api/v1/admin/events:
//
//	GET    /subscriptions                                 every subscription with depth, retrying, in-flight and dead-letter counts
//	GET    /subscriptions/{name}/dead-letters             parked events, oldest first (keyset page: limit, cursor)
//	POST   /subscriptions/{name}/dead-letters/{id}/replay deliver the parked event again, as a first attempt → 202
//	DELETE /subscriptions/{name}/dead-letters/{id}        discard the parked event → 204
//
// {name} is the subscription's FullName (<vertical>.<name>), {id} the
// event id.
func (s *Service) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(auth.RequirePlatformAdmin)
		r.Get("/subscriptions", httpx.Handle(s.handleListSubscriptions))
		r.Get("/subscriptions/{name}/dead-letters", httpx.Handle(s.handleListDeadLetters))
		r.Post("/subscriptions/{name}/dead-letters/{id}/replay", httpx.Handle(s.handleReplay))
		r.Delete("/subscriptions/{name}/dead-letters/{id}", httpx.Handle(s.handleDiscard))
	})
}

func (s *Service) handleListSubscriptions(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(s.Subscriptions(r.Context()), ""))
	return nil
}

// pathSubscription returns the subscription named by {name}.
func (s *Service) pathSubscription(r *http.Request) (*subscription, error) {
	name := chi.URLParam(r, "name")
	sub, ok := s.subscription(name)
	if !ok {
		return nil, errSubscriptionNotFound(name)
	}
	return sub, nil
}

// pathID returns the event id {id}.
func pathID(r *http.Request) (uuid.UUID, error) {
	raw := chi.URLParam(r, "id")
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, errInvalidID(raw)
	}
	return id, nil
}

func (s *Service) handleListDeadLetters(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.pathSubscription(r)
	if err != nil {
		return err
	}
	limit, err := httpx.ParseLimit(r, defaultPageSize, maxPageSize)
	if err != nil {
		return err
	}
	var after deadLetterKey
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := httpx.DecodeCursor(c, &after); err != nil {
			return err
		}
	}
	list, err := s.bus.deadLetters(r.Context(), sub, after, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = httpx.EncodeCursor(deadLetterKey{ParkedAt: last.ParkedAt, ID: last.ID})
	}
	httpx.WriteJSON(w, http.StatusOK, httpx.NewPage(list, next))
	return nil
}

func (s *Service) handleReplay(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.pathSubscription(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	company, err := s.bus.replay(r.Context(), sub, id)
	if err != nil {
		return err
	}
	httpx.Logger(r.Context()).Info("dead letter replayed", "subscription", sub.name, "event_id", id, "company_id", company)
	s.recordReplay(r, company, sub.name, id)
	httpx.WriteJSON(w, http.StatusAccepted, ReplayResult{ID: id, Subscription: sub.name, CompanyID: company, Status: "replayed"})
	return nil
}

// ReplayResult answers a dead letter's replay.
type ReplayResult struct {
	ID           uuid.UUID `json:"id"`
	Subscription string    `json:"subscription"`
	// CompanyID is the company whose event was replayed; the replay is in
	// its audit log.
	CompanyID uuid.UUID `json:"company_id"`
	Status    string    `json:"status"`
}

// recordReplay appends a replay to its company's audit log, with the
// platform admin who asked and the request's origin. The replay stands
// whether or not its record could be written: a failure is logged.
func (s *Service) recordReplay(r *http.Request, company uuid.UUID, subscription string, id uuid.UUID) {
	if company == uuid.Nil {
		httpx.Logger(r.Context()).Error("audit log write skipped: the replayed event names no company", "event_id", id)
		return
	}
	e := audit.Entry{CompanyID: company, Action: "event.dead_letter_replayed", Target: "event:" + id.String(),
		Details: map[string]any{"subscription": subscription}}
	if err := audit.Record(r.Context(), s.pool, e); err != nil {
		httpx.Logger(r.Context()).Error("audit log write failed", "action", e.Action, "error", err)
	}
}

func (s *Service) handleDiscard(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.pathSubscription(r)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.bus.discard(r.Context(), sub, id); err != nil {
		return err
	}
	httpx.Logger(r.Context()).Info("dead letter discarded", "subscription", sub.name, "event_id", id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Backlog is what the outbox holds that no relay has handed to the bus.
type Backlog struct {
	// Unsent counts the rows waiting for a relay.
	Unsent int64
	// OldestAge is how long the oldest of them has waited: the relay lag.
	OldestAge time.Duration
}

// Backlog reads the outbox's backlog, every company's (the host's
// metrics).
func (s *Service) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	var age float64
	if err := s.pool.QueryRow(ctx, backlogSQL).Scan(&b.Unsent, &age); err != nil {
		return Backlog{}, fmt.Errorf("outbox backlog: %w", err)
	}
	b.OldestAge = time.Duration(age * float64(time.Second))
	return b, nil
}
