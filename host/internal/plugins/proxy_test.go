package plugins

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// TestFailedCallLogsCarryTheRequestID checks that each log line about a
// failed plugin call names the request it failed for.
func TestFailedCallLogsCarryTheRequestID(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	root := hclog.New(&hclog.LoggerOptions{Output: &out, Level: hclog.Debug})
	m := New(Config{Logger: root})
	v := &vertical{name: "probe"}
	for name, fail := range map[string]func(w http.ResponseWriter, r *http.Request){
		"call": func(w http.ResponseWriter, r *http.Request) {
			m.callFailed(w, r, v, status.Error(codes.Internal, "boom"))
		},
		"effects": func(w http.ResponseWriter, r *http.Request) { m.effectsFailed(w, r, v, errors.New("boom")) },
	} {
		out.Reset()
		r := httptest.NewRequest(http.MethodGet, "/api/v1/verticals/probe/x", nil)
		ctx := httpx.WithRequestID(r.Context(), "req-"+name)
		r = r.WithContext(httpx.WithLogger(ctx, root.With("request_id", "req-"+name)))
		w := httptest.NewRecorder()
		fail(w, r)
		require.Equal(t, http.StatusBadGateway, w.Code, name)
		require.Contains(t, out.String(), "request_id=req-"+name, name)
		for _, line := range bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n")) {
			require.Contains(t, string(line), "request_id=req-"+name, "%s: %s", name, line)
		}
	}
}

// TestInvalidAnswerIsABadGateway checks that a plugin's answer whose
// status cannot be sent (or would commit a failed call) is a 502, and that
// every sendable status passes.
func TestInvalidAnswerIsABadGateway(t *testing.T) {
	t.Parallel()
	m := New(Config{Logger: hclog.NewNullLogger()})
	v := &vertical{name: "probe"}
	for _, s := range []int{0, -1, 99, 101, 600, 999} {
		w := httptest.NewRecorder()
		require.True(t, m.invalidAnswer(w, httptest.NewRequest(http.MethodGet, "/x", nil), v, s), "status %d", s)
		require.Equal(t, http.StatusBadGateway, w.Code, "status %d", s)
	}
	for _, s := range []int{200, 201, 204, 304, 400, 401, 413, 415, 422, 500, 503, 599} {
		w := httptest.NewRecorder()
		require.False(t, m.invalidAnswer(w, httptest.NewRequest(http.MethodGet, "/x", nil), v, s), "status %d", s)
		require.Equal(t, http.StatusOK, w.Code, "nothing written for %d", s)
	}
}
