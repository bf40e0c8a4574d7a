package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Idempotency keys make retried writes safe: the first request with a key
// runs and, if it succeeds (< 400), its response is stored in the same unit
// of work as its effects. A retry with the same key and body gets that
// response again; the same key with another body is a 409. A concurrent
// retry waits for the first request's transaction (up to the lock timeout).

const (
	claimKeySQL = `
INSERT INTO public.idempotency_keys (company_id, scope, key, request_hash)
VALUES ($1, $2, $3, $4)
ON CONFLICT (company_id, scope, key) DO NOTHING`
	storedKeySQL = `
SELECT request_hash, status, response FROM public.idempotency_keys
WHERE company_id = $1 AND scope = $2 AND key = $3`
	rememberKeySQL = `
UPDATE public.idempotency_keys SET status = $4, response = $5
WHERE company_id = $1 AND scope = $2 AND key = $3`
)

var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// storedResponse is a response as remembered for an idempotency key.
type storedResponse struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    []byte              `json:"body"`
}

func (s storedResponse) write(w http.ResponseWriter) {
	for k, v := range s.Headers {
		w.Header()[k] = v
	}
	w.WriteHeader(s.Status)
	_, _ = w.Write(s.Body)
}

// idemState is the idempotency key of one request, if it has one.
type idemState struct {
	scope, key string
	// replay is the stored response of an earlier request with this key.
	replay *storedResponse
}

// idempotency claims the request's Idempotency-Key in its unit of work, or
// finds the response stored for it.
func (m *Manager) idempotency(ctx context.Context, r *http.Request, cl *call, route *nexusv1.Route, body []byte) (idemState, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || r.Method == http.MethodGet || cl.unit == nil {
		return idemState{}, nil
	}
	if !idempotencyKeyPattern.MatchString(key) {
		return idemState{}, httpx.BadRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable ASCII characters")
	}
	st := idemState{scope: cl.vertical + ":" + route.GetId(), key: key}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", r.Method, r.URL.RequestURI())
	h.Write(body)
	hash := h.Sum(nil)
	company := cl.principal.CompanyID
	err := cl.unit.Run(ctx, func(tx pgx.Tx) error {
		// A batch, so that the claim travels with the transaction's begin.
		var claimed bool
		b := &pgx.Batch{}
		b.Queue(claimKeySQL, company, st.scope, key, hash).Exec(func(tag pgconn.CommandTag) error {
			claimed = tag.RowsAffected() == 1
			return nil
		})
		if err := dal.SendQualified(ctx, tx, b).Close(); err != nil || claimed {
			return err
		}
		var (
			stored   []byte
			status   *int
			response []byte
		)
		if err := tx.QueryRow(ctx, storedKeySQL, company, st.scope, key).Scan(&stored, &status, &response); err != nil {
			return err
		}
		if string(stored) != string(hash) {
			return httpx.Conflict("idempotency_key_reused", "this Idempotency-Key was used with a different request")
		}
		st.replay = &storedResponse{}
		return json.Unmarshal(response, st.replay)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return idemState{}, httpx.Conflict("idempotency_key_in_use", "a request with this Idempotency-Key is still running")
	}
	if err != nil {
		return idemState{}, fmt.Errorf("idempotency key: %w", err)
	}
	if st.replay != nil {
		st.replay.Headers["Idempotent-Replayed"] = []string{"true"}
	}
	return st, nil
}

// queueResponse queues in b, for the request's unit of work, the storing of
// res under the request's idempotency key (if it has one).
func queueResponse(b *pgx.Batch, cl *call, st idemState, res storedResponse) error {
	if st.key == "" {
		return nil
	}
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	b.Queue(rememberKeySQL, cl.principal.CompanyID, st.scope, st.key, res.Status, data)
	return nil
}

// pruneBatch bounds the rows one pruning statement deletes.
const pruneBatch = 10000

// pruneKeysSQL deletes up to $2 idempotency keys stored more than $1 ms
// ago, skipping rows another replica is deleting.
const pruneKeysSQL = `DELETE FROM public.idempotency_keys k
WHERE (k.company_id, k.scope, k.key) IN (
        SELECT company_id, scope, key FROM public.idempotency_keys
        WHERE created_at < now() - $1::bigint * interval '1 ms'
        LIMIT $2 FOR UPDATE SKIP LOCKED)`

// PruneIdempotencyKeys deletes the idempotency keys stored longer than ttl
// ago and returns how many it deleted: a retry that comes later runs as a
// new request. Several replicas may prune at once.
func PruneIdempotencyKeys(ctx context.Context, db *pgxpool.Pool, ttl time.Duration) (int64, error) {
	var total int64
	for {
		tag, err := db.Exec(ctx, pruneKeysSQL, ttl.Milliseconds(), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune idempotency keys: %w", err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
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
