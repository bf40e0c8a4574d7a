// Package events is the host's event bus: the transactional outbox, the
// relay that moves committed events to the bus, the consumers that hand
// each event to its subscriptions' handlers with retries and dead letters,
// and the platform-admin API over subscriptions and parked events.
//
// # Guarantees
//
// Publish writes outbox rows in the caller's transaction (the request's unit
// of work), so a rolled-back transaction publishes nothing and a host that
// dies right after the commit loses nothing: relays claim unsent rows with
// FOR UPDATE SKIP LOCKED (several loops and several replicas may relay at
// once), hand them to the bus and mark them sent in the claiming
// transaction. They are woken by Service.Wake (an AfterCommit hook), by
// LISTEN/NOTIFY across hosts, and poll as a fallback.
//
// Delivery is at least once; effects are exactly once. Every delivery runs
// in its own unit of work (a tenant transaction for the event's company):
// the consumer records (company, subscription, event id) in
// processed_events, skips the handler when the row was already there, calls
// the handler, commits, and only then acknowledges. A failed attempt is
// retried after 1 s, 4 s and 9 s (Config.RetryDelays), then parked as a dead
// letter that an operator can replay or discard.
//
// Throughput comes from sharing work, never from weakening that contract:
// deliveries already waiting for one company share one transaction (each
// keeps its own unit; a failing one is dropped from the batch, which is run
// again without it), and those transactions commit without waiting for the
// WAL flush because no acknowledgement can outrun the flush (durable.go).
// A subscription whose events fold into shared rows (a daily total) takes a
// BatchHandler instead: one call for the events waiting together, so one
// statement per batch and row locks held only until its commit; a failing
// batch is run again one event at a time.
//
// # Buses
//
// With Config.AMQPURL set (NEXUS_AMQP_URL) events go through RabbitMQ: a
// topic exchange ("nexus.events"), one durable queue per subscription
// ("sub.<vertical>.<name>") bound with its pattern, three TTL delay queues
// per subscription whose dead-letter route leads back to it, and a
// dead-letter queue ("<queue>.dlq", messages expire after 24 h). Messages
// are persistent and published with confirms; a retry is published to the
// next delay queue (or the dead-letter queue) with confirm before the
// original is acknowledged, so a failing event never blocks the consumer.
// On any connection or channel loss the bus reconnects with backoff and
// redeclares the whole topology before consuming again.
//
// Without it, the in-process bus delivers straight from the outbox with the
// same retry schedule and idempotency: the relay fans each event out into
// event_deliveries rows (one per matching subscription, including
// subscriptions registered earlier whose handlers are not registered now),
// consumers lease due rows with SKIP LOCKED, the handler's transaction
// deletes its row when it commits, and exhausted events land in
// event_dead_letters. Nothing is lost across restarts and several replicas
// may run it. Switching between the buses changes no handler.
//
// # What the package must not do
//
// It must not know what a vertical is beyond its name: the plugin runtime
// registers each vertical's subscriptions with a Handler that forwards to
// the plugin. It never runs a handler outside a unit of work, never
// acknowledges before that unit's commit is durable, and gives handlers no
// connection but their unit's.
package events
