package hostcall

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Idempotency keys make retried writes safe: the first request with a key
// runs and, if it succeeds (< 400), its response is stored in the same unit
// of work as its effects. A retry with the same key and request gets that
// response again; the same key with another request is refused. A
// concurrent retry waits for the first request's transaction (up to the
// lock timeout).

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

// KeyError is an Idempotency-Key refused: the host and sdktest both answer
// it with its kind's status, its code and its message, so the refusals are
// written here once.
type KeyError struct {
	Kind    kind.Kind
	Code    string
	Message string
}

// Error implements error.
func (e *KeyError) Error() string { return e.Message }

var (
	// ErrInvalidKey is CheckKey's error for a malformed key (400).
	ErrInvalidKey = &KeyError{Kind: kind.Invalid, Code: "invalid_idempotency_key",
		Message: "Idempotency-Key must be 1 to 255 printable ASCII characters"}
	// ErrKeyReused is Claim's error for a key used with another request
	// (409).
	ErrKeyReused = &KeyError{Kind: kind.Conflict, Code: "idempotency_key_reused",
		Message: "this Idempotency-Key was used with a different request"}
	// ErrKeyInUse is Claim's error when the request that claimed the key
	// is still running after the lock timeout (409).
	ErrKeyInUse = &KeyError{Kind: kind.Conflict, Code: "idempotency_key_in_use",
		Message: "a request with this Idempotency-Key is still running"}
)

var idempotencyKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// CheckKey returns ErrInvalidKey unless key is 1 to 255 printable ASCII
// characters.
func CheckKey(key string) error {
	if !idempotencyKeyPattern.MatchString(key) {
		return ErrInvalidKey
	}
	return nil
}

// StoredResponse is a response as remembered for an idempotency key.
type StoredResponse struct {
	Status  int                 `json:"status"`
	Headers map[string][]string `json:"headers"`
	Body    []byte              `json:"body"`
}

// StoredResponseOf is the response to remember of a vertical's answer.
func StoredResponseOf(res *nexusv1.RouteResponse) StoredResponse {
	out := StoredResponse{Status: int(res.GetStatus()), Headers: map[string][]string{}, Body: res.GetBody()}
	for k, v := range res.GetHeaders() {
		out.Headers[textproto.CanonicalMIMEHeaderKey(k)] = v.GetValues()
	}
	return out
}

// IdempotentRequest is one request's idempotency key.
type IdempotentRequest struct {
	company    uuid.UUID
	scope, key string
	hash       []byte
}

// NewIdempotentRequest identifies a request of company by its method, URI
// and body, under key in scope (a vertical's route).
func NewIdempotentRequest(company uuid.UUID, scope, key, method, uri string, body []byte) IdempotentRequest {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", method, uri)
	h.Write(body)
	return IdempotentRequest{company: company, scope: scope, key: key, hash: h.Sum(nil)}
}

// Claim claims the key in u, the request's unit of work, and returns nil;
// or returns the response stored for an earlier request with the key. It
// fails with ErrKeyReused when that request was another one, and with
// ErrKeyInUse when it is still running.
func (r IdempotentRequest) Claim(ctx context.Context, u *dal.Unit) (*StoredResponse, error) {
	var replay *StoredResponse
	err := u.Run(ctx, func(tx pgx.Tx) error {
		// A batch, so that the claim travels with the transaction's begin.
		var claimed bool
		b := &pgx.Batch{}
		b.Queue(claimKeySQL, r.company, r.scope, r.key, r.hash).Exec(func(tag pgconn.CommandTag) error {
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
		if err := tx.QueryRow(ctx, storedKeySQL, r.company, r.scope, r.key).Scan(&stored, &status, &response); err != nil {
			return err
		}
		if string(stored) != string(r.hash) {
			return ErrKeyReused
		}
		replay = &StoredResponse{}
		return json.Unmarshal(response, replay)
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "55P03":
		return nil, ErrKeyInUse
	case errors.Is(err, ErrKeyReused):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("idempotency key: %w", err)
	}
	if replay != nil {
		if replay.Headers == nil {
			replay.Headers = map[string][]string{}
		}
		replay.Headers["Idempotent-Replayed"] = []string{"true"}
	}
	return replay, nil
}

// QueueRemember queues in b, for the request's unit of work, the storing
// of res under the request's key.
func (r IdempotentRequest) QueueRemember(b *pgx.Batch, res StoredResponse) error {
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("idempotency key: %w", err)
	}
	b.Queue(rememberKeySQL, r.company, r.scope, r.key, res.Status, data)
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
