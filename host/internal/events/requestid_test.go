package events_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/internal/dal"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestFailedHandlerLogNamesTheRequest checks, on both buses, that the log
// line of a failed handler (a vertical's, when the handler is a plugin
// call) carries the request id of the request that published the event.
func TestFailedHandlerLogNamesTheRequest(t *testing.T) {
	t.Parallel()
	for _, bus := range buses {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bus, 6)
			out := &lockedBuffer{}
			log := hclog.New(&hclog.LoggerOptions{Level: hclog.Warn, Output: out})
			sub := events.Subscription{Vertical: "testv", Name: "failing", Pattern: "test.failing.*",
				Handler: func(context.Context, *dal.Unit, events.Event, int) error { return errors.New("the vertical failed") }}
			cfg := h.config()
			svc, err := events.New(h.pool, cfg, log)
			require.NoError(t, err)
			require.NoError(t, svc.Register(t.Context(), sub))
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				require.NoError(t, svc.Stop(ctx))
				require.NoError(t, events.DeleteServiceTopology(ctx, svc, sub.FullName()))
			})
			require.NoError(t, svc.Start(t.Context()))
			ev := h.event("test.failing.created")
			ev.RequestID = "req-" + strings.ToLower(randomHex(6))
			h.publish(false, ev)
			waitFor(t, 10*time.Second, "the failure is logged", func() bool {
				return strings.Contains(out.String(), "event handler failed")
			})
			for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if strings.Contains(line, "event handler failed") {
					require.Contains(t, line, "request_id="+ev.RequestID)
				}
			}
		})
	}
}
