package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestAnyVerticalsRevenue: a vertical other than CPG (the probe) declares
// its notes as universal transactions and probe.note.created as their
// revenue event; a note's amount reaches the revenue report through the
// host's rollup (budget: a second; the deadline is wider for a shared
// machine and the time is logged), and another company sees none of it.
func TestAnyVerticalsRevenue(t *testing.T) {
	t.Parallel()
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}))
	a, b := h.NewTenant("MX", "probe"), h.NewTenant("MX", "probe")
	today := time.Now().In(mustLoc(t, "America/Mexico_City")).Format(time.DateOnly)
	revenue := func(token string) map[string]any {
		return h.Expect(http.StatusOK, "GET", "/api/v1/reports/revenue?from="+today+"&to="+today, token, nil).JSON(t)
	}
	require.Empty(t, revenue(a.Tokens["viewer"])["data"])

	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event", a.Tokens["cashier"], map[string]string{"body": "x", "amount": "12.50"})
	committed := time.Now()
	want := []any{map[string]any{"key": "probe_note", "currency": "MXN", "amount": "12.50", "count": float64(1)}}
	var report map[string]any
	hosttest.Eventually(t, 3*time.Second, "the note's amount is in the revenue report", func() bool {
		report = revenue(a.Tokens["viewer"])
		return len(report["data"].([]any)) == 1
	})
	t.Logf("the note reached the revenue report %s after its commit", time.Since(committed))
	require.Equal(t, want, report["data"])
	require.Equal(t, "rollup", report["source"])
	require.Empty(t, revenue(b.Tokens["viewer"])["data"], "company B sees none of A's revenue")
}
