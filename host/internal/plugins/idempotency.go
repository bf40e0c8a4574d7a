package plugins

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/hostsvc"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/hostcall"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// idemState is the idempotency key of one request, if it has one.
type idemState struct {
	req *hostcall.IdempotentRequest
	// replay is the stored response of an earlier request with this key.
	replay *hostcall.StoredResponse
}

// writeStored writes a stored response.
func writeStored(w http.ResponseWriter, s hostcall.StoredResponse) {
	for k, v := range s.Headers {
		w.Header()[k] = v
	}
	w.WriteHeader(s.Status)
	_, _ = w.Write(s.Body)
}

// idempotency claims the request's Idempotency-Key in its unit of work, or
// finds the response stored for it (see hostcall.IdempotentRequest).
func (m *Manager) idempotency(ctx context.Context, r *http.Request, cl *hostsvc.Call, route *nexusv1.Route, body []byte) (idemState, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method == http.MethodGet || cl.Unit() == nil {
		return idemState{}, nil
	}
	if err := hostcall.CheckKey(key); err != nil {
		return idemState{}, keyRefused(err)
	}
	req := hostcall.NewIdempotentRequest(cl.Principal().CompanyID, cl.Vertical()+":"+route.GetId(), key, r.Method, r.URL.RequestURI(), body)
	replay, err := req.Claim(ctx, cl.Unit())
	if err != nil {
		return idemState{}, keyRefused(err)
	}
	return idemState{req: &req, replay: replay}, nil
}

// keyRefused is err as the client sees it: a refused key
// (*hostcall.KeyError) with its kind, code and message, anything else as
// it is.
func keyRefused(err error) error {
	var ke *hostcall.KeyError
	if errors.As(err, &ke) {
		return httpx.NewError(ke.Kind, ke.Code, ke.Message)
	}
	return err
}

// queueResponse queues in b, for the request's unit of work, the storing of
// res under the request's idempotency key (if it has one).
func queueResponse(b *pgx.Batch, st idemState, res hostcall.StoredResponse) error {
	if st.req == nil {
		return nil
	}
	return st.req.QueueRemember(b, res)
}

// commitError is the answer when a unit of work fails to commit after the
// vertical answered successfully.
func commitError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01") {
		return httpx.Conflict("conflict_retry", "the request conflicted with a concurrent one; retry it")
	}
	return httpx.Internal(fmt.Errorf("commit: %w", err))
}
