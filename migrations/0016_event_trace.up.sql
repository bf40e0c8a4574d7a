-- The trace context (a W3C traceparent) of the span an event was published
-- in, so that the trace of its delivery links back to it
-- (host/internal/tracing); '' when tracing was off.
ALTER TABLE event_outbox ADD COLUMN traceparent text NOT NULL DEFAULT '';
