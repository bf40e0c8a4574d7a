package hostcall_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/internal/hostcall"
	"github.com/nexuspos/nexus/internal/pgtest"
)

// TestPruneIdempotencyKeys: keys stored longer than the TTL go, fresher
// ones stay.
func TestPruneIdempotencyKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	pgtest.MigrateHost(t, pool)
	company := uuid.New()
	for key, age := range map[string]string{"old-1": "49 hours", "old-2": "25 hours", "fresh": "23 hours"} {
		if _, err := pool.Exec(ctx, `INSERT INTO public.idempotency_keys (company_id, scope, key, request_hash, created_at)
VALUES ($1, 'cpg:POST /sales', $2, '\x00', now() - $3::interval)`, company, key, age); err != nil {
			t.Fatalf("insert %s: %v", key, err)
		}
	}
	n, err := hostcall.PruneIdempotencyKeys(ctx, pool, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("pruned %d keys, want 2", n)
	}
	var left []string
	rows, err := pool.Query(ctx, `SELECT key FROM public.idempotency_keys WHERE company_id = $1`, company)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		left = append(left, k)
	}
	if rows.Err() != nil || len(left) != 1 || left[0] != "fresh" {
		t.Fatalf("left %v (%v), want [fresh]", left, rows.Err())
	}
}
