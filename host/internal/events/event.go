package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/tracing"
)

// Event is one fact published by a vertical or the host.
type Event struct {
	// ID identifies the event everywhere (outbox row, AMQP message id,
	// processed_events). Publish assigns one when it is uuid.Nil.
	ID uuid.UUID `json:"id"`
	// CompanyID is the company the event belongs to; required.
	CompanyID uuid.UUID `json:"company_id"`
	// Topic is <vertical>.<aggregate>.<event>, e.g. <vertical>.order.created.
	Topic string `json:"topic"`
	// OccurredAt defaults to the time of Publish.
	OccurredAt time.Time `json:"occurred_at"`
	// RequestID is the id of the request that caused the event; Publish
	// takes it from the context (httpx.RequestID) when empty.
	RequestID string `json:"request_id"`
	// SchemaVersion is the payload's version; 0 means 1.
	SchemaVersion int `json:"schema_version"`
	// Payload is a JSON object; empty means {}.
	Payload json.RawMessage `json:"payload"`
	// TraceParent is the W3C traceparent of the span that published the
	// event ("" when tracing was off); Publish takes it from the context.
	// The trace of the event's delivery links to that span.
	TraceParent string `json:"-"`
}

// pgUUID returns id as pgx encodes and decodes a uuid in binary, as an
// argument or a Scan target. pgx handles a uuid.UUID through its text form
// (driver.Valuer, sql.Scanner): a failed binary attempt, a string and an
// error value per uuid on the hot paths of the bus. A []uuid.UUID argument
// is passed as a [][16]byte for the same reason.
func pgUUID(id *uuid.UUID) *[16]byte { return (*[16]byte)(id) }

// Limits on published events.
const (
	// MaxTopicLength is the longest topic accepted (an AMQP routing key
	// holds at most 255 bytes).
	MaxTopicLength = 255
	// MaxPayloadBytes is the largest payload accepted.
	MaxPayloadBytes = 256 << 10
)

// topicRE is <vertical>.<aggregate>.<event>[.<more>]: three or more
// lower-case words of letters, digits and underscores, each starting with a
// letter.
var topicRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$`)

// ValidateTopic reports whether topic is a valid event topic; the error is
// a 400 invalid_topic *httpx.Error.
func ValidateTopic(topic string) error {
	if len(topic) > MaxTopicLength || !topicRE.MatchString(topic) {
		return errInvalidTopic(topic)
	}
	return nil
}

// normalize validates ev and fills in its defaults.
func (ev Event) normalize(ctx context.Context, now time.Time) (Event, error) {
	if err := ValidateTopic(ev.Topic); err != nil {
		return ev, err
	}
	if ev.CompanyID == uuid.Nil {
		return ev, errInvalidEvent("company_id", "an event needs the id of its company")
	}
	if ev.ID == uuid.Nil {
		id, err := uuid.NewV7()
		if err != nil {
			return ev, fmt.Errorf("new event id: %w", err)
		}
		ev.ID = id
	}
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = now
	}
	if ev.RequestID == "" {
		ev.RequestID = httpx.RequestID(ctx)
	}
	if ev.TraceParent == "" {
		ev.TraceParent = tracing.TraceParent(ctx)
	}
	switch {
	case ev.SchemaVersion == 0:
		ev.SchemaVersion = 1
	case ev.SchemaVersion < 0 || ev.SchemaVersion > math.MaxInt32:
		return ev, errInvalidEvent("schema_version", "schema_version must be a positive 32-bit number")
	}
	payload := bytes.TrimSpace(ev.Payload)
	switch {
	case len(payload) == 0:
		ev.Payload = json.RawMessage("{}")
	case len(payload) > MaxPayloadBytes:
		return ev, errInvalidEvent("payload", fmt.Sprintf("the payload is larger than %d bytes", MaxPayloadBytes))
	case payload[0] != '{' || !json.Valid(payload):
		return ev, errInvalidEvent("payload", "the payload must be a JSON object")
	default:
		ev.Payload = payload
	}
	return ev, nil
}

// Relay and consumer notifications are rate-limited per host: a burst of
// notifyBurst, then notifyRate a second (see publishSQL for why).
const (
	notifyBurst = 10
	notifyRate  = 50
)

// notifyLimiter is the token bucket of the relay notifications Publish
// sends from this process.
var notifyLimiter = &tokenBucket{}

// tokenBucket allows notifyBurst events at once and notifyRate a second.
type tokenBucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// allow takes a token if one is left at now.
func (b *tokenBucket) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(notifyBurst, b.tokens+now.Sub(b.last).Seconds()*notifyRate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// Publish records evs in tx, the caller's unit-of-work transaction, as
// outbox rows; they are relayed only if tx commits. tx may be a tenant
// transaction (nexus_tenant under row-level security, as inside
// dal.Unit.Run): every event's CompanyID must then be the transaction's
// company.
//
// Each event is validated first (topic, company, JSON-object payload; a
// 4xx *httpx.Error when invalid) and nothing is written unless all are
// valid. Events without an ID get one; callers that need the ids (the
// Publish RPC answers them) set ID themselves.
//
// The transaction also notifies the relays with pg_notify when they may be
// asleep, rate-limited per host (a burst of 10, then 50 a second: see
// publishSQL for why). Above that rate a commit can wait for a relay's poll
// (Config.PollInterval), unless the host also calls Service.Wake once tx
// has committed (dal.Unit.AfterCommit), which wakes its own relay at no
// cost: do both.
func Publish(ctx context.Context, tx pgx.Tx, evs ...Event) error {
	b := &pgx.Batch{}
	if err := Queue(ctx, b, evs...); err != nil {
		return err
	}
	return tx.SendBatch(ctx, b).Close()
}

// Queue is Publish for a batch the caller sends in its transaction, so
// that the outbox rows share a round trip with other statements: it
// validates evs now and queues their insert in b, whose error (when b is
// sent) is Publish's.
func Queue(ctx context.Context, b *pgx.Batch, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	now := time.Now()
	var (
		companies  = make([][16]byte, len(evs)) // binary uuids (see pgUUID)
		ids        = make([][16]byte, len(evs))
		topics     = make([]string, len(evs))
		occurred   = make([]time.Time, len(evs))
		requestIDs = make([]string, len(evs))
		versions   = make([]int32, len(evs))
		payloads   = make([]string, len(evs))
		traces     = make([]string, len(evs))
	)
	for i, ev := range evs {
		ev, err := ev.normalize(ctx, now)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		companies[i], ids[i], topics[i], occurred[i] = ev.CompanyID, ev.ID, ev.Topic, ev.OccurredAt
		requestIDs[i], versions[i], payloads[i] = ev.RequestID, int32(ev.SchemaVersion), string(ev.Payload)
		traces[i] = ev.TraceParent
	}
	b.Queue(publishSQL, companies, ids, topics, occurred, requestIDs, versions, payloads, notifyLimiter.allow(now), traces).
		Query(func(rows pgx.Rows) error {
			rows.Close()
			err := rows.Err()
			switch {
			case err == nil:
				return nil
			case isSQLState(err, sqlStateUniqueViolation):
				err = errDuplicateEvent(err)
			case isSQLState(err, sqlStateInsufficientPrivilege):
				err = errForeignCompany(err)
			}
			return fmt.Errorf("publish: %w", err)
		})
	return nil
}
