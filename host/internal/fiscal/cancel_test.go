package fiscal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/fiscal"
)

// waitingIssuer is the stub whose cancellations wait for the receiver
// until answer says otherwise.
type waitingIssuer struct {
	*stubIssuer

	mu      sync.Mutex
	answer  CancelOutcome
	fail    error
	cancels int
	checks  int
}

func (w *waitingIssuer) Cancel(context.Context, *Env, *Document, string) (CancelOutcome, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cancels++
	return CancelOutcome{Result: CancelPending, Authority: map[string]any{"estatus": "waiting"}}, nil
}

func (w *waitingIssuer) CancellationStatus(context.Context, *Env, *Document) (CancelOutcome, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.checks++
	if w.fail != nil {
		return CancelOutcome{}, w.fail
	}
	return w.answer, nil
}

// TestPendingCancellationOverHTTP: the operators' API shows a
// cancellation waiting for the receiver, filters by it and hides it from
// another company; the job's check that cannot reach the authority
// changes nothing.
func TestPendingCancellationOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now()
	w := &waitingIssuer{stubIssuer: e.stub, answer: CancelOutcome{Result: CancelPending}}
	e.svc = New(Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets, Issuers: []Issuer{w},
		Logger: hclog.NewNullLogger(), Now: func() time.Time { return now }})
	r := chi.NewRouter()
	r.With(e.authenticate).Route("/api/v1/fiscal", e.svc.Routes)
	e.handler = r
	ctx := t.Context()
	a, tokA := e.company(t, true)
	_, tokB := e.company(t, true)
	doc, err := e.svc.Issue(ctx, a, "cpg", sale("sale-1"))
	require.NoError(t, err)

	pending, err := e.svc.Cancel(ctx, a, "cpg", doc.ID, "02")
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusCancellationRequested, pending.Status)
	again, err := e.svc.Cancel(ctx, a, "cpg", doc.ID, "02")
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusCancellationRequested, again.Status)
	require.Equal(t, 1, w.cancels, "asked once")

	res := e.do(t, tokA, http.MethodGet, "/api/v1/fiscal/documents/"+doc.ID.String(), nil)
	require.Equal(t, http.StatusOK, res.Code, res.Body.String())
	var got fiscal.Document
	require.NoError(t, json.Unmarshal(res.Body.Bytes(), &got))
	require.Equal(t, fiscal.StatusCancellationRequested, got.Status)
	require.Equal(t, "02", *got.CancelReason)
	require.Equal(t, "waiting", got.Details["cancellation"].(map[string]any)["estatus"])
	res = e.do(t, tokA, http.MethodGet, "/api/v1/fiscal/documents?status=cancellation_requested", nil)
	require.Equal(t, http.StatusOK, res.Code)
	require.Contains(t, res.Body.String(), doc.ID.String())
	res = e.do(t, tokA, http.MethodGet, "/api/v1/fiscal/documents?status=pending", nil)
	require.Equal(t, http.StatusBadRequest, res.Code)
	require.Contains(t, res.Body.String(), "cancellation_requested")

	require.Equal(t, http.StatusNotFound, e.do(t, tokB, http.MethodGet, "/api/v1/fiscal/documents/"+doc.ID.String(), nil).Code)
	res = e.do(t, tokB, http.MethodGet, "/api/v1/fiscal/documents?status=cancellation_requested", nil)
	require.Equal(t, http.StatusOK, res.Code)
	require.NotContains(t, res.Body.String(), doc.ID.String())

	// The authority cannot answer: nothing changes, the next check backs
	// off; then it says cancelled.
	now = now.Add(cancelBackoff(0))
	w.fail = errors.New("status service down")
	n, err := e.svc.CheckCancellations(ctx, a)
	require.ErrorContains(t, err, "status service down")
	require.Zero(t, n)
	cur, err := e.svc.Get(ctx, a, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusCancellationRequested, cur.Status)
	w.fail, w.answer = nil, CancelOutcome{Result: CancelDone, Authority: map[string]any{"estatus": "done"}}
	n, err = e.svc.CheckCancellations(ctx, a)
	require.NoError(t, err)
	require.Zero(t, n, "backed off")
	now = now.Add(cancelBackoff(1))
	n, err = e.svc.CheckCancellations(ctx, a)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, 2, w.checks)
	cur, err = e.svc.Get(ctx, a, "", doc.ID)
	require.NoError(t, err)
	require.Equal(t, fiscal.StatusCancelled, cur.Status)
	require.Equal(t, "done", cur.Details["cancellation"].(map[string]any)["estatus"])
	require.NotContains(t, cur.Details["cancellation"], "next_check_at", "nothing left to check")
	require.Contains(t, cur.Details["cancellation"], "requested_at")
	require.Equal(t, []string{"fiscal.document.created", "fiscal.document.requested", "fiscal.document.authorized",
		"fiscal.document.cancellation_requested", "fiscal.document.cancelled"}, e.auditActions(t, a)[1:])
}

func TestCancelBackoff(t *testing.T) {
	t.Parallel()
	require.Equal(t, 5*time.Minute, cancelBackoff(0))
	require.Equal(t, 10*time.Minute, cancelBackoff(1))
	require.Equal(t, 160*time.Minute, cancelBackoff(5))
	require.Equal(t, 6*time.Hour, cancelBackoff(7))
	require.Equal(t, 6*time.Hour, cancelBackoff(1000))
}
