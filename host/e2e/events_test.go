package e2e

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

func amqpURL() string {
	if u := os.Getenv("NEXUS_TEST_AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// TestEventsThroughThePlugin publishes from a vertical's handler and
// consumes in the same vertical's subscription, on both buses.
func TestEventsThroughThePlugin(t *testing.T) {
	t.Parallel()
	for _, bus := range []string{"in-process", "rabbitmq"} {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			var env []string
			if bus == "rabbitmq" {
				env = append(env, "NEXUS_AMQP_URL="+amqpURL())
			}
			h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), env...)
			a := h.NewTenant("MX", "probe")
			cashier := a.Tokens["cashier"]
			pool, err := pgxpool.New(context.Background(), h.DatabaseURL)
			require.NoError(t, err)
			defer pool.Close()
			count := func(sql string) int {
				var n int
				require.NoError(t, pool.QueryRow(context.Background(), sql).Scan(&n))
				return n
			}

			res := h.Call("POST", "/api/v1/verticals/probe/notes/event?fail=1", cashier, map[string]string{"body": "x", "amount": "1"})
			require.Equal(t, http.StatusUnprocessableEntity, res.Status)
			require.Equal(t, 0, count("SELECT count(*) FROM event_outbox"), "a rolled-back request publishes nothing")

			res = h.Call("POST", "/api/v1/verticals/probe/notes/event?topic=other.note.created", cashier, map[string]string{"body": "x", "amount": "1"})
			require.Equal(t, http.StatusInternalServerError, res.Status, "a topic outside the vertical's namespace fails the handler's Publish")
			require.Equal(t, 0, count("SELECT count(*) FROM probe.notes"), "and nothing of it is written")

			var eventIDs []string
			for range 5 {
				created := h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event", cashier, map[string]string{"body": "x", "amount": "1"}).JSON(t)
				eventIDs = append(eventIDs, created["event_id"].(string))
			}
			var stored int
			require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM event_outbox WHERE id = ANY($1::uuid[])", eventIDs).Scan(&stored))
			require.Equal(t, 5, stored, "the ids Publish returned are the outbox's")
			took := hosttest.Eventually(t, 10*time.Second, "the subscription handles every event", func() bool {
				return count("SELECT count(*) FROM probe.note_events") == 5
			})
			t.Logf("%s: 5 events handled %s after the last commit", bus, took)
			time.Sleep(300 * time.Millisecond)
			require.Equal(t, 5, count("SELECT count(*) FROM probe.note_events"), "each event takes effect once")
			require.Equal(t, 5, count("SELECT count(DISTINCT note_id) FROM probe.note_events"))
			ready := h.Expect(http.StatusOK, "GET", "/readyz", "", nil).JSON(t)
			require.Equal(t, "ready", ready["status"])

			admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)
			subs := h.Expect(http.StatusOK, "GET", "/api/v1/admin/events/subscriptions", admin, nil)
			require.Contains(t, string(subs.Body), "probe.notes")
			require.Equal(t, http.StatusForbidden, h.Call("GET", "/api/v1/admin/events/subscriptions", a.Tokens["owner"], nil).Status)
		})
	}
}
