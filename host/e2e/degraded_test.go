package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestBrokenSourcesDegradeTheirVertical: a vertical whose universal
// source the host refuses (a column missing) and whose revenue event
// names a source it does not have is listed as degraded with both
// reasons, and /readyz says degraded naming it; a vertical whose source
// fails on its data at a refresh becomes degraded with the database's
// reason on the next look, while the views are refreshed without it and
// the healthy vertical's revenue stays in them. Every one of them keeps
// serving its routes.
func TestBrokenSourcesDegradeTheirVertical(t *testing.T) {
	t.Parallel()
	bin := probe(t)
	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": bin, "badsource": bin, "failsource": bin}),
		"NEXUS_PLUGIN_HEALTH_INTERVAL=200ms")
	a := h.NewTenant("MX", "probe", "badsource", "failsource")
	admin := h.Login(hosttest.AdminEmail, hosttest.AdminPassword)

	verticals := func() map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, v := range h.Expect(http.StatusOK, "GET", "/api/v1/verticals", a.Tokens["viewer"], nil).JSON(t)["data"].([]any) {
			info := v.(map[string]any)
			out[info["name"].(string)] = info
		}
		return out
	}
	hosttest.Eventually(t, 10*time.Second, "badsource is listed as degraded", func() bool {
		return verticals()["badsource"]["state"] == "degraded"
	})
	vs := verticals()
	reason := vs["badsource"]["reason"].(string)
	require.Contains(t, reason, `universal source badsource_notes: column "status" is missing`)
	require.Contains(t, reason, "revenue event badsource.note.closed: source nothing is not one of the vertical's universal sources")
	require.Equal(t, "running", vs["probe"]["state"])
	require.Equal(t, "running", vs["failsource"]["state"])

	ready := h.Expect(http.StatusOK, "GET", "/readyz", "", nil).JSON(t)
	require.Equal(t, "degraded", ready["status"])
	checks := ready["checks"].(map[string]any)
	require.Contains(t, checks["vertical:badsource"], "degraded: ")
	require.Contains(t, checks["vertical:badsource"], `column "status" is missing`)
	require.NotContains(t, checks, "vertical:probe")

	// A degraded vertical still serves its routes.
	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/badsource/notes", a.Tokens["cashier"], map[string]string{"body": "x", "amount": "1.00"})

	// failsource's source divides by zero on a "boom" note: the refresh
	// leaves it out and keeps the others.
	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes", a.Tokens["cashier"], map[string]string{"body": "ok", "amount": "12.50"})
	h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/failsource/notes", a.Tokens["cashier"], map[string]string{"body": "boom", "amount": "3.00"})
	refreshed := h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", admin, nil).JSON(t)
	require.Equal(t, true, refreshed["refreshed"], "the views are refreshed without the failing source")
	health := h.Expect(http.StatusOK, "GET", "/api/v1/mv/health", a.Tokens["viewer"], nil).JSON(t)
	require.Contains(t, health["sources"], "probe_notes")
	require.NotContains(t, health["sources"], "failsource_notes")
	hosttest.Eventually(t, 10*time.Second, "failsource is listed as degraded", func() bool {
		return verticals()["failsource"]["state"] == "degraded"
	})
	require.Contains(t, verticals()["failsource"]["reason"], "universal source failsource_notes: its query fails: division by zero")
	checks = h.Expect(http.StatusOK, "GET", "/readyz", "", nil).JSON(t)["checks"].(map[string]any)
	require.True(t, strings.HasPrefix(checks["vertical:failsource"].(string), "degraded: universal source failsource_notes"), checks)
	h.Expect(http.StatusOK, "GET", "/api/v1/verticals/failsource/notes", a.Tokens["viewer"], nil)

	// The note fixed, the next refresh takes the source back.
	notes := h.Expect(http.StatusOK, "GET", "/api/v1/verticals/failsource/notes", a.Tokens["viewer"], nil).JSON(t)["data"].([]any)
	require.Len(t, notes, 1)
	note := notes[0].(map[string]any)
	h.Expect(http.StatusOK, "PATCH", "/api/v1/verticals/failsource/notes/"+note["id"].(string), a.Tokens["cashier"],
		map[string]any{"body": "fixed", "version": note["version"]})
	h.Expect(http.StatusOK, "POST", "/api/v1/mv/refresh?force=true", admin, nil)
	hosttest.Eventually(t, 10*time.Second, "failsource runs again", func() bool {
		return verticals()["failsource"]["state"] == "running"
	})
}
