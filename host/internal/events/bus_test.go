package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/httpx/httpxtest"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/internal/dal"
)

// TestBus runs the behavioural suite against both buses, in
// parallel.
func TestBus(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name string
		run  func(t *testing.T, bus string)
	}{
		// The slow one first, so it overlaps the others.
		{"poison event is retried after 1s, 4s, 9s, parked, and replayed once fixed", testPoison},
		{"rolled-back transaction publishes nothing", testRolledBack},
		{"relay killed between commit and publish delivers exactly once", testRelayKilled},
		{"connection force-closed in the middle of 10000 events loses and repeats nothing", testForcedClose},
		{"admin API refuses bad requests", testAdminErrors},
		{"batch handler gets the events waiting together; a failing one is isolated", testBatchHandler},
	}
	for _, bus := range buses {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					sc.run(t, bus)
				})
			}
		})
	}
}

// testBatchHandler publishes events before the bus starts, so that they
// wait together and at least one call gets several of them; then a batch
// with one event the handler refuses: the others commit exactly once and
// the refused one is parked alone.
func testBatchHandler(t *testing.T, bus string) {
	h := newHarness(t, bus, 6)
	sub := events.Subscription{Vertical: "testv", Name: "batch", Pattern: "test.batch.*"}
	sub.Batch = func(ctx context.Context, u *dal.Unit, evs []events.Event) error {
		ids := make([]uuid.UUID, len(evs))
		for i, ev := range evs {
			if ev.Topic == "test.batch.refused" {
				return fmt.Errorf("event %s is refused", ev.ID)
			}
			ids[i] = ev.ID
		}
		// attempt records the size of the call's batch.
		return u.Run(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO applied (company_id, event_id, subscription, attempt)
				SELECT $1, id, $2, $3 FROM unnest($4::uuid[]) AS id`, h.company, sub.FullName(), len(evs), ids)
			return err
		})
	}
	cfg := h.config()
	cfg.RetryDelays = []time.Duration{100 * time.Millisecond}
	svc := h.service(cfg, sub)
	waiting := h.publishMany(10, 10, "test.batch.created")
	require.NoError(t, svc.Start(t.Context()))
	waitFor(t, 10*time.Second, "the waiting events applied", func() bool { return h.applied(uuid.Nil) == len(waiting) })
	require.Greater(t, h.count(`SELECT max(attempt) FROM applied`), 1, "no call got several events")

	evs := make([]events.Event, 6)
	for i := range evs {
		evs[i] = h.event("test.batch.created")
	}
	refused := h.event("test.batch.refused")
	evs[2] = refused
	h.publish(false, evs...)
	srv := adminServer(t, svc, true, false)
	var page struct {
		Data []events.DeadLetter `json:"data"`
	}
	waitFor(t, 15*time.Second, "the refused event parked", func() bool {
		require.Equal(t, 200, call(t, "GET", srv.URL+"/api/v1/admin/events/subscriptions/"+sub.FullName()+"/dead-letters", &page))
		return len(page.Data) > 0
	})
	require.Len(t, page.Data, 1)
	require.Equal(t, refused.ID, page.Data[0].ID)
	listed, err := json.Marshal(page)
	require.NoError(t, err)
	require.Equal(t, 2, httpxtest.RequireUTCTimes(t, listed), "parked_at and occurred_at are UTC")
	waitFor(t, 5*time.Second, "the other events applied", func() bool { return h.applied(uuid.Nil) == len(waiting)+len(evs)-1 })
	for _, id := range append(waiting, evs[0].ID, evs[1].ID, evs[3].ID, evs[4].ID, evs[5].ID) {
		require.Equal(t, 1, h.applied(id), "event %s", id)
	}
	require.Zero(t, h.applied(refused.ID))
}

func testRolledBack(t *testing.T, bus string) {
	h := newHarness(t, bus, 6)
	sub := testSub("rollback", "test.item.*", 1)
	h.start(h.config(), sub)

	lost, kept := h.event("test.item.created"), h.event("test.item.created")
	h.publish(true, lost)
	h.publish(false, kept)

	waitFor(t, 10*time.Second, "the committed event", func() bool { return h.applied(kept.ID) == 1 })
	time.Sleep(300 * time.Millisecond)
	require.Zero(t, h.applied(lost.ID))
	require.Equal(t, 1, h.applied(uuid.Nil))
	require.Zero(t, h.count(`SELECT count(*) FROM event_outbox WHERE id = $1`, lost.ID), "no outbox row survives a rollback")
}

func testRelayKilled(t *testing.T, bus string) {
	h := newHarness(t, bus, 6)
	sub := testSub("relaykill", "test.item.*", 2)

	// Committed while no relay runs: the outbox keeps it.
	early := h.event("test.item.created")
	h.publish(false, early)

	// The first host hands the batch to the bus and dies before marking
	// it sent.
	crashed := make(chan struct{})
	var once sync.Once
	first := h.service(h.config(), sub)
	events.SetAfterRelayPublish(first, func() error {
		once.Do(func() { close(crashed) })
		return errors.New("simulated crash before marking the batch sent")
	})
	require.NoError(t, first.Start(t.Context()))
	select {
	case <-crashed:
	case <-time.After(15 * time.Second):
		t.Fatal("the relay never reached the crash point")
	}
	late := h.event("test.item.updated")
	h.publish(false, late)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	require.NoError(t, first.Stop(ctx))
	require.Equal(t, 2, h.count(`SELECT count(*) FROM event_outbox WHERE sent_at IS NULL`), "nothing was marked sent")

	// The restarted host relays the batch again.
	h.start(h.config(), sub)
	for _, ev := range []events.Event{early, late} {
		waitFor(t, 15*time.Second, "delivery after the restart", func() bool { return h.applied(ev.ID) >= 1 })
	}
	waitFor(t, 10*time.Second, "the outbox marked sent", func() bool {
		return h.count(`SELECT count(*) FROM event_outbox WHERE sent_at IS NULL`) == 0
	})
	time.Sleep(500 * time.Millisecond)
	for _, ev := range []events.Event{early, late} {
		require.Equal(t, 1, h.applied(ev.ID), "event %s took effect once", ev.ID)
		require.Equal(t, 1, h.count(`SELECT count(*) FROM processed_events WHERE event_id = $1`, ev.ID))
	}
}

func testForcedClose(t *testing.T, bus string) {
	const (
		total       = 10000
		concurrency = 8
	)
	h := newHarness(t, bus, 16)
	sub := testSub("bulk", "test.bulk.#", concurrency)
	record := sub.Handler
	// Past a third of the stream every worker stops inside its unit of
	// work (processed_events row written, transaction open) until the
	// connection has been closed under it.
	var started, blocked atomic.Int64
	gate := make(chan struct{})
	var opened sync.Once
	open := func() { opened.Do(func() { close(gate) }) }
	sub.Handler = func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
		if started.Add(1) > total/3 {
			blocked.Add(1)
			select {
			case <-gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return record(ctx, u, ev, attempt)
	}
	cfg := h.config()
	// Room for every worker's batch, so that all of them get to block.
	cfg.Prefetch = 512
	cfg.HandlerTimeout = 10 * time.Second
	ids := h.publishMany(total, 200, "test.bulk.item.created")
	require.Len(t, ids, total)

	svc := h.start(cfg, sub)
	t.Cleanup(open) // before the service stops, even when the test fails
	var pids []string
	if bus == events.BusRabbitMQ {
		waitFor(t, 10*time.Second, "the broker connection", func() bool { return svc.Health().OK })
		pids = brokerConnections(t, cfg.ConnectionName)
		require.Len(t, pids, 2, "the publisher and consumer connections")
	}
	waitFor(t, 30*time.Second, "every worker in the middle of an event", func() bool { return blocked.Load() == concurrency })
	before := h.applied(uuid.Nil)
	t.Logf("%d of %d events applied when the connection was closed", before, total)
	if bus == events.BusRabbitMQ {
		// Delete a delay queue first: it must come back with the rest of
		// the topology when the bus reconnects.
		delayQ := events.DelayQueueNames(svc, sub.FullName())[0]
		deleteQueue(t, h.amqp, delayQ)
		closeBrokerConnections(t, pids)
		waitFor(t, 20*time.Second, "the redeclared delay queue", func() bool { return queueExists(t, h.amqp, delayQ) })
	} else {
		// The in-process bus's broker is PostgreSQL: kill every session
		// of the test database, the listener's and the blocked units'
		// included.
		var killed int
		require.NoError(t, h.pool.QueryRow(t.Context(), `
			SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed))
		require.Positive(t, killed)
		// The services keep the pool whose connections died; the test
		// checks on a fresh one.
		h.pool = storetest.OpenPool(t, h.url, false)
	}
	open()

	waitFor(t, 60*time.Second, "all 10000 events", func() bool { return h.applied(uuid.Nil) >= total })
	time.Sleep(500 * time.Millisecond)
	var rows, distinct int
	require.NoError(t, h.pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT event_id) FROM applied`).Scan(&rows, &distinct))
	require.Equal(t, total, distinct, "no event lost")
	require.Equal(t, total, rows, "no event applied twice")
	require.Zero(t, h.count(`SELECT count(*) FROM applied WHERE NOT (event_id = ANY($1))`, ids))
	require.Equal(t, total, h.count(`SELECT count(*) FROM processed_events`))
	require.True(t, svc.Health().OK, "reconnected: %+v", svc.Health())
}

func deleteQueue(t testing.TB, url, name string) {
	t.Helper()
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	ch, err := conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDelete(name, false, false, false)
	require.NoError(t, err)
}

func queueExists(t testing.TB, url, name string) bool {
	t.Helper()
	conn, err := amqp.Dial(url)
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	ch, err := conn.Channel()
	require.NoError(t, err)
	_, err = ch.QueueDeclarePassive(name, true, false, false, false, nil)
	return err == nil
}

// attemptLog records when each attempt of each event started.
type attemptLog struct {
	mu   sync.Mutex
	seen map[uuid.UUID][]attemptAt
}

type attemptAt struct {
	attempt int
	at      time.Time
}

func (l *attemptLog) add(id uuid.UUID, attempt int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[id] = append(l.seen[id], attemptAt{attempt, time.Now()})
}

func (l *attemptLog) get(id uuid.UUID) []attemptAt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]attemptAt(nil), l.seen[id]...)
}

func testPoison(t *testing.T, bus string) {
	h := newHarness(t, bus, 6)
	var fixed atomic.Bool
	log := &attemptLog{seen: map[uuid.UUID][]attemptAt{}}
	sub := events.Subscription{Vertical: "testv", Name: "poison", Pattern: "test.poison.*", Concurrency: 2}
	record := recorder(sub.FullName())
	sub.Handler = func(ctx context.Context, u *dal.Unit, ev events.Event, attempt int) error {
		log.add(ev.ID, attempt)
		// The handler writes before failing: the rollback must undo it.
		if err := record(ctx, u, ev, attempt); err != nil {
			return err
		}
		if !fixed.Load() {
			return fmt.Errorf("cannot handle %s yet", ev.Topic)
		}
		return nil
	}
	svc := h.start(h.config(), sub) // the real 1 s / 4 s / 9 s schedule
	srv := adminServer(t, svc, true, false)
	base := srv.URL + "/api/v1/admin/events/subscriptions/" + sub.FullName() + "/dead-letters"

	replayed, discarded := h.event("test.poison.created"), h.event("test.poison.updated")
	h.publish(false, replayed, discarded)

	var page struct {
		Data       []events.DeadLetter `json:"data"`
		NextCursor *string             `json:"next_cursor"`
	}
	waitFor(t, 25*time.Second, "both events parked", func() bool {
		require.Equal(t, 200, call(t, "GET", base, &page))
		return len(page.Data) == 2
	})
	for _, id := range []uuid.UUID{replayed.ID, discarded.ID} {
		attempts := log.get(id)
		require.Len(t, attempts, 4, "first try and three retries")
		want := []time.Duration{time.Second, 4 * time.Second, 9 * time.Second}
		for i, a := range attempts {
			require.Equal(t, i+1, a.attempt, "attempt numbers come from the message")
			if i == 0 {
				continue
			}
			gap := a.at.Sub(attempts[i-1].at)
			t.Logf("event %s: retry %d after %s", id, i, gap.Round(time.Millisecond))
			require.GreaterOrEqual(t, gap, want[i-1]-50*time.Millisecond, "retry %d came too early: %s", i, gap)
			require.LessOrEqual(t, gap, want[i-1]+750*time.Millisecond, "retry %d came too late: %s", i, gap)
		}
	}
	require.Zero(t, h.applied(uuid.Nil), "failed attempts left no effect")
	byID := map[uuid.UUID]events.DeadLetter{}
	for _, dl := range page.Data {
		byID[dl.ID] = dl
	}
	dl := byID[replayed.ID]
	require.Equal(t, h.company, dl.CompanyID)
	require.Equal(t, "test.poison.created", dl.Topic)
	require.Equal(t, 4, dl.Attempts)
	require.Contains(t, dl.LastError, "cannot handle test.poison.created yet")
	require.JSONEq(t, `{"n":1}`, string(dl.Payload))
	require.False(t, dl.ParkedAt.IsZero())
	require.Nil(t, page.NextCursor)

	var one struct {
		Data       []events.DeadLetter `json:"data"`
		NextCursor *string             `json:"next_cursor"`
	}
	require.Equal(t, 200, call(t, "GET", base+"?limit=1", &one))
	require.Len(t, one.Data, 1)
	require.NotNil(t, one.NextCursor)
	var rest struct {
		Data []events.DeadLetter `json:"data"`
	}
	require.Equal(t, 200, call(t, "GET", base+"?limit=1&cursor="+*one.NextCursor, &rest))
	require.Len(t, rest.Data, 1)
	require.NotEqual(t, one.Data[0].ID, rest.Data[0].ID, "the second page continues after the first")

	var subs struct {
		Data []events.SubscriptionInfo `json:"data"`
	}
	require.Equal(t, 200, call(t, "GET", srv.URL+"/api/v1/admin/events/subscriptions", &subs))
	require.Len(t, subs.Data, 1)
	require.Equal(t, sub.FullName(), subs.Data[0].Name)
	require.Equal(t, "test.poison.*", subs.Data[0].Pattern)
	require.Equal(t, bus, subs.Data[0].Bus)
	require.EqualValues(t, 2, subs.Data[0].DeadLetters)
	require.Empty(t, subs.Data[0].Error)

	fixed.Store(true)
	var replay events.ReplayResult
	require.Equal(t, 202, call(t, "POST", base+"/"+replayed.ID.String()+"/replay", &replay))
	require.Equal(t, events.ReplayResult{ID: replayed.ID, Subscription: sub.FullName(), CompanyID: h.company, Status: "replayed"}, replay,
		"the replay names the event's company")
	// The replay is in that company's audit log, by the admin who asked.
	var (
		action, target, actorType, label, subscription string
		actor                                          uuid.UUID
	)
	require.NoError(t, h.pool.QueryRow(t.Context(), `SELECT action, target, actor_type, actor_id, actor_label, details->>'subscription'
		FROM audit_log WHERE company_id = $1 AND target = $2`, h.company, "event:"+replayed.ID.String()).
		Scan(&action, &target, &actorType, &actor, &label, &subscription))
	require.Equal(t, []string{"event.dead_letter_replayed", "user", "ops@nexus.test", sub.FullName()}, []string{action, actorType, label, subscription})
	require.Equal(t, adminID, actor)
	require.Equal(t, 204, call(t, "DELETE", base+"/"+discarded.ID.String(), nil))
	waitFor(t, 10*time.Second, "the replayed event", func() bool { return h.applied(replayed.ID) == 1 })
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 1, h.applied(replayed.ID), "the replay took effect once")
	require.Zero(t, h.applied(discarded.ID), "the discarded event never took effect")
	require.Equal(t, 1, log.get(replayed.ID)[4].attempt, "a replay starts from the first attempt")

	require.Equal(t, 200, call(t, "GET", base, &page))
	require.Empty(t, page.Data)
	require.Equal(t, 404, call(t, "POST", base+"/"+replayed.ID.String()+"/replay", nil))
	require.Equal(t, 404, call(t, "DELETE", base+"/"+discarded.ID.String(), nil))
}

func testAdminErrors(t *testing.T, bus string) {
	h := newHarness(t, bus, 4)
	sub := testSub("admin", "test.admin.*", 1)
	svc := h.start(h.config(), sub)
	waitFor(t, 10*time.Second, "the bus ready", func() bool { return svc.Health().OK })
	admin := adminServer(t, svc, true, false).URL + "/api/v1/admin/events"
	member := adminServer(t, svc, false, false).URL + "/api/v1/admin/events"
	anonymous := adminServer(t, svc, false, true).URL + "/api/v1/admin/events"
	dls := admin + "/subscriptions/" + sub.FullName() + "/dead-letters"

	tests := []struct {
		method, url string
		status      int
		code        string
	}{
		{"GET", anonymous + "/subscriptions", 401, "unauthorized"},
		{"GET", member + "/subscriptions", 403, "platform_admin_required"},
		{"GET", admin + "/subscriptions/nope.nope/dead-letters", 404, "subscription_not_found"},
		{"POST", admin + "/subscriptions/nope.nope/dead-letters/" + uuid.NewString() + "/replay", 404, "subscription_not_found"},
		{"POST", dls + "/not-a-uuid/replay", 400, "invalid_id"},
		{"DELETE", dls + "/not-a-uuid", 400, "invalid_id"},
		{"POST", dls + "/" + uuid.NewString() + "/replay", 404, "dead_letter_not_found"},
		{"DELETE", dls + "/" + uuid.NewString(), 404, "dead_letter_not_found"},
		{"GET", dls + "?limit=0", 400, "invalid_limit"},
		{"GET", dls + "?limit=501", 400, "invalid_limit"},
		{"GET", dls + "?cursor=garbage", 400, "invalid_cursor"},
	}
	for _, tt := range tests {
		var env struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		require.Equal(t, tt.status, call(t, tt.method, tt.url, &env), "%s %s", tt.method, tt.url)
		require.Equal(t, tt.code, env.Error.Code, "%s %s", tt.method, tt.url)
	}
	var page struct {
		Data []events.DeadLetter `json:"data"`
	}
	require.Equal(t, 200, call(t, "GET", dls, &page))
	require.Empty(t, page.Data)
}

// TestPublishValidation checks that bad events are 4xx errors and write
// nothing.
func TestPublishValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, events.BusInProcess, 3)
	other := uuid.New()
	good := h.event("cpg.sale.created")
	tests := []struct {
		name   string
		ev     events.Event
		status int
		code   string
	}{
		{"two-part topic", events.Event{CompanyID: h.company, Topic: "cpg.sale"}, 400, "invalid_topic"},
		{"upper-case topic", events.Event{CompanyID: h.company, Topic: "CPG.sale.created"}, 400, "invalid_topic"},
		{"wildcard topic", events.Event{CompanyID: h.company, Topic: "cpg.sale.*"}, 400, "invalid_topic"},
		{"no company", events.Event{Topic: "cpg.sale.created"}, 400, "invalid_event"},
		{"array payload", events.Event{CompanyID: h.company, Topic: "cpg.sale.created", Payload: []byte(`[1]`)}, 400, "invalid_event"},
		{"broken payload", events.Event{CompanyID: h.company, Topic: "cpg.sale.created", Payload: []byte(`{"a":`)}, 400, "invalid_event"},
		{"negative schema version", events.Event{CompanyID: h.company, Topic: "cpg.sale.created", SchemaVersion: -1}, 400, "invalid_event"},
		{"another company's event", events.Event{CompanyID: other, Topic: "cpg.sale.created"}, 403, "foreign_company"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			u := dal.NewTenantUnit(h.pool, h.company, "public")
			defer func() { _ = u.Finish(ctx, false) }()
			err := u.Run(ctx, func(tx pgx.Tx) error { return events.Publish(ctx, tx, good, tt.ev) })
			require.Error(t, err)
			e := httpx.AsError(err)
			require.Equal(t, tt.status, e.Status(), err.Error())
			require.Equal(t, tt.code, e.Code)
		})
	}
	require.Zero(t, h.count(`SELECT count(*) FROM event_outbox`), "nothing written")

	// A valid publish gets defaults filled in.
	ev := events.Event{CompanyID: h.company, Topic: "cpg.sale.created"}
	h.publish(false, ev)
	var version int
	var payload, requestID string
	require.NoError(t, h.pool.QueryRow(t.Context(), `SELECT schema_version, payload::text, request_id FROM event_outbox`).Scan(&version, &payload, &requestID))
	require.Equal(t, 1, version)
	require.Equal(t, "{}", payload)
	require.Empty(t, requestID)
}
