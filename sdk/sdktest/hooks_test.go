package sdktest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/testverticals/probe"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// signedHeader is a probe webhook call's headers, signed with company's
// secret at at.
func signedHeader(company, delivery string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set(probe.WebhookScheme.IDHeader, delivery)
	h.Set(probe.WebhookScheme.TimestampHeader, ts)
	h.Set(probe.WebhookScheme.SignatureHeader, probe.WebhookScheme.Sign(probe.WebhookSecret(company), delivery, ts, body))
	return h
}

// TestWebhookDriver calls a vertical's signed webhook in-process: it runs
// in the unit of work of the harness's company, writes only there, and
// refuses a bad signature, a replay and an oversized body without writing.
func TestWebhookDriver(t *testing.T) {
	t.Parallel()
	a := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	b := a.WithCompany(sdktest.NewCompany())
	body := []byte(`{"body":"payment 1","amount":"120.50"}`)

	res := a.Webhook(http.MethodPost, "/payments", body, signedHeader(a.Company().ID, "d-1", time.Now(), body))
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var out struct {
		NoteID    string `json:"note_id"`
		CompanyID string `json:"company_id"`
	}
	res.Decode(t, &out)
	require.Equal(t, a.Company().ID, out.CompanyID)
	ns := list(t, a, "/notes")
	require.Len(t, ns, 1, "the webhook's write committed")
	require.Equal(t, out.NoteID, ns[0].ID)
	require.Equal(t, "120.50", ns[0].Amount.StringFixed(2))
	require.Empty(t, list(t, b, "/notes"), "another company sees none of it")

	for _, tc := range []struct {
		name   string
		header http.Header
		status int
		code   string
	}{
		{"replay", signedHeader(a.Company().ID, "d-1", time.Now(), body), http.StatusConflict, "webhook_replayed"},
		{"another company's secret", signedHeader(b.Company().ID, "d-2", time.Now(), body), http.StatusUnauthorized, "invalid_signature"},
		{"stale", signedHeader(a.Company().ID, "d-3", time.Now().Add(-time.Hour), body), http.StatusUnauthorized, "stale_timestamp"},
	} {
		res := a.Webhook(http.MethodPost, "/payments", body, tc.header)
		require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), tc.name)
	}
	require.Len(t, list(t, a, "/notes"), 1, "no refused call wrote")

	// The same delivery for B is B's own.
	res = b.Webhook(http.MethodPost, "/payments", body, signedHeader(b.Company().ID, "d-1", time.Now(), body))
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	require.Len(t, list(t, b, "/notes"), 1)

	require.Equal(t, http.StatusNoContent, a.Webhook(http.MethodPost, "/small", []byte(strings.Repeat("x", 64)), nil).Status)
	res = a.Webhook(http.MethodPost, "/small", []byte(strings.Repeat("x", 65)), nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	require.Equal(t, "body_too_large", res.ErrorCode())
	res = a.Webhook(http.MethodPost, "/nope", nil, nil)
	require.Equal(t, http.StatusNotFound, res.Status)
	require.Equal(t, "webhook_not_found", res.ErrorCode())
	require.Equal(t, http.StatusMethodNotAllowed, a.Webhook(http.MethodGet, "/payments", nil, nil).Status)
}

// TestJobDriver runs a vertical's per-company job in-process in the unit
// of work of the harness's company, and its global job with no company.
func TestJobDriver(t *testing.T) {
	t.Parallel()
	a := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	b := a.WithCompany(sdktest.NewCompany())

	require.NoError(t, a.RunJob(t.Context(), "tick"))
	ns := list(t, a, "/notes")
	require.Len(t, ns, 1, "the job's write committed in the company's unit of work")
	require.True(t, strings.HasPrefix(ns[0].Body, "tick "), ns[0].Body)
	require.Empty(t, list(t, b, "/notes"), "another company's run is its own")
	require.NoError(t, b.RunJob(t.Context(), "tick"))
	require.Len(t, list(t, b, "/notes"), 1)
	require.Len(t, list(t, a, "/notes"), 1)

	require.NoError(t, a.RunJob(t.Context(), "global_tick"), "a global job runs without a company")
	require.ErrorContains(t, a.RunJob(t.Context(), "nope"), `no job "nope"`)
}
