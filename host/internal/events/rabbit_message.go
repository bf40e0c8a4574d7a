package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/nexuspos/nexus/host/internal/tracing"
)

// The AMQP message format of an event: its headers, encoding, decoding
// and the attempt count carried across retries.

// Message headers. company_id, topic, request_id and schema_version describe
// the event; the x-nexus-* headers are the bus's bookkeeping.
const (
	hdrCompanyID     = "company_id"
	hdrTopic         = "topic"
	hdrRequestID     = "request_id"
	hdrSchemaVersion = "schema_version"
	hdrOccurredAt    = "occurred_at"
	// hdrTraceParent, present when tracing was on, names the span that
	// published the event.
	hdrTraceParent = tracing.TraceParentHeader
	// hdrAttempt is the attempt number of the next delivery (absent: 1).
	hdrAttempt = "x-nexus-attempt"
	// Headers of a parked message.
	hdrError        = "x-nexus-error"
	hdrParkedAt     = "x-nexus-parked-at"
	hdrSubscription = "x-nexus-subscription"
)

// message is the AMQP message of ev.
func message(ev Event) amqp.Publishing {
	headers := amqp.Table{
		hdrCompanyID:     ev.CompanyID.String(),
		hdrTopic:         ev.Topic,
		hdrRequestID:     ev.RequestID,
		hdrSchemaVersion: int32(ev.SchemaVersion),
		hdrOccurredAt:    ev.OccurredAt.UTC().Format(time.RFC3339Nano),
	}
	if ev.TraceParent != "" {
		headers[hdrTraceParent] = ev.TraceParent
	}
	return amqp.Publishing{
		Headers:      headers,
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    ev.ID.String(),
		Timestamp:    ev.OccurredAt,
		Type:         ev.Topic,
		AppId:        "nexus",
		Body:         ev.Payload,
	}
}

// decode reads the event and its attempt number from a delivery from
// queue q. The attempt comes from the x-nexus-attempt header, or else from
// the broker's x-death records of q's delay queues.
func (b *rabbitBus) decode(d amqp.Delivery, q string) (Event, int, error) {
	var ev Event
	var err error
	if ev.ID, err = uuid.Parse(d.MessageId); err != nil {
		return ev, 0, fmt.Errorf("message id %q is not an event id", d.MessageId)
	}
	if ev.CompanyID, err = uuid.Parse(headerString(d.Headers, hdrCompanyID)); err != nil || ev.CompanyID == uuid.Nil {
		return ev, 0, fmt.Errorf("header %s is not a company id", hdrCompanyID)
	}
	ev.Topic = headerString(d.Headers, hdrTopic)
	if ev.Topic == "" && d.Exchange == b.exchange {
		ev.Topic = d.RoutingKey
	}
	if err := ValidateTopic(ev.Topic); err != nil {
		return ev, 0, err
	}
	ev.RequestID = headerString(d.Headers, hdrRequestID)
	ev.TraceParent = headerString(d.Headers, hdrTraceParent)
	ev.OccurredAt = d.Timestamp
	if t, err := time.Parse(time.RFC3339Nano, headerString(d.Headers, hdrOccurredAt)); err == nil {
		ev.OccurredAt = t
	}
	ev.SchemaVersion = 1
	if v, ok := headerInt(d.Headers[hdrSchemaVersion]); ok && v > 0 {
		ev.SchemaVersion = v
	}
	if !json.Valid(d.Body) {
		return ev, 0, errors.New("the body is not JSON")
	}
	ev.Payload = d.Body
	if v, ok := headerInt(d.Headers[hdrAttempt]); ok && v > 0 {
		return ev, v, nil
	}
	return ev, 1 + retriesFromXDeath(d.Headers, q+".retry."), nil
}

// retriesFromXDeath sums the x-death counts of the queues named with
// prefix (a subscription's delay queues).
func retriesFromXDeath(h amqp.Table, prefix string) int {
	deaths, _ := h["x-death"].([]any)
	n := 0
	for _, d := range deaths {
		t, ok := d.(amqp.Table)
		if !ok {
			continue
		}
		if q, _ := t["queue"].(string); strings.HasPrefix(q, prefix) {
			if c, ok := headerInt(t["count"]); ok {
				n += c
			}
		}
	}
	return n
}

func headerString(h amqp.Table, key string) string {
	s, _ := h[key].(string)
	return s
}

// headerInt reads an integer header of any AMQP integer type.
func headerInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		return int(n), true
	}
	return 0, false
}

// republish returns a copy of d to publish elsewhere, without the broker's
// dead-lettering history.
func republish(d amqp.Delivery) amqp.Publishing {
	headers := amqp.Table{}
	for k, v := range d.Headers {
		if strings.HasPrefix(k, "x-death") || strings.HasPrefix(k, "x-first-death") || strings.HasPrefix(k, "x-last-death") {
			continue
		}
		headers[k] = v
	}
	return amqp.Publishing{
		Headers:      headers,
		ContentType:  d.ContentType,
		DeliveryMode: amqp.Persistent,
		MessageId:    d.MessageId,
		Timestamp:    d.Timestamp,
		Type:         d.Type,
		AppId:        d.AppId,
		Body:         d.Body,
	}
}
