package sdk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// breakerHost is a host that takes the breaker reports one at a time: a
// report is sent only when the test receives it.
type breakerHost struct {
	nexusv1.HostClient
	reports chan []*nexusv1.Breaker
}

func (h *breakerHost) ReportBreakers(ctx context.Context, in *nexusv1.ReportBreakersRequest, _ ...grpc.CallOption) (*nexusv1.ReportBreakersResponse, error) {
	select {
	case h.reports <- in.GetBreakers():
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &nexusv1.ReportBreakersResponse{}, nil
}

// TestBreakersReportedOnChangeOnly: the vertical tells the host its
// breakers' states when one changes state, not on each call: failures
// below the threshold and calls an open breaker refuses report nothing.
func TestBreakersReportedOnChangeOnly(t *testing.T) {
	t.Parallel()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(failing.Close)
	host := &breakerHost{reports: make(chan []*nexusv1.Breaker)}
	s := newServer(manifestFunc(func() Manifest {
		return Manifest{Name: "shop", Outbound: outbound.Config{MaxAttempts: 1, FailureThreshold: 3, OpenTimeout: time.Hour}}
	}), hclog.NewNullLogger())
	s.host = host
	call := func(company string) error {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, failing.URL, strings.NewReader("{}"))
		require.NoError(t, err)
		res, err := s.outbound.Client(company, "afip").Do(req)
		if err == nil {
			require.NoError(t, res.Body.Close())
		}
		return err
	}
	next := func() map[string]string {
		t.Helper()
		select {
		case bs := <-host.reports:
			out := map[string]string{}
			for _, b := range bs {
				out[b.GetCompanyId()+"/"+b.GetService()] = b.GetState()
			}
			return out
		case <-time.After(30 * time.Second):
			t.Fatal("no breaker report")
			return nil
		}
	}

	// Three failures in a row open A's breaker: one report.
	for range 3 {
		require.NoError(t, call("a"), "a 502 is an answer")
	}
	require.Equal(t, map[string]string{"a/afip": outbound.StateOpen}, next())

	// Refused calls on A and failures below the threshold on B change no
	// state; B's third failure does. The next report is B's opening: none
	// was sent in between.
	for range 10 {
		require.ErrorIs(t, call("a"), outbound.ErrCircuitOpen)
	}
	for range 2 {
		require.NoError(t, call("b"))
	}
	require.NoError(t, call("b"))
	require.Equal(t, map[string]string{"a/afip": outbound.StateOpen, "b/afip": outbound.StateOpen}, next())
	require.Empty(t, s.breakers.pending, "no report is waiting")
}
